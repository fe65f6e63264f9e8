import { describe, expect, it } from 'vitest';
import { takeoverContinuity } from '../../properties/redesign/p4-takeover-continuity.ts';
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
  livepatch('old', [{ name: VMLINUX, funcs: [] }], { states: [state(10, { isShadow: true })] }),
  livepatch('new', [{ name: VMLINUX, funcs: [] }], { replace: true, states: [state(10, { isShadow: true })] }),
]);
const OLD = pid('old');
const NEW = pid('new');

/** old is listed with <cfg, 10>; new starts its replace (step 0). */
function replacing(events = [klpInit(NEW, 'patched'), klpStart(NEW, 'patched')]): TraceBuilder {
  return new TraceBuilder(set, (world) => {
    addPatch(world, set, 'old');
    world.shadows.push({ obj: 'cfg', id: 10, data: 'p1', value: null });
  }).step(events, (world) => {
    addPatch(world, set, 'new');
    beginTransition(world, NEW, 'patched');
  });
}

describe('p4-takeover-continuity', () => {
  it('holds for a silent takeover', () => {
    const trace = replacing().step([klpCompleting(NEW, 'patched')], (world) => endTransition(world, [OLD]));
    expect(trace.judge(takeoverContinuity, 'redesign')).toEqual({ status: 'holds' });
  });

  it('flags a callback of the new carrier', () => {
    const trace = replacing([klpInit(NEW, 'patched'), stateCallback(NEW, 10, 'pre_patch'), klpStart(NEW, 'patched')]).step(
      [klpCompleting(NEW, 'patched')],
      (world) => endTransition(world, [OLD]),
    );
    const violation = violationOf(trace.judge(takeoverContinuity, 'redesign'));
    expect(violation.explanation).toContain('takeover ran a callback: new took over klp_state 10 from old (enable at step 0)');
    expect(violation.explanation).toContain('pre_patch of klp_state 10 in new ran at step 0');
    expect(violation.steps).toEqual([0, 1]);
  });

  it('flags the old carrier\'s post_unpatch and free', () => {
    const trace = replacing().step(
      [klpCompleting(NEW, 'patched'), stateCallback(OLD, 10, 'post_unpatch'), ...coreFree(OLD, 10, [{ obj: 'cfg', data: 'p1' }])],
      (world) => {
        endTransition(world, [OLD]);
        world.shadows = [];
      },
    );
    expect(violationOf(trace.judge(takeoverContinuity, 'redesign')).explanation).toContain('post_unpatch of klp_state 10 in old');
  });

  it('flags a lost variable', () => {
    const trace = replacing().step([klpCompleting(NEW, 'patched'), ...coreFree(OLD, 10, [{ obj: 'cfg', data: 'p1' }])], (world) => {
      endTransition(world, [OLD]);
      world.shadows = [];
    });
    const violation = violationOf(trace.judge(takeoverContinuity, 'redesign'));
    expect(violation.explanation).toContain(
      "takeover lost a shadow variable: new took over klp_state 10 from old (enable at step 0), yet <cfg, 10> was freed by the core's klp_shadow_free_all for klp_state 10 of old at step 1",
    );
  });

  it('holds for a reverted takeover', () => {
    const trace = replacing()
      .step([{ type: 'klp', msg: 'reversing', patch: NEW, from: 'patching' }], (world) => beginTransition(world, NEW, 'unpatched'))
      .step([klpCompleting(NEW, 'unpatched')], (world) => endTransition(world, [NEW]));
    expect(trace.judge(takeoverContinuity, 'redesign')).toEqual({ status: 'holds' });
  });

  it('applies to the redesign only', () => {
    expect(takeoverContinuity.appliesTo('redesign')).toBe(true);
    expect(takeoverContinuity.appliesTo('current')).not.toBe(true);
  });
});
