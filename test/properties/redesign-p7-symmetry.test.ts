import { describe, expect, it } from 'vitest';
import type { KernelEvent } from '../../model/events.ts';
import { revertCancelSymmetry } from '../../properties/redesign/p7-revert-cancel-symmetry.ts';
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
  livepatch('lp', [{ name: VMLINUX, funcs: [] }], { states: [state(10, { isShadow: true }), state(11)] }),
  livepatch('old', [{ name: VMLINUX, funcs: [] }], { states: [state(20)] }),
  livepatch('cumul', [{ name: VMLINUX, funcs: [] }], { replace: true }),
]);
const LP = pid('lp');
const OLD = pid('old');
const CUMUL = pid('cumul');

const REVERSE: KernelEvent = { type: 'klp', msg: 'reversing', patch: LP, from: 'patching' };

/** lp's enable (step 0), reversed (step 1) and completed to unpatched with `completion` (step 2). */
function revertedEnable(completion: readonly KernelEvent[]): TraceBuilder {
  return new TraceBuilder(set)
    .step([klpInit(LP, 'patched'), stateCallback(LP, 10, 'pre_patch'), stateCallback(LP, 11, 'pre_patch'), klpStart(LP, 'patched')], (world) => {
      addPatch(world, set, 'lp');
      beginTransition(world, LP, 'patched');
    })
    .step([REVERSE], (world) => beginTransition(world, LP, 'unpatched'))
    .step([klpCompleting(LP, 'unpatched'), ...completion], (world) => endTransition(world, [LP]));
}

const UNDO: KernelEvent[] = [
  stateCallback(LP, 10, 'post_unpatch'),
  ...coreFree(LP, 10, []),
  stateCallback(LP, 11, 'post_unpatch'),
];

/** cumul replaces old (step 0, old's pre_unpatch as given), is reversed (1) and completed to unpatched (2). */
function revertedReplace(enable: readonly KernelEvent[], completion: readonly KernelEvent[]): TraceBuilder {
  return new TraceBuilder(set, (world) => {
    addPatch(world, set, 'old');
  })
    .step([klpInit(CUMUL, 'patched'), ...enable, klpStart(CUMUL, 'patched')], (world) => {
      addPatch(world, set, 'cumul');
      beginTransition(world, CUMUL, 'patched');
    })
    .step([{ type: 'klp', msg: 'reversing', patch: CUMUL, from: 'patching' }], (world) => beginTransition(world, CUMUL, 'unpatched'))
    .step([klpCompleting(CUMUL, 'unpatched'), ...completion], (world) => endTransition(world, [CUMUL]));
}

describe('p7-revert-cancel-symmetry', () => {
  it('holds for a reverted enable', () => {
    expect(revertedEnable(UNDO).judge(revertCancelSymmetry, 'redesign')).toEqual({ status: 'holds' });
  });

  it('flags a missing post_unpatch', () => {
    const trace = revertedEnable([stateCallback(LP, 10, 'post_unpatch'), ...coreFree(LP, 10, [])]);
    const violation = violationOf(trace.judge(revertCancelSymmetry, 'redesign'));
    expect(violation.explanation).toContain('asymmetric reverted enable: the enable of lp at step 0 was reverted');
    expect(violation.explanation).toContain('post_unpatch of klp_state 11 in lp ran never, where its pre_patch succeeded calls for once');
    expect(violation.steps).toEqual([0, 2]);
  });

  it('flags a missing free of an is_shadow state', () => {
    const trace = revertedEnable([stateCallback(LP, 10, 'post_unpatch'), stateCallback(LP, 11, 'post_unpatch')]);
    expect(violationOf(trace.judge(revertCancelSymmetry, 'redesign')).explanation).toContain(
      'the core did not free the shadow variables of the is_shadow klp_state 10, although its pre_patch succeeded',
    );
  });

  it('flags post_patch of a reverted state', () => {
    const trace = revertedEnable([stateCallback(LP, 10, 'post_patch'), ...UNDO]);
    expect(violationOf(trace.judge(revertCancelSymmetry, 'redesign')).explanation).toContain('post_patch of klp_state 10 in lp ran');
  });

  it('holds for a cancel at the second state', () => {
    const trace = new TraceBuilder(set).step(
      [
        klpInit(LP, 'patched'),
        stateCallback(LP, 10, 'pre_patch'),
        stateCallback(LP, 11, 'pre_patch', -19),
        { type: 'klp', msg: 'canceling', patch: LP },
        stateCallback(LP, 10, 'post_unpatch'),
        ...coreFree(LP, 10, []),
      ],
      (world) => {
        addPatch(world, set, 'lp', { phase: 'failed' });
      },
    );
    expect(trace.judge(revertCancelSymmetry, 'redesign')).toEqual({ status: 'holds' });
  });

  it('flags post_unpatch of the failing state', () => {
    const trace = new TraceBuilder(set).step(
      [
        klpInit(LP, 'patched'),
        stateCallback(LP, 10, 'pre_patch', -19),
        { type: 'klp', msg: 'canceling', patch: LP },
        stateCallback(LP, 10, 'post_unpatch'),
      ],
      (world) => {
        addPatch(world, set, 'lp', { phase: 'failed' });
      },
    );
    expect(violationOf(trace.judge(revertCancelSymmetry, 'redesign')).explanation).toContain(
      'asymmetric cancelled enable: the enable of lp at step 0 was cancelled, but post_unpatch of klp_state 10 in lp ran once, where its pre_patch did not succeed calls for never',
    );
  });

  it('holds when a reverted replace restores the old state', () => {
    const trace = revertedReplace([stateCallback(OLD, 20, 'pre_unpatch')], [stateCallback(OLD, 20, 'post_patch')]);
    expect(trace.judge(revertCancelSymmetry, 'redesign')).toEqual({ status: 'holds' });
  });

  it('flags an old state left undone', () => {
    const trace = revertedReplace([stateCallback(OLD, 20, 'pre_unpatch')], []);
    expect(violationOf(trace.judge(revertCancelSymmetry, 'redesign')).explanation).toContain(
      'post_patch of klp_state 20 in old ran never, where its pre_unpatch had run calls for once',
    );
  });

  it('flags a post_patch without pre_unpatch', () => {
    const trace = revertedReplace([], [stateCallback(OLD, 20, 'post_patch')]);
    expect(violationOf(trace.judge(revertCancelSymmetry, 'redesign')).explanation).toContain('where its pre_unpatch had not run');
  });

  it('flags post_unpatch of the old state', () => {
    const trace = revertedReplace([stateCallback(OLD, 20, 'pre_unpatch')], [stateCallback(OLD, 20, 'post_unpatch')]);
    expect(violationOf(trace.judge(revertCancelSymmetry, 'redesign')).explanation).toContain('post_unpatch of klp_state 20 in old ran');
  });

  it('applies to the redesign only', () => {
    expect(revertCancelSymmetry.appliesTo('redesign')).toBe(true);
    expect(revertCancelSymmetry.appliesTo('current')).not.toBe(true);
  });
});
