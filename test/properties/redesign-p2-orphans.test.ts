import { describe, expect, it } from 'vitest';
import { noOrphanedShadows } from '../../properties/redesign/p2-no-orphaned-shadows.ts';
import { TraceBuilder, VMLINUX, addPatch, livepatch, patchSet, pid, violationOf } from './fixtures.ts';
import { beginTransition, coreFree, endTransition, klpInit, klpStart, state } from './redesign-fixtures.ts';

const set = patchSet([
  livepatch('owner', [{ name: VMLINUX, funcs: [] }], { states: [state(10, { isShadow: true })] }),
  livepatch('plain', [{ name: VMLINUX, funcs: [] }], { states: [state(11)] }),
]);
const OWNER = pid('owner');
const PLAIN = pid('plain');

/** owner enabled, and its pre_patch allocated <cfg, 10> (step 0). */
function ownerWithShadow(): TraceBuilder {
  return new TraceBuilder(set).step([klpInit(OWNER, 'patched'), klpStart(OWNER, 'patched')], (world) => {
    addPatch(world, set, 'owner');
    world.shadows.push({ obj: 'cfg', id: 10, data: 'p1', value: null });
  });
}

describe('p2-no-orphaned-shadows', () => {
  it('holds while a listed patch carries the state', () => {
    expect(ownerWithShadow().judge(noOrphanedShadows, 'redesign')).toEqual({ status: 'holds' });
  });

  it('holds when the removal frees the variables', () => {
    const trace = ownerWithShadow().step(coreFree(OWNER, 10, [{ obj: 'cfg', data: 'p1' }]), (world) => {
      endTransition(world, [OWNER]);
      world.shadows = [];
    });
    expect(trace.judge(noOrphanedShadows, 'redesign')).toEqual({ status: 'holds' });
  });

  it('flags a variable left after the removal', () => {
    const trace = ownerWithShadow().step([], (world) => endTransition(world, [OWNER]));
    const violation = violationOf(trace.judge(noOrphanedShadows, 'redesign'));
    expect(violation.step).toBe(1);
    expect(violation.explanation).toContain('orphaned shadow variable: <cfg, 10> (allocated at step 0) still exists');
    expect(violation.explanation).toContain('is_shadow klp_state 10 that owns it since step 1');
    expect(violation.steps).toEqual([0, 1]);
  });

  it('waits until no transition is pending', () => {
    const trace = ownerWithShadow().step([], (world) => {
      world.klpPatches = [];
      beginTransition(world, OWNER, 'unpatched');
    });
    expect(trace.judge(noOrphanedShadows, 'redesign')).toEqual({ status: 'holds' });
  });

  it('flags a variable a failed enable left', () => {
    // The failing pre_patch must free what it allocated; the core frees only earlier states.
    const trace = new TraceBuilder(set).step([klpInit(OWNER, 'patched'), { type: 'result', errno: -12 }], (world) => {
      addPatch(world, set, 'owner', { phase: 'failed' });
      world.shadows.push({ obj: 'cfg', id: 10, data: 'p1', value: null });
    });
    expect(violationOf(trace.judge(noOrphanedShadows, 'redesign')).explanation).toContain('<cfg, 10>');
  });

  it('ignores ids no is_shadow state owned', () => {
    const trace = new TraceBuilder(set)
      .step([klpInit(PLAIN, 'patched')], (world) => {
        addPatch(world, set, 'plain');
        world.shadows.push({ obj: 'cfg', id: 11, data: 'p1', value: null });
      })
      .step([], (world) => endTransition(world, [PLAIN]));
    expect(trace.judge(noOrphanedShadows, 'redesign')).toEqual({ status: 'holds' });
  });

  it('ignores a patch refused before its transition', () => {
    // A busy enable lists and frees the patch without a transition, so its states owned nothing.
    const trace = new TraceBuilder(set)
      .step([], (world) => world.shadows.push({ obj: 'cfg', id: 10, data: 'p1', value: null }))
      .step([{ type: 'result', errno: -16 }], (world) => {
        addPatch(world, set, 'owner', { phase: 'failed' });
      });
    expect(trace.judge(noOrphanedShadows, 'redesign')).toEqual({ status: 'holds' });
  });

  it('applies to the redesign only', () => {
    expect(noOrphanedShadows.appliesTo('redesign')).toBe(true);
    expect(noOrphanedShadows.appliesTo('current')).toMatch(/is_shadow/);
  });
});
