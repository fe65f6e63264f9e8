/**
 * callback-pairing: the per-(patch, object) callback state machine of the
 * current API. Each successful pre_patch opens a pair that at most one
 * post_unpatch closes, and pre_unpatch runs only after post_patch. No callback
 * runs after the patch was freed. No pair is still open when the patch is
 * freed or when the target module of a module object goes away.
 *
 * The monitor follows the callback events. A callback the object does not
 * define produces no event, so the monitor keeps the set of states the pair can
 * be in and lets it move silently over every undefined callback. A missing
 * pre_patch still counts as a success in the kernel's wrapper, which sets
 * post_unpatch_enabled. For such objects, that flag in the world after each
 * step shows whether the silent pre_patch happened.
 */
import type { CallbackName, PatchSet } from '../model/definition.ts';
import type { KernelEvent } from '../model/events.ts';
import type { ObjectName, PatchId } from '../model/ids.ts';
import { objectLabel } from '../model/ids.ts';
import type { TraceStep } from '../model/trace.ts';
import { callbackLabel, involvedSteps, patchLabel } from './describe.ts';
import type { Property, PropertyContext, Violation } from './property.ts';
import { objectCallbacks } from './reachability.ts';

/** States of current-api's per-(patch, object) callback machine. */
export type PairPhase = 'Unloaded' | 'PrePatched' | 'Live' | 'PreUnpatched' | 'Done';

export interface PairRecord {
  readonly patch: PatchId;
  readonly object: ObjectName;
  /** Every state the pair can be in, given that undefined callbacks run silently. */
  readonly phases: readonly PairPhase[];
  /** Step of the last pre_patch that returned 0, if one was seen. */
  readonly opened: number | null;
  /** Step of the last callback event of this pair. */
  readonly last: number;
}

export interface CallbackPairingState {
  /** Open or closed pairs of listed patches, keyed by `<patch id>|<object>`. */
  readonly pairs: Readonly<Record<string, PairRecord>>;
  /** Step of the patchFreed event of each freed patch instance. */
  readonly freed: Readonly<Record<string, number>>;
}

type Defined = Partial<Record<CallbackName, unknown>>;

const OPEN: readonly PairPhase[] = ['PrePatched', 'Live', 'PreUnpatched'];

function pairKey(patch: PatchId, object: ObjectName): string {
  return `${patch}|${objectLabel(object)}`;
}

/** Callbacks per patch set, patch instance and object name. */
const callbacksBySet = new WeakMap<PatchSet, Map<PatchId, Map<ObjectName, Defined>>>();

/**
 * The callbacks an object of a patch defines: those of the first object of
 * that name in the definition of the patch's module. A patch instance lists
 * its static objects in definition order, so this is the object that
 * objectCallbacks finds in every world, before and after klp_free_objects.
 */
function definedCallbacks(set: PatchSet, patch: PatchId, object: ObjectName): Defined {
  let byPatch = callbacksBySet.get(set);
  if (!byPatch) {
    byPatch = new Map();
    callbacksBySet.set(set, byPatch);
  }
  let byObject = byPatch.get(patch);
  if (!byObject) {
    byObject = new Map();
    byPatch.set(patch, byObject);
  }
  let defined = byObject.get(object);
  if (!defined) {
    defined = objectCallbacks(set, [], patch, object);
    byObject.set(object, defined);
  }
  return defined;
}

const PHASE_ORDER: readonly PairPhase[] = ['Unloaded', 'PrePatched', 'Live', 'PreUnpatched', 'Done'];
const BIT: Readonly<Record<PairPhase, number>> = { Unloaded: 1, PrePatched: 2, Live: 4, PreUnpatched: 8, Done: 16 };
/** The phases of each set of phases written as bits, in PHASE_ORDER; shared and never changed. */
const PHASES_OF_MASK: readonly (readonly PairPhase[])[] = Array.from({ length: 32 }, (_, mask) =>
  PHASE_ORDER.filter((phase) => (mask & BIT[phase]) !== 0),
);

function maskOf(phases: readonly PairPhase[]): number {
  let mask = 0;
  for (const phase of phases) mask |= BIT[phase];
  return mask;
}

/** Adds to a set of phases, as bits, the moves of one undefined callback; returns the grown set. */
function silentMoves(mask: number, defined: Defined, moduleObject: boolean): number {
  let result = mask;
  const fresh = (mask & BIT.Unloaded) !== 0 || (moduleObject && (mask & BIT.Done) !== 0);
  const prepared = (mask & (BIT.PrePatched | BIT.PreUnpatched)) !== 0;
  if (fresh && !defined.pre_patch) result |= BIT.PrePatched;
  if (prepared && !defined.post_patch) result |= BIT.Live;
  if ((mask & BIT.Live) !== 0 && !defined.pre_unpatch) result |= BIT.PreUnpatched;
  if (prepared && !defined.post_unpatch) result |= BIT.Done;
  return result;
}

/**
 * Adds the states reachable without an event: the moves of callbacks the
 * object does not define. A module object's Done behaves like Unloaded,
 * because a later load of its target module starts with pre_patch again.
 */
function closure(phases: readonly PairPhase[], defined: Defined, moduleObject: boolean): readonly PairPhase[] {
  let mask = maskOf(phases);
  for (let grown = silentMoves(mask, defined, moduleObject); grown !== mask; grown = silentMoves(mask, defined, moduleObject)) {
    mask = grown;
  }
  return PHASES_OF_MASK[mask]!;
}

/** The state after one callback from one state, or undefined when the machine has no such move. */
function move(phase: PairPhase, callback: CallbackName, ret: number, moduleObject: boolean): PairPhase | undefined {
  const fresh = phase === 'Unloaded' || (phase === 'Done' && moduleObject);
  switch (callback) {
    case 'pre_patch':
      if (!fresh) return undefined;
      return ret === 0 ? 'PrePatched' : 'Unloaded';
    case 'post_patch':
      return phase === 'PrePatched' || phase === 'PreUnpatched' ? 'Live' : undefined;
    case 'pre_unpatch':
      return phase === 'Live' ? 'PreUnpatched' : undefined;
    case 'post_unpatch':
      return phase === 'PrePatched' || phase === 'PreUnpatched' ? 'Done' : undefined;
  }
}

/** Explains why a callback cannot run from any of the pair's states, in the machine's terms. */
function refusalReason(callback: CallbackName, phases: readonly PairPhase[]): string {
  switch (callback) {
    case 'pre_patch':
      return phases.every((p) => p === 'Done')
        ? 'pre_patch ran again for a vmlinux object whose pair is already closed'
        : 'pre_patch ran again while the pair from an earlier successful pre_patch is still open';
    case 'post_patch':
      return phases.includes('Live')
        ? 'post_patch ran again without pre_unpatch in between'
        : 'post_patch ran without a successful pre_patch';
    case 'pre_unpatch':
      return phases.some((p) => OPEN.includes(p))
        ? 'pre_unpatch ran although post_patch never ran'
        : 'pre_unpatch ran without a successful pre_patch';
    case 'post_unpatch':
      return phases.includes('Live')
        ? 'post_unpatch ran after post_patch without pre_unpatch in between'
        : 'post_unpatch ran more than once for one successful pre_patch, or without one';
  }
}

/**
 * Whether a pair is left open for certain: in every state it can be in, a
 * defined closing callback has not run yet (post_unpatch after a successful
 * pre_patch, or pre_unpatch after post_patch).
 */
function definitelyOpen(phases: readonly PairPhase[], defined: Defined): boolean {
  const open = (phase: PairPhase): boolean =>
    (defined.post_unpatch !== undefined && OPEN.includes(phase)) || (defined.pre_unpatch !== undefined && phase === 'Live');
  return phases.length > 0 && phases.every(open);
}

function unpairedReason(phases: readonly PairPhase[], defined: Defined): string {
  if (!phases.every((phase) => phase === 'Live')) return 'pre_patch succeeded but post_unpatch never ran';
  const skipped = (['pre_unpatch', 'post_unpatch'] as const).filter((name) => defined[name] !== undefined);
  if (skipped.length === 2) return 'post_patch ran but neither pre_unpatch nor post_unpatch did';
  return `post_patch ran but ${skipped[0]} never did`;
}

interface Scan {
  pairs: Record<string, PairRecord>;
  freed: Record<string, number>;
}

function handleCallback(
  scan: Scan,
  event: Extract<KernelEvent, { type: 'callback' }>,
  step: TraceStep,
  context: PropertyContext,
): Violation | undefined {
  const label = callbackLabel(step.after, event.patch, event.object, event.callback);
  const freedAt = scan.freed[event.patch];
  if (freedAt !== undefined) {
    return {
      explanation: `${label} ran after the patch was freed at step ${freedAt}`,
      steps: involvedSteps(freedAt, step.index),
    };
  }

  const defined = definedCallbacks(context.set, event.patch, event.object);
  const moduleObject = event.object !== null;
  const key = pairKey(event.patch, event.object);
  const record = scan.pairs[key];
  const phases = closure(record?.phases ?? ['Unloaded'], defined, moduleObject);
  const ret = event.ret ?? 0;

  let next = 0;
  for (const phase of phases) {
    const to = move(phase, event.callback, ret, moduleObject);
    if (to) next |= BIT[to];
  }
  if (next === 0) {
    return {
      explanation: `${label}: ${refusalReason(event.callback, phases)}`,
      steps: involvedSteps(record?.opened, record?.last, step.index),
    };
  }

  const opened = event.callback === 'pre_patch' && ret === 0 ? step.index : (record?.opened ?? null);
  const phasesAfter = closure(PHASES_OF_MASK[next]!, defined, moduleObject);
  scan.pairs[key] = { patch: event.patch, object: event.object, phases: phasesAfter, opened, last: step.index };
  return undefined;
}

function handlePatchFreed(scan: Scan, patch: PatchId, step: TraceStep, context: PropertyContext): Violation | undefined {
  for (const key in scan.pairs) {
    const record = scan.pairs[key]!;
    if (record.patch !== patch) continue;
    const defined = definedCallbacks(context.set, patch, record.object);
    if (definitelyOpen(record.phases, defined)) {
      return {
        explanation:
          `unpaired callbacks: ${patchLabel(step.after, patch)} was freed while a callback pair of its ${objectLabel(record.object)} object was still open, ` +
          `because ${unpairedReason(record.phases, defined)}`,
        steps: involvedSteps(record.opened, record.last, step.index),
      };
    }
    delete scan.pairs[key];
  }
  scan.freed[patch] = step.index;
  return undefined;
}

/**
 * Checks module objects whose target module is not loaded after the step: the
 * module notifier's pre_unpatch and post_unpatch must have closed their pairs.
 */
function checkUnloadedModules(scan: Scan, step: TraceStep, context: PropertyContext): Violation | undefined {
  for (const key in scan.pairs) {
    const record = scan.pairs[key]!;
    const object = record.object;
    if (object === null || step.after.modules[object]?.kind === 'target') continue;
    const defined = definedCallbacks(context.set, record.patch, object);
    if (definitelyOpen(record.phases, defined)) {
      return {
        explanation:
          `unpaired callbacks: target module ${object} is gone but the pair of ${patchLabel(step.after, record.patch)} ` +
          `for it is open, because ${unpairedReason(record.phases, defined)}`,
        steps: involvedSteps(record.opened, record.last, step.index),
      };
    }
  }
  return undefined;
}

/**
 * Narrows pairs of objects without a pre_patch callback by the object's
 * post_unpatch_enabled flag, which the kernel's pre_patch wrapper sets even
 * when no callback is defined: set means a pair is open, clear means none is.
 */
function narrowBySilentPrePatch(scan: Scan, step: TraceStep, context: PropertyContext): void {
  const patches = step.after.patches;
  for (const id in patches) {
    const patch = patches[id]!;
    for (const object of patch.objects) {
      if (object.dynamic) continue;
      const defined = definedCallbacks(context.set, patch.id, object.name);
      if (defined.pre_patch) continue;
      const key = pairKey(patch.id, object.name);
      const record = scan.pairs[key];
      if (!record && !object.postUnpatchEnabled) continue;
      const phases = closure(record?.phases ?? ['Unloaded'], defined, object.name !== null);
      const narrowed = phases.filter((phase) => OPEN.includes(phase) === object.postUnpatchEnabled);
      if (narrowed.length === 0 || narrowed.length === phases.length) continue;
      const wasClosed = phases.some((phase) => !OPEN.includes(phase));
      const opened = object.postUnpatchEnabled && wasClosed ? step.index : (record?.opened ?? null);
      scan.pairs[key] = { patch: patch.id, object: object.name, phases: narrowed, opened, last: record?.last ?? step.index };
    }
  }
}

export const callbackPairing: Property<CallbackPairingState> = {
  name: 'callback-pairing',
  title: 'Per-object callbacks pair up',
  rule:
    'For each patch and object, post_unpatch runs at most once per successful pre_patch, pre_unpatch runs only after ' +
    'post_patch, no callback runs after the patch is freed, and no defined closing callback is skipped when the patch ' +
    'is freed or the target module goes away.',
  appliesTo: (model) =>
    model === 'current'
      ? true
      : 'the redesign removes per-object callbacks; p1-balanced-introduce-remove judges its klp_state callbacks',
  init: () => ({ pairs: {}, freed: {} }),
  fingerprint: (state) => ({
    pairs: Object.fromEntries(Object.entries(state.pairs).map(([key, record]) => [key, record.phases])),
    freed: Object.keys(state.freed).sort(),
  }),
  check(state, step, context) {
    const scan: Scan = { pairs: { ...state.pairs }, freed: { ...state.freed } };
    for (const event of step.events) {
      let violation: Violation | undefined;
      if (event.type === 'callback') violation = handleCallback(scan, event, step, context);
      else if (event.type === 'patchFreed') violation = handlePatchFreed(scan, event.patch, step, context);
      if (violation) return { state, violation };
    }
    narrowBySilentPrePatch(scan, step, context);
    const violation = checkUnloadedModules(scan, step, context);
    if (violation) return { state, violation };
    return { state: { pairs: scan.pairs, freed: scan.freed } };
  },
};
