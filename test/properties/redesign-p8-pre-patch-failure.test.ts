import { describe, expect, it } from 'vitest';
import type { KernelEvent } from '../../model/events.ts';
import { prePatchFailure } from '../../properties/redesign/p8-pre-patch-failure.ts';
import { TraceBuilder, VMLINUX, addPatch, livepatch, patchSet, pid, violationOf } from './fixtures.ts';
import { coreFree, klpInit, state, stateCallback } from './redesign-fixtures.ts';

const set = patchSet([
  livepatch('lp', [{ name: VMLINUX, funcs: [] }], {
    replace: true,
    states: [state(10, { isShadow: true }), state(11), state(12)],
  }),
  livepatch('old', [{ name: VMLINUX, funcs: [] }], { states: [state(20), state(11)] }),
]);
const LP = pid('lp');
const OLD = pid('old');

const FAIL_AT_12: KernelEvent[] = [
  klpInit(LP, 'patched'),
  stateCallback(LP, 10, 'pre_patch'),
  stateCallback(LP, 12, 'pre_patch', -19),
  { type: 'klp', msg: 'canceling', patch: LP },
];

/** old is listed (it carries 11, so lp's 11 is shared); lp's insmod fails with `events` (step 0). */
function failingEnable(events: readonly KernelEvent[]): TraceBuilder {
  return new TraceBuilder(set, (world) => {
    addPatch(world, set, 'old');
  }).step(events, (world) => {
    addPatch(world, set, 'lp', { phase: 'failed' });
    delete world.modules['lp'];
  });
}

const UNDO: KernelEvent[] = [stateCallback(LP, 10, 'post_unpatch'), ...coreFree(LP, 10, []), { type: 'result', errno: -19 }];

describe('p8-pre-patch-failure', () => {
  it('holds for the documented cleanup', () => {
    expect(failingEnable([...FAIL_AT_12, ...UNDO]).judge(prePatchFailure, 'redesign')).toEqual({ status: 'holds' });
  });

  it('flags a callback of a later state', () => {
    const trace = failingEnable([...FAIL_AT_12, stateCallback(LP, 12, 'post_unpatch'), ...UNDO]);
    expect(violationOf(trace.judge(prePatchFailure, 'redesign')).explanation).toContain(
      'incomplete pre_patch failure handling: pre_patch of klp_state 12 in lp returned -19, but post_unpatch of klp_state 12 in lp ran after the failure',
    );
  });

  it('flags a callback of a replaced patch', () => {
    const trace = failingEnable([...FAIL_AT_12, stateCallback(OLD, 20, 'post_patch'), ...UNDO]);
    expect(violationOf(trace.judge(prePatchFailure, 'redesign')).explanation).toContain('post_patch of klp_state 20 in old ran, a callback of another patch');
  });

  it('flags a missing post_unpatch of an earlier state', () => {
    const trace = failingEnable([...FAIL_AT_12, ...coreFree(LP, 10, []), { type: 'result', errno: -19 }]);
    expect(violationOf(trace.judge(prePatchFailure, 'redesign')).explanation).toContain('post_unpatch of klp_state 10 in lp did not run');
  });

  it('flags post_unpatch of a shared earlier state', () => {
    const trace = failingEnable([...FAIL_AT_12, stateCallback(LP, 11, 'post_unpatch'), ...UNDO]);
    expect(violationOf(trace.judge(prePatchFailure, 'redesign')).explanation).toContain('ran although another patch carries the state');
  });

  it('flags a missing free', () => {
    const trace = failingEnable([...FAIL_AT_12, stateCallback(LP, 10, 'post_unpatch'), { type: 'result', errno: -19 }]);
    expect(violationOf(trace.judge(prePatchFailure, 'redesign')).explanation).toContain(
      'the core did not free the shadow variables of the is_shadow klp_state 10',
    );
  });

  it('flags a load that does not fail', () => {
    const trace = failingEnable([...FAIL_AT_12, stateCallback(LP, 10, 'post_unpatch'), ...coreFree(LP, 10, []), { type: 'result', errno: 0 }]);
    expect(violationOf(trace.judge(prePatchFailure, 'redesign')).explanation).toContain('the module load succeeded');
  });

  it('flags another errno', () => {
    const trace = failingEnable([...FAIL_AT_12, stateCallback(LP, 10, 'post_unpatch'), ...coreFree(LP, 10, []), { type: 'result', errno: -22 }]);
    expect(violationOf(trace.judge(prePatchFailure, 'redesign')).explanation).toContain('the module load failed with -22 instead of -19');
  });

  it('applies to the redesign only', () => {
    expect(prePatchFailure.appliesTo('redesign')).toBe(true);
    expect(prePatchFailure.appliesTo('current')).not.toBe(true);
  });
});
