/**
 * p9-ordering (redesign): the order of the state callbacks. When a replace
 * patch's transition completes to patched, the replaced patches' post_unpatch
 * callbacks and shadow frees come before the replace patch's own post_patch.
 * Within one patch, each kind of callback walks states[] in array order, for
 * setup and teardown alike, and the core frees an is_shadow state's variables
 * right after that state's post_unpatch, before the next state's.
 */
import type { PatchId } from '../../model/ids.ts';
import type { TraceStep } from '../../model/trace.ts';
import { involvedSteps, patchLabel } from '../describe.ts';
import type { Property, Violation } from '../property.ts';
import { duplicateNote, isCoreStateFree, isStateFree, patchIn, stateCallbackLabel, stateLabel } from './klp-states.ts';

function violation(explanation: string, step: TraceStep): Violation {
  return { explanation, steps: involvedSteps(step.index) };
}

/** Replace patches whose transition completed to patched in this step. */
function completedReplaces(step: TraceStep): PatchId[] {
  return step.events.flatMap((event) => {
    if (event.type !== 'klp' || event.msg !== 'complete' || event.dir !== 'patching') return [];
    return patchIn([step.after, step.before], event.patch)?.replace ? [event.patch] : [];
  });
}

/** On replace completion: no post_unpatch or state shadow free of another patch after the replace patch's first post_patch. */
function checkReplaceCompletion(step: TraceStep): Violation | undefined {
  for (const replace of completedReplaces(step)) {
    const firstPostPatch = step.events.findIndex(
      (event) => event.type === 'stateCallback' && event.patch === replace && event.callback === 'post_patch',
    );
    if (firstPostPatch < 0) continue;
    for (const event of step.events.slice(firstPostPatch + 1)) {
      let lateEvent: string | undefined;
      if (event.type === 'stateCallback' && event.patch !== replace && event.callback === 'post_unpatch') {
        lateEvent = stateCallbackLabel(step.after, event.patch, event.state, event.callback);
      } else if (isStateFree(event) && event.site.patch !== replace) {
        lateEvent = `a free of the shadow variables of ${stateLabel(event.id)} in ${patchLabel(step.after, event.site.patch)}`;
      }
      if (lateEvent === undefined) continue;
      return violation(
        `replace completion out of order: ${lateEvent} ran after the post_patch of replace patch ` +
          `${patchLabel(step.after, replace)}`,
        step,
      );
    }
  }
  return undefined;
}

/**
 * Checks that, within each patch, the callbacks of one kind in this step
 * follow states[] order, with the core's frees counted as post_unpatch. Each
 * one's state comes no earlier than the previous one's. A free comes after
 * its own state's post_unpatch when that runs in the step.
 */
function checkArrayOrder(step: TraceStep): Violation | undefined {
  const last = new Map<string, { index: number; label: string }>();
  const freed = new Set<string>();
  for (const event of step.events) {
    let patch: PatchId;
    let state: number;
    let kind: string;
    let label: string;
    if (event.type === 'stateCallback') {
      patch = event.patch;
      state = event.state;
      kind = event.callback;
      label = stateCallbackLabel(step.after, patch, state, event.callback);
      if (event.callback === 'post_unpatch' && freed.has(`${patch}|${state}`)) {
        const note = duplicateNote(patchIn([step.after, step.before], patch), state);
        return violation(`shadow free before post_unpatch: ${label} ran after the core freed the state's variables${note}`, step);
      }
    } else if (isCoreStateFree(event) && event.op === 'free_all') {
      patch = event.site.patch;
      state = event.site.state;
      kind = 'post_unpatch';
      label = `the core's free of ${stateLabel(state)} in ${patchLabel(step.after, patch)}`;
      freed.add(`${patch}|${state}`);
    } else {
      continue;
    }

    const instance = patchIn([step.after, step.before], patch);
    const index = instance ? instance.states.findIndex((entry) => entry.id === state) : -1;
    const key = `${patch}|${kind}`;
    const previous = last.get(key);
    if (previous && index < previous.index) {
      return violation(`state callbacks out of states[] order: ${label} ran after ${previous.label}`, step);
    }
    last.set(key, { index, label });
  }
  return undefined;
}

export const stateOrdering: Property<null> = {
  name: 'p9-ordering',
  title: 'State callbacks run in states[] order, replaced patches first',
  rule:
    'In a step where a replace patch\'s transition completes to patched, no post_unpatch of another patch and no ' +
    'state shadow free of another patch comes after the replace patch\'s first post_patch; and in every step, the ' +
    'callbacks of one kind of one patch, with the core\'s klp_shadow_free_all counted with post_unpatch, run in the ' +
    'order of that patch\'s states[].',
  appliesTo: (model) => (model === 'redesign' ? true : 'the current API has no klp_state callbacks'),
  init: () => null,
  check(state, step) {
    const found = checkReplaceCompletion(step) ?? checkArrayOrder(step);
    return found ? { state, violation: found } : { state };
  },
};
