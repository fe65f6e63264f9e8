/**
 * p7-revert-cancel-symmetry (redesign): an enable that is cancelled (a failing
 * pre_patch) or reverted (a write of 0 during the patching transition) leaves
 * the states as they were. Each state the patch was introducing gets
 * post_unpatch, and for is_shadow the core's free, exactly when its pre_patch
 * succeeded, and never post_patch or pre_unpatch. Each state its replace was
 * going to remove gets post_patch again exactly when its pre_unpatch had run,
 * and keeps its shadow variables.
 */
import type { CallbackName, PatchSet } from '../../model/definition.ts';
import type { PatchId } from '../../model/ids.ts';
import type { TraceStep } from '../../model/trace.ts';
import type { PatchInstance } from '../../model/world.ts';
import { involvedSteps, patchLabel } from '../describe.ts';
import type { Property, Violation } from '../property.ts';
import { definesCallback, duplicateNote, isCoreStateFree, patchIn, stateCallbackLabel, stateLabel } from './klp-states.ts';
import type { Segment } from './segment.ts';
import {
  advanceSegment,
  callbacksFor,
  freesFor,
  initialDirection,
  prePatchOutcome,
  segmentFingerprint,
  segmentPatch,
} from './segment.ts';

interface Judged {
  readonly set: PatchSet;
  readonly step: TraceStep;
  readonly segment: Segment;
  readonly patch: Readonly<PatchInstance>;
  /** "cancelled" or "reverted", for explanations. */
  readonly ending: string;
}

function countOf(judged: Judged, id: number, patch: PatchId, callback: CallbackName): number {
  return callbacksFor(judged.segment, id).filter((r) => r.event.patch === patch && r.event.callback === callback).length;
}

function coreFreed(judged: Judged, id: number, patch: PatchId): boolean {
  return freesFor(judged.segment, id).some(
    (recorded) => isCoreStateFree(recorded.event) && recorded.event.op === 'free_all' && recorded.event.site.patch === patch,
  );
}

function times(count: number): string {
  if (count === 0) return 'never';
  return count === 1 ? 'once' : `${count} times`;
}

function fail(judged: Judged, problem: string, id: number): Violation {
  const label = patchLabel(judged.step.after, judged.patch.id);
  const note = duplicateNote(judged.patch, id);
  return {
    explanation: `asymmetric ${judged.ending} enable: the enable of ${label} at step ${judged.segment.start} was ${judged.ending}, but ${problem}${note}`,
    steps: involvedSteps(judged.segment.start, judged.step.index),
  };
}

/** Checks a state the patch was introducing: post_unpatch and the free exactly when pre_patch succeeded, and no post_patch or pre_unpatch. */
function checkIntroduced(judged: Judged, id: number): Violation | undefined {
  const patch = judged.patch.id;
  const world = judged.step.after;
  for (const callback of ['post_patch', 'pre_unpatch'] as const) {
    if (countOf(judged, id, patch, callback) > 0) return fail(judged, `${stateCallbackLabel(world, patch, id, callback)} ran`, id);
  }

  const callbacks = judged.segment.events.flatMap(({ event }) => (event.type === 'stateCallback' ? [event] : []));
  const succeeded = prePatchOutcome(callbacks, judged.patch, id) === 'succeeded';
  const defined = definesCallback(judged.set, [world, judged.step.before], patch, id, 'post_unpatch');
  const expected = succeeded && defined ? 1 : 0;
  const ran = countOf(judged, id, patch, 'post_unpatch');
  const label = stateCallbackLabel(world, patch, id, 'post_unpatch');
  if (ran !== expected) {
    const reason = succeeded ? 'its pre_patch succeeded' : 'its pre_patch did not succeed';
    return fail(judged, `${label} ran ${times(ran)}, where ${reason} calls for ${times(expected)}`, id);
  }

  const isShadow = judged.patch.states.some((state) => state.id === id && state.isShadow);
  const freed = coreFreed(judged, id, patch);
  if (freed !== (succeeded && isShadow)) {
    const action = freed ? 'freed' : 'did not free';
    const reason = succeeded ? 'its pre_patch succeeded' : 'its pre_patch did not succeed';
    return fail(judged, `the core ${action} the shadow variables of the is_shadow ${stateLabel(id)}, although ${reason}`, id);
  }
  return undefined;
}

/** Checks a state the replace was going to remove from a carrier: post_patch again exactly when pre_unpatch had run, and nothing freed. */
function checkRestored(judged: Judged, id: number, carrier: PatchId): Violation | undefined {
  const world = judged.step.after;
  const worlds = [world, judged.step.before];
  for (const callback of ['pre_patch', 'post_unpatch'] as const) {
    if (countOf(judged, id, carrier, callback) > 0) return fail(judged, `${stateCallbackLabel(world, carrier, id, callback)} ran`, id);
  }
  if (coreFreed(judged, id, carrier)) {
    return fail(judged, `the core freed the shadow variables of ${stateLabel(id)} of ${patchLabel(world, carrier)}`, id);
  }

  const postPatch = countOf(judged, id, carrier, 'post_patch');
  const label = stateCallbackLabel(world, carrier, id, 'post_patch');
  // NOTE: when the carrier sets no pre_unpatch, nothing shows whether the
  // replace got as far as the carriers' pre_unpatch, so only a repeat is judged.
  if (!definesCallback(judged.set, worlds, carrier, id, 'pre_unpatch')) {
    return postPatch > 1 ? fail(judged, `${label} ran ${times(postPatch)}`, id) : undefined;
  }
  const preUnpatch = countOf(judged, id, carrier, 'pre_unpatch');
  const expected = preUnpatch > 0 && definesCallback(judged.set, worlds, carrier, id, 'post_patch') ? 1 : 0;
  if (postPatch === expected) return undefined;
  const reason = preUnpatch > 0 ? 'its pre_unpatch had run' : 'its pre_unpatch had not run';
  return fail(judged, `${label} ran ${times(postPatch)}, where ${reason} calls for ${times(expected)}`, id);
}

function judgeSegment(segment: Segment, step: TraceStep, set: PatchSet): Violation | undefined {
  const patchId = segmentPatch(segment);
  if (patchId === null || initialDirection(segment) !== 'patching' || step.after.klpPatches.includes(patchId)) return undefined;
  const patch = patchIn([step.after, step.before], patchId);
  if (!patch) return undefined;
  const cancelled = segment.events.some(({ event }) => event.type === 'klp' && event.msg === 'canceling');
  const judged: Judged = { set, step, segment, patch, ending: cancelled ? 'cancelled' : 'reverted' };

  const own = [...new Set(patch.states.map((state) => state.id))];
  for (const id of own) {
    const others = (segment.carriers[String(id)] ?? []).filter((carrier) => carrier !== patchId);
    if (others.length > 0) continue;
    const found = checkIntroduced(judged, id);
    if (found) return found;
  }

  if (!patch.replace) return undefined;
  for (const [key, carriers] of Object.entries(segment.carriers)) {
    const id = Number(key);
    if (own.includes(id)) continue;
    for (const carrier of carriers) {
      const found = checkRestored(judged, id, carrier);
      if (found) return found;
    }
  }
  return undefined;
}

export interface SymmetryState {
  readonly open: Segment | null;
}

export const revertCancelSymmetry: Property<SymmetryState> = {
  name: 'p7-revert-cancel-symmetry',
  title: 'A cancelled or reverted enable leaves the klp_states as they were',
  rule:
    'When the enable of a patch ends with the patch off klp_patches (cancelled by a failing pre_patch or reverted): ' +
    'each klp_state it was introducing got its post_unpatch, and for is_shadow the core\'s klp_shadow_free_all, ' +
    'exactly when its pre_patch succeeded (a state without pre_patch succeeds) and never post_patch or pre_unpatch; ' +
    'each state its replace was going to remove got its carrier\'s post_patch again exactly when that carrier\'s ' +
    'pre_unpatch had run, and no pre_patch, post_unpatch or shadow free. Callbacks a state does not set are left out.',
  appliesTo: (model) => (model === 'redesign' ? true : 'the current API has no klp_state callbacks to undo'),
  init: () => ({ open: null }),
  fingerprint: (state) => segmentFingerprint(state.open),
  check(state, step, context) {
    const { open, closed } = advanceSegment(state.open, step);
    const next = { open };
    const violation = closed ? judgeSegment(closed, step, context.set) : undefined;
    return violation ? { state: next, violation } : { state: next };
  },
};
