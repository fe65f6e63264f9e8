/**
 * Transition segments: the steps from a world with no transition pending to
 * the next such world. A segment contains at most one transition (an enable or a
 * disable, with any reversals and the completion or cancel), so the state
 * callbacks of one introduction or removal fall into one segment. A step that
 * starts no transition is a segment of its own, and so is an enable that
 * fails inside its insmod.
 *
 * The segment records the listed carriers of each state id when it began and
 * the events the state properties judge, each with its step and its position
 * among that step's events.
 */
import type { KernelEvent } from '../../model/events.ts';
import type { PatchId } from '../../model/ids.ts';
import type { TraceStep } from '../../model/trace.ts';
import type { StateCallbackEvent, StateFreeEvent } from './klp-states.ts';
import { carriersByState, isStateFree } from './klp-states.ts';

type KlpEvent = Extract<KernelEvent, { type: 'klp' }>;

/** Core messages that mark the phases of a transition. */
const TRANSITION_MESSAGES = new Set(['init', 'start', 'completing', 'complete', 'canceling', 'reversing']);

export type SegmentEvent = StateCallbackEvent | StateFreeEvent | KlpEvent;

export interface RecordedEvent {
  readonly step: number;
  /** Index of the event among the events of its step. */
  readonly position: number;
  readonly event: SegmentEvent;
}

export interface Segment {
  /** Index of the segment's first step. */
  readonly start: number;
  /** Listed patches carrying each state id in the world before the first step, keyed by the id. */
  readonly carriers: Readonly<Record<string, readonly PatchId[]>>;
  readonly events: readonly RecordedEvent[];
}

function isSegmentEvent(event: KernelEvent): event is SegmentEvent {
  if (event.type === 'stateCallback') return true;
  if (event.type === 'klp') return TRANSITION_MESSAGES.has(event.msg);
  return isStateFree(event);
}

/**
 * Folds one step into the open segment, opening one from the step's world
 * before it when none is open. Returns the segment still open after the step
 * and the one the step closed, if any.
 */
export function advanceSegment(open: Segment | null, step: TraceStep): { open: Segment | null; closed: Segment | null } {
  const segment = open ?? { start: step.index, carriers: carriersByState(step.before), events: [] };
  const recorded: RecordedEvent[] = [];
  step.events.forEach((event, position) => {
    if (isSegmentEvent(event)) recorded.push({ step: step.index, position, event });
  });
  const next: Segment = recorded.length > 0 ? { ...segment, events: [...segment.events, ...recorded] } : segment;
  if (step.after.transition) return { open: next, closed: null };
  return { open: null, closed: next };
}

/** Returns the segment without step indexes: the part that can change a later verdict. */
export function segmentFingerprint(segment: Segment | null): unknown {
  if (!segment) return null;
  return { carriers: segment.carriers, events: segment.events.map((recorded) => recorded.event) };
}

/** Returns the patch whose transition the segment contains, from its init message, or null when no transition started. */
export function segmentPatch(segment: Segment): PatchId | null {
  for (const { event } of segment.events) {
    if (event.type === 'klp' && event.msg === 'init') return event.patch;
  }
  return null;
}

/** Returns the direction the segment's transition was initialised with, or null when no transition started. */
export function initialDirection(segment: Segment): 'patching' | 'unpatching' | null {
  for (const { event } of segment.events) {
    if (event.type === 'klp' && event.msg === 'init') return event.dir;
  }
  return null;
}

/** Returns the state callbacks of the segment for one state id, in order. */
export function callbacksFor(segment: Segment, id: number): (RecordedEvent & { event: StateCallbackEvent })[] {
  return segment.events.filter(
    (recorded): recorded is RecordedEvent & { event: StateCallbackEvent } =>
      recorded.event.type === 'stateCallback' && recorded.event.state === id,
  );
}

/** Returns the state-lifecycle shadow frees of the segment for one shadow id, in order. */
export function freesFor(segment: Segment, id: number): (RecordedEvent & { event: StateFreeEvent })[] {
  return segment.events.filter(
    (recorded): recorded is RecordedEvent & { event: StateFreeEvent } =>
      recorded.event.type === 'shadow' && recorded.event.id === id,
  );
}

/** Tells whether the segment contains a core message, such as a reversal or a cancel. */
export function hasMessage(segment: Segment, msg: KlpEvent['msg']): boolean {
  return segment.events.some(({ event }) => event.type === 'klp' && event.msg === msg);
}

/** Lists every state id the segment concerns: carried at its start, carried by its patch, or named by an event. */
export function segmentStateIds(segment: Segment, patchStates: readonly number[]): number[] {
  const ids = new Set<number>(Object.keys(segment.carriers).map(Number));
  for (const id of patchStates) ids.add(id);
  for (const { event } of segment.events) {
    if (event.type === 'stateCallback') ids.add(event.state);
  }
  return [...ids].sort((a, b) => a - b);
}

/** How far klp_states_pre_patch got with one state of the enabled patch. */
export type PrePatchOutcome = 'succeeded' | 'failed' | 'not reached';

/**
 * Returns what happened to a state of an enabling patch in the pre_patch
 * walk, which goes through states[] in array order and stops at the first
 * pre_patch that returns non-zero. A state before the failing one succeeded,
 * including a state without pre_patch or one another patch carries. The
 * failing state failed, and the states after it were not reached.
 */
export function prePatchOutcome(
  callbacks: readonly StateCallbackEvent[],
  patch: { readonly id: PatchId; readonly states: readonly { readonly id: number }[] },
  id: number,
): PrePatchOutcome {
  const failing = callbacks.find((event) => event.patch === patch.id && event.callback === 'pre_patch' && (event.ret ?? 0) !== 0);
  if (!failing) return 'succeeded';
  const index = patch.states.findIndex((state) => state.id === id);
  const failedAt = patch.states.findIndex((state) => state.id === failing.state);
  if (index < failedAt) return 'succeeded';
  return index === failedAt ? 'failed' : 'not reached';
}
