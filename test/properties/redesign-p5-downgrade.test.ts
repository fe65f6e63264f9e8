import { describe, expect, it } from 'vitest';
import type { KernelEvent } from '../../model/events.ts';
import { downgradeSafety } from '../../properties/redesign/p5-downgrade-safety.ts';
import { TraceBuilder, VMLINUX, addPatch, livepatch, patchSet, pid, violationOf } from './fixtures.ts';
import {
  beginTransition,
  coreFree,
  endTransition,
  klpCompleting,
  klpInit,
  klpStart,
  state,
  stateCallback,
} from './redesign-fixtures.ts';

const set = patchSet([
  livepatch('newer', [{ name: VMLINUX, funcs: [] }], { states: [state(10, { isShadow: true })] }),
  livepatch('blocking', [{ name: VMLINUX, funcs: [] }], { states: [state(10, { blockDisable: true })] }),
  livepatch('older', [{ name: VMLINUX, funcs: [] }], { replace: true }),
]);
const NEWER = pid('newer');
const OLDER = pid('older');

/** `holder` is listed with <cfg, 10>; older, a replace patch without state 10, is enabled with `events` (step 0). */
function downgrade(events: readonly KernelEvent[], holder = 'newer'): TraceBuilder {
  return new TraceBuilder(set, (world) => {
    addPatch(world, set, holder);
    world.shadows.push({ obj: 'cfg', id: 10, data: 'p1', value: null });
  }).step(events, (world) => {
    addPatch(world, set, 'older');
    beginTransition(world, OLDER, 'patched');
  });
}

const ENABLE = [klpInit(OLDER, 'patched'), stateCallback(NEWER, 10, 'pre_unpatch'), klpStart(OLDER, 'patched')];
const COMPLETE = [
  klpCompleting(OLDER, 'patched'),
  stateCallback(NEWER, 10, 'post_unpatch'),
  ...coreFree(NEWER, 10, [{ obj: 'cfg', data: 'p1' }]),
];

describe('p5-downgrade-safety', () => {
  it('holds when the newer patch undoes its state', () => {
    const trace = downgrade(ENABLE).step(COMPLETE, (world) => {
      endTransition(world, [NEWER]);
      world.shadows = [];
    });
    expect(trace.judge(downgradeSafety, 'redesign')).toEqual({ status: 'holds' });
  });

  it('flags a missing pre_unpatch', () => {
    const trace = downgrade([klpInit(OLDER, 'patched'), klpStart(OLDER, 'patched')]).step(COMPLETE, (world) => {
      endTransition(world, [NEWER]);
      world.shadows = [];
    });
    const violation = violationOf(trace.judge(downgradeSafety, 'redesign'));
    expect(violation.explanation).toContain(
      'downgrade skipped pre_unpatch: replace patch older (enabled at step 0) removes klp_state 10, which newer carried',
    );
    expect(violation.steps).toEqual([0, 1]);
  });

  it('flags a pre_unpatch after the start', () => {
    const late = [klpInit(OLDER, 'patched'), klpStart(OLDER, 'patched'), stateCallback(NEWER, 10, 'pre_unpatch')];
    const trace = downgrade(late).step(COMPLETE, (world) => {
      endTransition(world, [NEWER]);
      world.shadows = [];
    });
    expect(violationOf(trace.judge(downgradeSafety, 'redesign')).explanation).toContain('skipped pre_unpatch');
  });

  it('flags a missing post_unpatch', () => {
    const trace = downgrade(ENABLE).step([klpCompleting(OLDER, 'patched'), ...coreFree(NEWER, 10, [])], (world) => {
      endTransition(world, [NEWER]);
      world.shadows = [];
    });
    expect(violationOf(trace.judge(downgradeSafety, 'redesign')).explanation).toContain('downgrade skipped post_unpatch');
  });

  it('flags shadow variables left behind', () => {
    const trace = downgrade(ENABLE).step([klpCompleting(OLDER, 'patched'), stateCallback(NEWER, 10, 'post_unpatch')], (world) =>
      endTransition(world, [NEWER]),
    );
    expect(violationOf(trace.judge(downgradeSafety, 'redesign')).explanation).toContain(
      "downgrade kept the state's shadow variables: replace patch older (enabled at step 0) removes klp_state 10, which newer carried with is_shadow, but <cfg, 10> is left",
    );
  });

  it('does not judge a reverted downgrade', () => {
    const trace = downgrade(ENABLE)
      .step([{ type: 'klp', msg: 'reversing', patch: OLDER, from: 'patching' }], (world) => beginTransition(world, OLDER, 'unpatched'))
      .step([klpCompleting(OLDER, 'unpatched'), stateCallback(NEWER, 10, 'post_patch')], (world) => endTransition(world, [OLDER]));
    expect(trace.judge(downgradeSafety, 'redesign')).toEqual({ status: 'holds' });
  });

  it('flags an accepted replace over block_disable', () => {
    const trace = downgrade([klpInit(OLDER, 'patched'), klpStart(OLDER, 'patched')], 'blocking');
    const violation = violationOf(trace.judge(downgradeSafety, 'redesign'));
    expect(violation.step).toBe(0);
    expect(violation.explanation).toContain(
      'downgrade removed a block_disable state: replace patch older lacks klp_state 10, which blocking carries with block_disable',
    );
  });

  it('applies to the redesign only', () => {
    expect(downgradeSafety.appliesTo('redesign')).toBe(true);
    expect(downgradeSafety.appliesTo('current')).not.toBe(true);
  });
});
