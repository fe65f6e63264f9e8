import { describe, expect, it } from 'vitest';
import type { PatchId } from '../../model/ids.ts';
import type { World } from '../../model/world.ts';
import { systemStateConsistency } from '../../properties/system-state-consistency.ts';
import { TraceBuilder, VMLINUX, addPatch, livepatch, patchSet, pid, violationOf } from './fixtures.ts';

const set = patchSet(
  [
    livepatch('s1', [{ name: VMLINUX, funcs: [] }], { replace: true, states: [{ id: 1, version: 1 }] }),
    livepatch('s2', [{ name: VMLINUX, funcs: [] }], { replace: true, states: [{ id: 1, version: 2 }] }),
    livepatch('plain', [{ name: VMLINUX, funcs: [] }]),
  ],
  { systemVariables: { console_loglevel: 7 } },
);
const S1 = pid('s1');
const S2 = pid('s2');
const PLAIN = pid('plain');

/** `patch` raises console_loglevel to 15 at step 0 under the given klp_state. */
function raisedBy(patch: PatchId, id: number | null, version: number | null): TraceBuilder {
  return new TraceBuilder(set, (world) => {
    addPatch(world, set, patch.slice(0, patch.indexOf('#')));
  }).step(
    [{ type: 'variable', name: 'console_loglevel', from: 7, to: 15, site: { kind: 'callback', patch, object: null, callback: 'post_patch' } }],
    (world) => {
      world.systemVariables['console_loglevel'] = { value: 15, original: 7, changedBy: { patch, id, version } };
    },
  );
}

function unlist(patch: PatchId): (world: World) => void {
  return (world) => {
    world.klpPatches = world.klpPatches.filter((id) => id !== patch);
    world.patches[patch]!.phase = 'freeing';
  };
}

describe('system-state-consistency', () => {
  it('holds while the changing patch is listed', () => {
    expect(raisedBy(S1, 1, 1).judge(systemStateConsistency)).toEqual({ status: 'holds' });
  });

  it('flags a change left without its state', () => {
    const trace = raisedBy(S1, 1, 1).step([{ type: 'patchFreed', patch: S1 }], unlist(S1));
    const violation = violationOf(trace.judge(systemStateConsistency));
    expect(violation.step).toBe(1);
    expect(violation.explanation).toContain('missing downgrade handling: console_loglevel is 15 (boot value 7)');
    expect(violation.explanation).toContain('s1 changed it under klp_state 1 version 1');
    expect(violation.steps).toEqual([0, 1]);
  });

  it('holds after a takeover by a higher version', () => {
    const trace = raisedBy(S1, 1, 1).step([], (world) => {
      addPatch(world, set, 's2');
      unlist(S1)(world);
    });
    expect(trace.judge(systemStateConsistency)).toEqual({ status: 'holds' });
  });

  it('flags a holder with a lower version', () => {
    const trace = raisedBy(S2, 1, 2).step([], (world) => {
      addPatch(world, set, 's1');
      unlist(S2)(world);
    });
    expect(violationOf(trace.judge(systemStateConsistency)).explanation).toContain('version 2 or higher');
  });

  it('holds for a stateless change while its patch is listed', () => {
    expect(raisedBy(PLAIN, null, null).judge(systemStateConsistency)).toEqual({ status: 'holds' });
  });

  it('flags a stateless change after its patch left', () => {
    const trace = raisedBy(PLAIN, null, null).step([], unlist(PLAIN));
    expect(violationOf(trace.judge(systemStateConsistency)).explanation).toContain(
      'plain changed it outside any klp_state and has left klp_patches',
    );
  });

  it('holds once the variable is back at its boot value', () => {
    const trace = raisedBy(S1, 1, 1).step([], (world) => {
      world.systemVariables['console_loglevel']!.value = 7;
      unlist(S1)(world);
    });
    expect(trace.judge(systemStateConsistency)).toEqual({ status: 'holds' });
  });

  it('waits until no transition is pending', () => {
    const trace = raisedBy(S1, 1, 1).step([], (world) => {
      addPatch(world, set, 'plain');
      world.transition = { patch: PLAIN, target: 'patched', allTasksSwitched: false };
      unlist(S1)(world);
    });
    expect(trace.judge(systemStateConsistency)).toEqual({ status: 'holds' });
  });

  it('applies to both designs', () => {
    expect(systemStateConsistency.appliesTo('current')).toBe(true);
    expect(systemStateConsistency.appliesTo('redesign')).toBe(true);
  });
});
