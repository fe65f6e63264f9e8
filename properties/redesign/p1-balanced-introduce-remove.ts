/**
 * p1-balanced-introduce-remove (redesign): the state callbacks follow the
 * number of listed patches that carry a state id. The introduce callbacks
 * (pre_patch, then post_patch) run when the number goes from 0 to at least 1,
 * and the remove callbacks (pre_unpatch, then post_unpatch) when it drops to 0.
 * Each runs once, none is skipped, and a successful pre_patch is followed by at
 * most one post_unpatch.
 *
 * The monitor compares the numbers at the two ends of each transition
 * segment (see segment.ts) with the callbacks that ran for the id in
 * between. A callback the StateDef does not set runs silently, so the
 * expected sequence leaves it out.
 */
import type { CallbackName, PatchSet } from '../../model/definition.ts';
import type { PatchId } from '../../model/ids.ts';
import type { TraceStep } from '../../model/trace.ts';
import type { World } from '../../model/world.ts';
import { involvedSteps } from '../describe.ts';
import type { Property, Violation } from '../property.ts';
import type { StateCallbackEvent } from './klp-states.ts';
import { definesCallback, duplicateNote, listedCarriers, patchIn, patchList, stateLabel } from './klp-states.ts';
import type { RecordedEvent, Segment } from './segment.ts';
import {
  advanceSegment,
  callbacksFor,
  hasMessage,
  prePatchOutcome,
  segmentFingerprint,
  segmentPatch,
  segmentStateIds,
} from './segment.ts';

/** One callback a sequence expects: which callback, which patches may run it, and pre_patch's result. */
interface Expected {
  readonly callback: CallbackName;
  readonly doers: readonly PatchId[];
  readonly outcome?: 'ok' | 'failed';
}

/** Callback sequences a change in the number of carriers allows, with a summary of the change for explanations. */
interface Expectation {
  readonly change: string;
  readonly sequences: readonly (readonly Expected[])[];
}

interface Judged {
  readonly set: PatchSet;
  readonly worlds: readonly Readonly<World>[];
}

/** Keeps the callbacks that at least one of the doers sets; the kernel calls only set callbacks. */
function defined(judged: Judged, id: number, sequence: readonly Expected[]): Expected[] {
  return sequence.filter((expected) =>
    expected.doers.some((doer) => definesCallback(judged.set, judged.worlds, doer, id, expected.callback)),
  );
}

/** Returns the sequences allowed for a state of the transition patch whose number of carriers stayed 0. */
function failedIntroduction(judged: Judged, segment: Segment, patch: PatchId, id: number): Expectation {
  const instance = patchIn(judged.worlds, patch);
  const callbacks = segment.events.flatMap(({ event }) => (event.type === 'stateCallback' ? [event] : []));
  const outcome = instance ? prePatchOutcome(callbacks, instance, id) : 'not reached';
  const change = `stayed 0 because the enable of the patch carrying it was cancelled or reverted`;
  if (outcome === 'failed') return { change, sequences: [[{ callback: 'pre_patch', doers: [patch], outcome: 'failed' }]] };
  if (outcome === 'not reached') return { change, sequences: [[]] };
  const sequence: Expected[] = [
    { callback: 'pre_patch', doers: [patch], outcome: 'ok' },
    { callback: 'post_unpatch', doers: [patch] },
  ];
  return { change, sequences: [defined(judged, id, sequence)] };
}

/** Returns the callback sequences the change in the number of carriers of `id` allows. */
function expectationFor(judged: Judged, segment: Segment, after: Readonly<World>, id: number): Expectation {
  const from = segment.carriers[String(id)] ?? [];
  const to = listedCarriers(after, id);
  const patch = segmentPatch(segment);
  const counts = `went from ${from.length} (${patchList(after, from)}) to ${to.length} (${patchList(after, to)})`;

  if (from.length === 0 && to.length > 0) {
    const sequence: Expected[] = [
      { callback: 'pre_patch', doers: to, outcome: 'ok' },
      { callback: 'post_patch', doers: to },
    ];
    return { change: `${counts}, so the state was introduced`, sequences: [defined(judged, id, sequence)] };
  }

  if (from.length === 0) {
    const carried = patch !== null && (patchIn(judged.worlds, patch)?.states.some((state) => state.id === id) ?? false);
    if (!carried || patch === null) return { change: `stayed 0`, sequences: [[]] };
    return failedIntroduction(judged, segment, patch, id);
  }

  if (to.length === 0) {
    const sequence: Expected[] = [
      { callback: 'pre_unpatch', doers: from },
      { callback: 'post_unpatch', doers: from },
    ];
    return { change: `${counts}, so the state was removed`, sequences: [defined(judged, id, sequence)] };
  }

  // The number stayed above 0. Only a removal that a reversal or a cancel
  // undid runs callbacks then: pre_unpatch, then post_patch of the same holder.
  const undone = hasMessage(segment, 'reversing') || hasMessage(segment, 'canceling');
  const sequences: Expected[][] = [[]];
  if (undone) {
    for (const holder of from) {
      const sequence: Expected[] = [
        { callback: 'pre_unpatch', doers: [holder] },
        { callback: 'post_patch', doers: [holder] },
      ];
      sequences.push(defined(judged, id, sequence));
    }
  }
  return { change: `${counts}, so the state stayed in place`, sequences };
}

function matchesOne(observed: StateCallbackEvent, expected: Expected): boolean {
  if (observed.callback !== expected.callback || !expected.doers.includes(observed.patch)) return false;
  if (expected.outcome === undefined) return true;
  return (expected.outcome === 'ok') === ((observed.ret ?? 0) === 0);
}

function matches(observed: readonly StateCallbackEvent[], expected: readonly Expected[]): boolean {
  return observed.length === expected.length && observed.every((event, index) => {
    const expectedCall = expected[index];
    return expectedCall !== undefined && matchesOne(event, expectedCall);
  });
}

function describeExpected(world: Readonly<World>, sequence: readonly Expected[]): string {
  if (sequence.length === 0) return 'no callback';
  return sequence
    .map((expected) => {
      let result = '';
      if (expected.outcome === 'ok') result = ' returning 0';
      else if (expected.outcome === 'failed') result = ' returning an error';
      return `${expected.callback}${result} of ${patchList(world, expected.doers).replaceAll(', ', ' or ')}`;
    })
    .join(', then ');
}

function describeObserved(world: Readonly<World>, observed: readonly (RecordedEvent & { event: StateCallbackEvent })[]): string {
  if (observed.length === 0) return 'no callback ran';
  const calls = observed.map(({ step, event }) => {
    const result = event.callback === 'pre_patch' ? ` returning ${event.ret ?? 0}` : '';
    return `${event.callback}${result} of ${patchList(world, [event.patch])} at step ${step}`;
  });
  return `${calls.join(', ')} ran`;
}

/** Judges the callbacks of every state id the closed segment concerns. */
function judgeSegment(segment: Segment, step: TraceStep, set: PatchSet): Violation | undefined {
  const judged: Judged = { set, worlds: [step.after, step.before] };
  const patch = segmentPatch(segment);
  const patchStates = patch === null ? [] : (patchIn(judged.worlds, patch)?.states.map((state) => state.id) ?? []);

  for (const id of segmentStateIds(segment, patchStates)) {
    const observed = callbacksFor(segment, id);
    const expectation = expectationFor(judged, segment, step.after, id);
    if (expectation.sequences.some((sequence) => matches(observed.map((o) => o.event), sequence))) continue;

    const allowed = expectation.sequences.map((sequence) => describeExpected(step.after, sequence)).join('; or ');
    const involved = new Set([...(patch === null ? [] : [patch]), ...observed.map((o) => o.event.patch)]);
    const notes = [...involved].map((p) => duplicateNote(patchIn(judged.worlds, p), id)).join('');
    return {
      explanation:
        `unbalanced state callbacks: the number of listed patches carrying ${stateLabel(id)} ${expectation.change} ` +
        `between step ${segment.start} and step ${step.index}, which calls for ${allowed}; but ` +
        `${describeObserved(step.after, observed)}${notes}`,
      steps: involvedSteps(segment.start, ...observed.map((o) => o.step), step.index),
    };
  }
  return undefined;
}

export interface BalanceState {
  readonly open: Segment | null;
}

export const balancedIntroduceRemove: Property<BalanceState> = {
  name: 'p1-balanced-introduce-remove',
  title: 'State callbacks follow the number of listed patches carrying the state',
  rule:
    'For each klp_state id and each transition (from a world with no transition pending to the next one), the ' +
    'state callbacks that ran for the id match the change in the number of listed patches carrying it: from 0 to ' +
    'at least 1, pre_patch returning 0 then post_patch; from at least 1 to 0, pre_unpatch then post_unpatch of a ' +
    'patch that carried it; staying 0 for a state of a cancelled or reverted enable, nothing after a failing ' +
    'pre_patch and otherwise post_unpatch after pre_patch; otherwise nothing, or pre_unpatch then post_patch of one ' +
    'carrier when a reversal or cancel undid its removal. Each callback runs once, callbacks the state does not set ' +
    'are left out, and a transition still pending when the trace ends is not judged.',
  appliesTo: (model) =>
    model === 'redesign' ? true : 'the current API has no klp_state callbacks; callback-pairing judges its per-object callbacks',
  init: () => ({ open: null }),
  fingerprint: (state) => segmentFingerprint(state.open),
  check(state, step, context) {
    const { open, closed } = advanceSegment(state.open, step);
    const next = { open };
    if (!closed) return { state: next };
    const violation = judgeSegment(closed, step, context.set);
    return violation ? { state: next, violation } : { state: next };
  },
};
