import { describe, expect, it } from 'vitest';
import type { World } from '../../model/world.ts';
import { balancedIntroduceRemove } from '../../properties/redesign/p1-balanced-introduce-remove.ts';
import { TraceBuilder, VMLINUX, addPatch, livepatch, patchSet, pid, violationOf } from './fixtures.ts';
import {
  beginTransition,
  endTransition,
  klpComplete,
  klpCompleting,
  klpInit,
  klpStart,
  state,
  stateCallback,
} from './redesign-fixtures.ts';

const set = patchSet([
  livepatch('lp', [{ name: VMLINUX, funcs: [] }], { states: [state(10)] }),
  livepatch('lp2', [{ name: VMLINUX, funcs: [] }], { states: [state(10)] }),
  livepatch('cumul', [{ name: VMLINUX, funcs: [] }], { replace: true }),
  livepatch('quiet', [{ name: VMLINUX, funcs: [] }], { states: [state(10, { callbacks: { post_unpatch: [] } })] }),
]);
const LP = pid('lp');
const LP2 = pid('lp2');
const CUMUL = pid('cumul');
const QUIET = pid('quiet');

/** lp enabled: pre_patch at insmod (step 0), post_patch at completion (step 1). */
function enabledLp(): TraceBuilder {
  return new TraceBuilder(set)
    .step([klpInit(LP, 'patched'), stateCallback(LP, 10, 'pre_patch'), klpStart(LP, 'patched')], (world) => {
      addPatch(world, set, 'lp');
      beginTransition(world, LP, 'patched');
    })
    .step([klpCompleting(LP, 'patched'), stateCallback(LP, 10, 'post_patch'), klpComplete(LP, 'patched')], (world) =>
      endTransition(world),
    );
}

function disableStart(world: World): void {
  beginTransition(world, LP, 'unpatched');
  world.patches[LP]!.enabled = false;
}

describe('p1-balanced-introduce-remove', () => {
  it('holds for enable then disable', () => {
    const trace = enabledLp()
      .step([klpInit(LP, 'unpatched'), stateCallback(LP, 10, 'pre_unpatch'), klpStart(LP, 'unpatched')], disableStart)
      .step([klpCompleting(LP, 'unpatched'), stateCallback(LP, 10, 'post_unpatch')], (world) => endTransition(world, [LP]));
    expect(trace.judge(balancedIntroduceRemove, 'redesign')).toEqual({ status: 'holds' });
  });

  it('flags a skipped post_unpatch', () => {
    const trace = enabledLp()
      .step([klpInit(LP, 'unpatched'), stateCallback(LP, 10, 'pre_unpatch'), klpStart(LP, 'unpatched')], disableStart)
      .step([klpCompleting(LP, 'unpatched')], (world) => endTransition(world, [LP]));
    const violation = violationOf(trace.judge(balancedIntroduceRemove, 'redesign'));
    expect(violation.step).toBe(3);
    expect(violation.explanation).toContain('went from 1 (lp) to 0 (none), so the state was removed');
    expect(violation.explanation).toContain('pre_unpatch of lp, then post_unpatch of lp');
    expect(violation.explanation).toContain('but pre_unpatch of lp at step 2 ran');
    expect(violation.steps).toEqual([2, 3]);
  });

  it('flags a pre_patch that runs twice', () => {
    const trace = new TraceBuilder(set)
      .step(
        [klpInit(LP, 'patched'), stateCallback(LP, 10, 'pre_patch'), stateCallback(LP, 10, 'pre_patch'), klpStart(LP, 'patched')],
        (world) => {
          addPatch(world, set, 'lp');
          beginTransition(world, LP, 'patched');
        },
      )
      .step([stateCallback(LP, 10, 'post_patch')], (world) => endTransition(world));
    const violation = violationOf(trace.judge(balancedIntroduceRemove, 'redesign'));
    expect(violation.explanation).toContain('so the state was introduced');
    expect(violation.explanation).toContain('pre_patch returning 0 of lp at step 0, pre_patch returning 0 of lp at step 0');
  });

  it('holds for a second carrier without callbacks', () => {
    const trace = enabledLp()
      .step([klpInit(LP2, 'patched'), klpStart(LP2, 'patched')], (world) => {
        addPatch(world, set, 'lp2');
        beginTransition(world, LP2, 'patched');
      })
      .step([klpCompleting(LP2, 'patched')], (world) => endTransition(world));
    expect(trace.judge(balancedIntroduceRemove, 'redesign')).toEqual({ status: 'holds' });
  });

  it('flags callbacks of a shared state', () => {
    const trace = enabledLp().step(
      [klpInit(LP2, 'patched'), stateCallback(LP2, 10, 'pre_patch'), klpStart(LP2, 'patched')],
      (world) => {
        addPatch(world, set, 'lp2');
        beginTransition(world, LP2, 'patched');
      },
    ).step([klpCompleting(LP2, 'patched')], (world) => endTransition(world));
    const violation = violationOf(trace.judge(balancedIntroduceRemove, 'redesign'));
    expect(violation.explanation).toContain('went from 1 (lp) to 2 (lp, lp2), so the state stayed in place');
    expect(violation.explanation).toContain('which calls for no callback; but pre_patch returning 0 of lp2 at step 2 ran');
  });

  it('flags a replace that drops a state two patches carry', () => {
    // Neither carrier runs its remove callbacks, because each finds the other still listed.
    const trace = enabledLp()
      .step([], (world) => addPatch(world, set, 'lp2'))
      .step([klpInit(CUMUL, 'patched'), klpStart(CUMUL, 'patched')], (world) => {
        addPatch(world, set, 'cumul');
        beginTransition(world, CUMUL, 'patched');
      })
      .step([klpCompleting(CUMUL, 'patched'), klpComplete(CUMUL, 'patched')], (world) => endTransition(world, [LP, LP2]));
    const violation = violationOf(trace.judge(balancedIntroduceRemove, 'redesign'));
    expect(violation.step).toBe(4);
    expect(violation.explanation).toContain('went from 2 (lp, lp2) to 0 (none), so the state was removed between step 3 and step 4');
    expect(violation.explanation).toContain('pre_unpatch of lp or lp2, then post_unpatch of lp or lp2; but no callback ran');
  });

  it('flags post_unpatch while the state stays', () => {
    const trace = enabledLp().step([klpInit(CUMUL, 'patched'), stateCallback(LP, 10, 'post_unpatch')], (world) => {
      addPatch(world, set, 'cumul');
    });
    const violation = violationOf(trace.judge(balancedIntroduceRemove, 'redesign'));
    expect(violation.explanation).toContain('so the state stayed in place');
    expect(violation.explanation).toContain('but post_unpatch of lp at step 2 ran');
  });

  it('holds for a reverted disable', () => {
    const trace = enabledLp()
      .step([klpInit(LP, 'unpatched'), stateCallback(LP, 10, 'pre_unpatch'), klpStart(LP, 'unpatched')], disableStart)
      .step([{ type: 'klp', msg: 'reversing', patch: LP, from: 'unpatching' }], (world) => {
        beginTransition(world, LP, 'patched');
        world.patches[LP]!.enabled = true;
      })
      .step([klpCompleting(LP, 'patched'), stateCallback(LP, 10, 'post_patch')], (world) => endTransition(world));
    expect(trace.judge(balancedIntroduceRemove, 'redesign')).toEqual({ status: 'holds' });
  });

  it('flags pre_unpatch then post_patch without a reversal', () => {
    const trace = enabledLp()
      .step([klpInit(LP, 'unpatched'), stateCallback(LP, 10, 'pre_unpatch'), klpStart(LP, 'unpatched')], disableStart)
      .step([klpCompleting(LP, 'patched'), stateCallback(LP, 10, 'post_patch')], (world) => endTransition(world));
    expect(violationOf(trace.judge(balancedIntroduceRemove, 'redesign')).explanation).toContain('which calls for no callback');
  });

  it('holds for a failing pre_patch', () => {
    const trace = new TraceBuilder(set).step(
      [klpInit(LP, 'patched'), stateCallback(LP, 10, 'pre_patch', -19), { type: 'result', errno: -19 }],
      (world) => {
        addPatch(world, set, 'lp', { phase: 'failed' });
      },
    );
    expect(trace.judge(balancedIntroduceRemove, 'redesign')).toEqual({ status: 'holds' });
  });

  it('flags post_unpatch after a failing pre_patch', () => {
    const trace = new TraceBuilder(set).step(
      [klpInit(LP, 'patched'), stateCallback(LP, 10, 'pre_patch', -19), stateCallback(LP, 10, 'post_unpatch')],
      (world) => {
        addPatch(world, set, 'lp', { phase: 'failed' });
      },
    );
    const violation = violationOf(trace.judge(balancedIntroduceRemove, 'redesign'));
    expect(violation.explanation).toContain('stayed 0 because the enable of the patch carrying it was cancelled or reverted');
    expect(violation.explanation).toContain('calls for pre_patch returning an error of lp');
  });

  it('leaves out callbacks the state does not set', () => {
    // quiet sets only post_unpatch, so its introduction shows no event at all.
    const trace = new TraceBuilder(set)
      .step([klpInit(QUIET, 'patched'), klpStart(QUIET, 'patched')], (world) => {
        addPatch(world, set, 'quiet');
        beginTransition(world, QUIET, 'patched');
      })
      .step([klpCompleting(QUIET, 'patched')], (world) => endTransition(world))
      .step([klpInit(QUIET, 'unpatched')], (world) => beginTransition(world, QUIET, 'unpatched'))
      .step([klpCompleting(QUIET, 'unpatched')], (world) => endTransition(world, [QUIET]));
    const violation = violationOf(trace.judge(balancedIntroduceRemove, 'redesign'));
    expect(violation.step).toBe(3);
    expect(violation.explanation).toContain('which calls for post_unpatch of quiet; but no callback ran');
  });

  it('does not judge a pending transition', () => {
    const trace = new TraceBuilder(set).step([klpInit(LP, 'patched'), klpStart(LP, 'patched')], (world) => {
      addPatch(world, set, 'lp');
      beginTransition(world, LP, 'patched');
    });
    expect(trace.judge(balancedIntroduceRemove, 'redesign')).toEqual({ status: 'holds' });
  });

  it('applies to the redesign only', () => {
    expect(balancedIntroduceRemove.appliesTo('redesign')).toBe(true);
    expect(balancedIntroduceRemove.appliesTo('current')).toMatch(/no klp_state callbacks/);
  });
});
