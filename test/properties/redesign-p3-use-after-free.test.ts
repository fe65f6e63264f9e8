import { describe, expect, it } from 'vitest';
import type { KernelEvent } from '../../model/events.ts';
import { noUseAfterFree } from '../../properties/redesign/p3-no-use-after-free.ts';
import { TraceBuilder, VMLINUX, addPatch, livepatch, patchSet, pid, pushFuncs, violationOf } from './fixtures.ts';
import { coreFree, klpCompleting, state } from './redesign-fixtures.ts';

const CFG = { kind: 'static', name: 'cfg' } as const;

/** `carrier` patches vm_use to read <cfg, 10> and carries state 10; `stranger` reads it too without the state. */
const set = patchSet(
  [
    livepatch('carrier', [{ name: VMLINUX, funcs: [{ oldName: 'vm_use', body: [{ op: 'shadowGet', id: 10, obj: CFG }] }] }], {
      states: [state(10, { isShadow: true })],
    }),
    livepatch('stranger', [{ name: VMLINUX, funcs: [{ oldName: 'vm_use', body: [{ op: 'shadowGet', id: 10, obj: CFG }] }] }]),
  ],
  { vmlinuxFunctions: [{ name: 'vm_use', role: 'use' }] },
);
const CARRIER = pid('carrier');

function listed(module: 'carrier' | 'stranger'): TraceBuilder {
  return new TraceBuilder(set, (world) => {
    pushFuncs(world, addPatch(world, set, module));
    world.shadows.push({ obj: 'cfg', id: 10, data: 'p1', value: null });
  });
}

const FREE: KernelEvent[] = coreFree(CARRIER, 10, [{ obj: 'cfg', data: 'p1' }]);

describe('p3-no-use-after-free', () => {
  it('flags a free under a carrier that still runs', () => {
    const trace = listed('carrier').step([klpCompleting(CARRIER, 'patched'), ...FREE], (world) => {
      world.shadows = [];
    });
    const violation = violationOf(trace.judge(noUseAfterFree, 'redesign'));
    expect(violation.explanation).toContain("<cfg, 10> was freed by the core's klp_shadow_free_all for klp_state 10 of carrier");
    expect(violation.explanation).toContain('while vm_use of vmlinux as patched by carrier can still run');
  });

  it('holds once the carrier is unpatched', () => {
    const trace = listed('carrier').step([klpCompleting(CARRIER, 'unpatched'), ...FREE], (world) => {
      world.shadows = [];
      world.funcStacks = {};
    });
    expect(trace.judge(noUseAfterFree, 'redesign')).toEqual({ status: 'holds' });
  });

  it('leaves users without the state alone', () => {
    const trace = listed('stranger').step([klpCompleting(CARRIER, 'unpatched'), ...FREE], (world) => {
      world.shadows = [];
    });
    expect(trace.judge(noUseAfterFree, 'redesign')).toEqual({ status: 'holds' });
  });

  it('flags a core free outside completion', () => {
    const trace = listed('carrier').step(FREE, (world) => {
      world.shadows = [];
      world.funcStacks = {};
    });
    expect(violationOf(trace.judge(noUseAfterFree, 'redesign')).explanation).toContain(
      'freed the shadow variables of klp_state 10 although no transition was completing or being cancelled',
    );
  });

  it('flags a pre_unpatch that frees under its own code', () => {
    const site = { kind: 'stateCallback', patch: CARRIER, state: 10, callback: 'pre_unpatch' } as const;
    const trace = listed('carrier').step([{ type: 'shadow', op: 'free', obj: 'cfg', id: 10, data: 'p1', site }], (world) => {
      world.shadows = [];
    });
    expect(violationOf(trace.judge(noUseAfterFree, 'redesign')).explanation).toContain('freed by pre_unpatch of klp_state 10');
  });

  it('applies to the redesign only', () => {
    expect(noUseAfterFree.appliesTo('redesign')).toBe(true);
    expect(noUseAfterFree.appliesTo('current')).toMatch(/automatic shadow frees/);
  });
});
