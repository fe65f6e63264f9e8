import { describe, expect, it } from 'vitest';
import type { Code } from '../../model/code.ts';
import type { StateDef } from '../../model/definition.ts';
import { idHygiene } from '../../properties/redesign/p10-id-hygiene.ts';
import { TraceBuilder, VMLINUX, addPatch, livepatch, patchSet, violationOf } from './fixtures.ts';
import { state } from './redesign-fixtures.ts';

const CFG = { kind: 'static', name: 'cfg' } as const;
const READ_10: Code = [{ op: 'shadowGet', id: 10, obj: CFG }];

function patch(name: string, states: readonly StateDef[], body?: Code) {
  return livepatch(name, [{ name: VMLINUX, funcs: [{ oldName: 'vm_use', ...(body ? { body } : {}) }] }], { states });
}

/** `first` is listed, then an insmod creates `second` (step 0). */
function loadAfter(first: ReturnType<typeof patch>, second: ReturnType<typeof patch>): TraceBuilder {
  const set = patchSet([first, second], { vmlinuxFunctions: [{ name: 'vm_use', role: 'use' }] });
  return new TraceBuilder(set, (world) => {
    addPatch(world, set, first.name);
  }).step([], (world) => {
    addPatch(world, set, second.name);
  });
}

const SHADOW_10 = state(10, { isShadow: true });

describe('p10-id-hygiene', () => {
  it('holds for two patches with one meaning', () => {
    const trace = loadAfter(patch('a', [SHADOW_10], READ_10), patch('b', [SHADOW_10], READ_10));
    expect(trace.judge(idHygiene, 'redesign')).toEqual({ status: 'holds' });
  });

  it('flags an id listed twice', () => {
    const trace = loadAfter(patch('a', []), patch('b', [state(11), state(11)]));
    expect(violationOf(trace.judge(idHygiene, 'redesign')).explanation).toContain(
      'duplicate klp_state id: b lists klp_state 11 twice in states[]',
    );
  });

  it('flags is_shadow that differs', () => {
    const trace = loadAfter(patch('a', [SHADOW_10], READ_10), patch('b', [state(10)], READ_10));
    expect(violationOf(trace.judge(idHygiene, 'redesign')).explanation).toContain(
      'one klp_state id, two meanings: b and the listed a both carry klp_state 10 but differ in is_shadow (false against true)',
    );
  });

  it('flags callbacks that differ', () => {
    const other = state(10, { isShadow: true, callbacks: { pre_patch: [{ op: 'print', text: 'other' }] } });
    const trace = loadAfter(patch('a', [SHADOW_10], READ_10), patch('b', [other], READ_10));
    expect(violationOf(trace.judge(idHygiene, 'redesign')).explanation).toContain('but differ in pre_patch');
  });

  it('flags a shadow destructor that differs', () => {
    const withDtor = state(10, { isShadow: true, shadowDtor: 'dtor' });
    const a = patch('a', [SHADOW_10], READ_10);
    const b = { ...patch('b', [withDtor], READ_10), dtors: { dtor: { body: [{ op: 'print', text: 'freeing' }] } } } as const;
    expect(violationOf(loadAfter(a, b).judge(idHygiene, 'redesign')).explanation).toContain('but differ in shadow_dtor');
  });

  it('lets block_disable differ', () => {
    const trace = loadAfter(patch('a', [state(10, { blockDisable: true })]), patch('b', [state(10)]));
    expect(trace.judge(idHygiene, 'redesign')).toEqual({ status: 'holds' });
  });

  it('flags a shadow id without an is_shadow state', () => {
    const trace = loadAfter(patch('a', []), patch('b', [state(10)], READ_10));
    expect(violationOf(trace.judge(idHygiene, 'redesign')).explanation).toContain(
      'shadow id without an owning state: the code of b uses shadow id 10, but the patch declares no is_shadow state',
    );
  });

  it('applies to the redesign only', () => {
    expect(idHygiene.appliesTo('redesign')).toBe(true);
    expect(idHygiene.appliesTo('current')).not.toBe(true);
  });
});
