/**
 * p4-takeover-continuity (redesign): a patch that carries a klp_state which
 * another listed patch already carries takes the state over. Whether it is
 * stacked or replaces the other patch, and whether its enable completes or is
 * undone, no callback of either patch runs for the state, and the core frees
 * none of the state's shadow variables.
 */
import type { PatchId } from '../../model/ids.ts';
import type { TraceStep } from '../../model/trace.ts';
import { involvedSteps, patchLabel, shadowLabel } from '../describe.ts';
import type { Property, Violation } from '../property.ts';
import { patchIn, patchList, stateCallbackLabel, stateFreeLabel, stateLabel } from './klp-states.ts';
import type { Segment } from './segment.ts';
import { advanceSegment, callbacksFor, freesFor, initialDirection, segmentFingerprint, segmentPatch } from './segment.ts';

/** Lists the state ids the enabling patch carries that other patches carried when its enable began, with those carriers. */
function takenOver(segment: Segment, step: TraceStep, patch: PatchId): { id: number; carriers: readonly PatchId[] }[] {
  const instance = patchIn([step.after, step.before], patch);
  const result: { id: number; carriers: readonly PatchId[] }[] = [];
  for (const state of instance?.states ?? []) {
    const carriers = (segment.carriers[String(state.id)] ?? []).filter((carrier) => carrier !== patch);
    if (carriers.length > 0 && !result.some((entry) => entry.id === state.id)) result.push({ id: state.id, carriers });
  }
  return result;
}

function judgeSegment(segment: Segment, step: TraceStep): Violation | undefined {
  const patch = segmentPatch(segment);
  if (patch === null || initialDirection(segment) !== 'patching') return undefined;

  for (const { id, carriers } of takenOver(segment, step, patch)) {
    const takeover =
      `${patchLabel(step.after, patch)} took over ${stateLabel(id)} from ${patchList(step.after, carriers)} ` +
      `(enable at step ${segment.start})`;
    const [callback] = callbacksFor(segment, id);
    if (callback) {
      const label = stateCallbackLabel(step.after, callback.event.patch, id, callback.event.callback);
      return {
        explanation: `takeover ran a callback: ${takeover}, yet ${label} ran at step ${callback.step}`,
        steps: involvedSteps(segment.start, callback.step, step.index),
      };
    }
    const [free] = freesFor(segment, id).filter((recorded) => recorded.event.op === 'free' && recorded.event.data !== null);
    if (free) {
      const obj = free.event.obj ?? '?';
      return {
        explanation:
          `takeover lost a shadow variable: ${takeover}, yet ${shadowLabel(obj, id)} was freed by ` +
          `${stateFreeLabel(step.after, free.event.site)} at step ${free.step}`,
        steps: involvedSteps(segment.start, free.step, step.index),
      };
    }
  }
  return undefined;
}

export interface TakeoverState {
  readonly open: Segment | null;
}

export const takeoverContinuity: Property<TakeoverState> = {
  name: 'p4-takeover-continuity',
  title: 'A takeover of a klp_state runs no callback and keeps its shadow variables',
  rule:
    'When a patch is enabled that carries a klp_state id another listed patch already carries, no state callback ' +
    'of any patch runs for that id and no state callback or core klp_shadow_free_all frees a shadow variable with ' +
    'that id, from the enable until no transition is pending.',
  appliesTo: (model) => (model === 'redesign' ? true : 'the current API has no klp_state callbacks to skip on a takeover'),
  init: () => ({ open: null }),
  fingerprint: (state) => segmentFingerprint(state.open),
  check(state, step) {
    const { open, closed } = advanceSegment(state.open, step);
    const next = { open };
    const violation = closed ? judgeSegment(closed, step) : undefined;
    return violation ? { state: next, violation } : { state: next };
  },
};
