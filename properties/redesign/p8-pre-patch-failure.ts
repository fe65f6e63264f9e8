/**
 * p8-pre-patch-failure (redesign): when the pre_patch of the k-th klp_state of
 * an enabling patch fails, the enable stops there. The states after k get no
 * callback, and the k-th gets nothing more, because its pre_patch cleans up
 * after itself. The states before k that the patch was introducing get
 * post_unpatch and, for is_shadow, the core's free. The replaced patches get
 * nothing, because their pre_unpatch had not run yet. The module load fails
 * with the callback's error.
 */
import type { PatchSet } from '../../model/definition.ts';
import type { PatchId } from '../../model/ids.ts';
import type { TraceStep } from '../../model/trace.ts';
import type { PatchInstance } from '../../model/world.ts';
import { involvedSteps, patchLabel } from '../describe.ts';
import type { Property, Violation } from '../property.ts';
import type { StateCallbackEvent } from './klp-states.ts';
import { definesCallback, duplicateNote, isCoreStateFree, listedCarriers, patchIn, stateCallbackLabel, stateLabel } from './klp-states.ts';

interface Failure {
  readonly event: StateCallbackEvent;
  /** Index of the failing event among the step's events. */
  readonly position: number;
  readonly patch: Readonly<PatchInstance>;
  /** Index of the failing state in the patch's states[]. */
  readonly index: number;
}

function findFailure(step: TraceStep): Failure | undefined {
  const position = step.events.findIndex(
    (event) => event.type === 'stateCallback' && event.callback === 'pre_patch' && (event.ret ?? 0) !== 0,
  );
  const event = step.events[position];
  if (!event || event.type !== 'stateCallback') return undefined;
  const patch = patchIn([step.after, step.before], event.patch);
  if (!patch) return undefined;
  return { event, position, patch, index: patch.states.findIndex((state) => state.id === event.state) };
}

function fail(step: TraceStep, failure: Failure, problem: string): Violation {
  const label = stateCallbackLabel(step.after, failure.patch.id, failure.event.state, 'pre_patch');
  const note = duplicateNote(failure.patch, failure.event.state);
  return {
    explanation: `incomplete pre_patch failure handling: ${label} returned ${failure.event.ret ?? 0}, but ${problem}${note}`,
    steps: involvedSteps(step.index),
  };
}

/** Checks the callbacks and frees of the step against the failure at state k. */
function checkCallbacks(step: TraceStep, set: PatchSet, failure: Failure): Violation | undefined {
  const own = failure.patch.id;
  const indexOf = (id: number): number => failure.patch.states.findIndex((state) => state.id === id);
  const introduced = (id: number): boolean => listedCarriers(step.before, id).length === 0;
  const postUnpatched = new Set<number>();
  const freed = new Set<number>();

  for (const [position, event] of step.events.entries()) {
    if (event.type === 'stateCallback') {
      const label = stateCallbackLabel(step.after, event.patch, event.state, event.callback);
      if (event.patch !== own) return fail(step, failure, `${label} ran, a callback of another patch`);
      if (position <= failure.position) continue;
      const index = indexOf(event.state);
      if (index >= failure.index) return fail(step, failure, `${label} ran after the failure`);
      if (event.callback !== 'post_unpatch') return fail(step, failure, `${label} ran after the failure`);
      if (postUnpatched.has(event.state)) return fail(step, failure, `${label} ran twice`);
      if (!introduced(event.state)) return fail(step, failure, `${label} ran although another patch carries the state`);
      postUnpatched.add(event.state);
    } else if (isCoreStateFree(event) && event.op === 'free_all') {
      const problem = `the core freed the shadow variables of ${stateLabel(event.id)} of ${patchLabel(step.after, event.site.patch)}`;
      if (event.site.patch !== own || indexOf(event.site.state) >= failure.index || !introduced(event.site.state)) {
        return fail(step, failure, problem);
      }
      freed.add(event.site.state);
    }
  }

  for (const state of failure.patch.states.slice(0, Math.max(failure.index, 0))) {
    if (!introduced(state.id)) continue;
    const worlds = [step.after, step.before];
    if (definesCallback(set, worlds, own, state.id, 'post_unpatch') && !postUnpatched.has(state.id)) {
      return fail(step, failure, `${stateCallbackLabel(step.after, own, state.id, 'post_unpatch')} did not run`);
    }
    if (state.isShadow && !freed.has(state.id)) {
      return fail(step, failure, `the core did not free the shadow variables of the is_shadow ${stateLabel(state.id)}`);
    }
  }
  return undefined;
}

/** Checks that the module load failed: a non-zero result (the callback's error when it is negative), and the patch is gone. */
function checkLoadFails(step: TraceStep, failure: Failure): Violation | undefined {
  const results = step.events.flatMap((event) => (event.type === 'result' ? [event.errno] : []));
  const errno = results.at(-1) ?? 0;
  const ret = failure.event.ret ?? 0;
  if (errno === 0) return fail(step, failure, 'the module load succeeded');
  if (ret < 0 && errno !== ret) return fail(step, failure, `the module load failed with ${errno} instead of ${ret}`);
  const id: PatchId = failure.patch.id;
  if (step.after.klpPatches.includes(id)) return fail(step, failure, 'the patch is still on klp_patches');
  return undefined;
}

export const prePatchFailure: Property<null> = {
  name: 'p8-pre-patch-failure',
  title: 'A failing pre_patch stops the enable and undoes only the states before it',
  rule:
    'When the pre_patch of a klp_state of an enabling patch returns non-zero, in that step: no state callback of ' +
    'another patch runs; after the failure, the patch\'s own callbacks are only one post_unpatch for each earlier ' +
    'state of its states[] that no other listed patch carried, and each such state with post_unpatch set gets it; ' +
    'the core frees the shadow variables of exactly those earlier states that are is_shadow; the load fails with ' +
    'the callback\'s error when that is negative (and with some error otherwise); and the patch leaves klp_patches.',
  appliesTo: (model) => (model === 'redesign' ? true : 'the current API runs per-object pre_patch callbacks; refusal-cleanup judges them'),
  init: () => null,
  check(state, step, context) {
    const failure = findFailure(step);
    if (!failure) return { state };
    const found = checkCallbacks(step, context.set, failure) ?? checkLoadFails(step, failure);
    return found ? { state, violation: found } : { state };
  },
};
