import { describe, expect, it } from 'vitest';
import { bufferId } from '../../model/ids.ts';
import type { World } from '../../model/world.ts';
import { stateDataLifetime } from '../../properties/state-data-lifetime.ts';
import { TraceBuilder, VMLINUX, addPatch, livepatch, mod, patchSet, pid, violationOf } from './fixtures.ts';

const set = patchSet([
  livepatch('s1', [{ name: VMLINUX, funcs: [] }], { replace: true, states: [{ id: 1, version: 1 }] }),
  livepatch('s2', [{ name: VMLINUX, funcs: [] }], { replace: true, states: [{ id: 1, version: 2 }] }),
]);
const S1 = pid('s1');
const S2 = pid('s2');
const BUF = bufferId('buf1');

/** s1 enabled, and its pre_patch allocated buf1 into klp_state 1 at step 0. */
function allocated(): TraceBuilder {
  return new TraceBuilder(set, (world) => {
    addPatch(world, set, 's1');
  }).step([{ type: 'stateData', op: 'alloc', buffer: BUF, patch: S1, id: 1 }], (world) => {
    world.buffers[BUF] = { allocatedBy: S1, freed: false, value: null };
    world.patches[S1]!.states[0]!.data = BUF;
  });
}

function removeS1(world: World): void {
  world.klpPatches = world.klpPatches.filter((id) => id !== S1);
  world.patches[S1]!.phase = 'released';
  delete world.modules['s1'];
}

describe('state-data-lifetime', () => {
  it('holds while the allocating module holds the pointer', () => {
    expect(allocated().judge(stateDataLifetime)).toEqual({ status: 'holds' });
  });

  it('flags a use after free', () => {
    const trace = allocated()
      .step([{ type: 'stateData', op: 'free', buffer: BUF, patch: S1, id: 1 }], (world) => {
        world.buffers[BUF]!.freed = true;
      })
      .step([{ type: 'stateData', op: 'read', buffer: BUF, patch: S1, id: 1, afterFree: true }]);
    const violation = violationOf(trace.judge(stateDataLifetime));
    expect(violation.step).toBe(2);
    expect(violation.explanation).toContain('use after free of klp_state data: s1 read the data of klp_state 1');
    expect(violation.explanation).toContain('allocated at step 0, freed at step 1');
    expect(violation.steps).toEqual([0, 1, 2]);
  });

  it('flags a buffer whose last pointer went with rmmod', () => {
    const trace = allocated().step([{ type: 'module', op: 'removed', module: mod('s1') }], removeS1);
    const violation = violationOf(trace.judge(stateDataLifetime));
    expect(violation.explanation).toContain('klp_state data buffer buf1, allocated by s1 at step 0, leaked');
    expect(violation.explanation).toContain('after rmmod of s1');
    expect(violation.steps).toEqual([0, 1]);
  });

  it('holds after a takeover by another module', () => {
    const trace = allocated()
      .step([{ type: 'stateData', op: 'takeOver', buffer: BUF, patch: S2, id: 1 }], (world) => {
        addPatch(world, set, 's2').states[0]!.data = BUF;
      })
      .step([{ type: 'module', op: 'removed', module: mod('s1') }], removeS1);
    expect(trace.judge(stateDataLifetime)).toEqual({ status: 'holds' });
  });

  it('holds for a freed buffer without pointers', () => {
    const trace = allocated()
      .step([{ type: 'stateData', op: 'free', buffer: BUF, patch: S1, id: 1 }], (world) => {
        world.buffers[BUF]!.freed = true;
      })
      .step([], removeS1);
    expect(trace.judge(stateDataLifetime)).toEqual({ status: 'holds' });
  });

  it('waits until no transition is pending', () => {
    const trace = allocated().step([], (world) => {
      world.patches[S1]!.states[0]!.data = null;
      world.transition = { patch: S1, target: 'unpatched', allTasksSwitched: false };
    });
    expect(trace.judge(stateDataLifetime)).toEqual({ status: 'holds' });
  });

  it('does not apply to the redesign', () => {
    expect(stateDataLifetime.appliesTo('current')).toBe(true);
    expect(stateDataLifetime.appliesTo('redesign')).toMatch(/klp_state.data/);
  });
});
