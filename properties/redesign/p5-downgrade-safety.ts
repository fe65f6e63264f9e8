/**
 * p5-downgrade-safety (redesign): when an atomic replace removes a klp_state
 * that the replaced patches carry and the replace patch lacks (a downgrade to a
 * patch that does not know the state), the replaced patch undoes its own state.
 * Its pre_unpatch runs inside the enable, before the transition starts; its
 * post_unpatch and, for an is_shadow state, the core's klp_shadow_free_all run
 * when the transition completes. A replace that would remove a block_disable
 * state is refused before it is initialised.
 */
import type { PatchSet } from '../../model/definition.ts';
import type { PatchId } from '../../model/ids.ts';
import type { TraceStep } from '../../model/trace.ts';
import type { World } from '../../model/world.ts';
import { involvedSteps, patchLabel, shadowLabel } from '../describe.ts';
import type { Property, Violation } from '../property.ts';
import { carriersByState, definesCallback, isCoreStateFree, patchIn, patchList, stateLabel } from './klp-states.ts';
import type { RecordedEvent, Segment } from './segment.ts';
import { advanceSegment, callbacksFor, freesFor, initialDirection, segmentFingerprint, segmentPatch } from './segment.ts';

interface Removal {
  readonly id: number;
  /** Listed patches other than the replace patch that carried the id when the enable began. */
  readonly carriers: readonly PatchId[];
}

/** Lists the states a replace patch's enable removes: carried by other listed patches at its start, not by the replace patch. */
function removals(carriers: Readonly<Record<string, readonly PatchId[]>>, replace: PatchId, worlds: readonly Readonly<World>[]): Removal[] {
  const instance = patchIn(worlds, replace);
  if (!instance?.replace) return [];
  const own = new Set(instance.states.map((state) => state.id));
  return Object.entries(carriers)
    .map(([id, patches]) => ({ id: Number(id), carriers: patches.filter((patch) => patch !== replace) }))
    .filter((removal) => removal.carriers.length > 0 && !own.has(removal.id))
    .sort((a, b) => a.id - b.id);
}

function position(recorded: RecordedEvent): [number, number] {
  return [recorded.step, recorded.position];
}

function isBefore(a: [number, number], b: [number, number]): boolean {
  return a[0] < b[0] || (a[0] === b[0] && a[1] < b[1]);
}

/** Finds the first recorded core message of a kind for the patch. */
function messageOf(segment: Segment, msg: 'start' | 'completing', patch: PatchId): RecordedEvent | undefined {
  return segment.events.find(({ event }) => event.type === 'klp' && event.msg === msg && event.patch === patch);
}

/** Checks that no replace patch lacking a block_disable state of a listed patch got as far as its transition. */
function checkBlockDisable(step: TraceStep): Violation | undefined {
  for (const event of step.events) {
    if (event.type !== 'klp' || event.msg !== 'init' || event.dir !== 'patching') continue;
    for (const removal of removals(carriersByState(step.before), event.patch, [step.after])) {
      const blocking = removal.carriers.filter((carrier) =>
        step.before.patches[carrier]?.states.some((state) => state.id === removal.id && state.blockDisable),
      );
      if (blocking.length === 0) continue;
      return {
        explanation:
          `downgrade removed a block_disable state: replace patch ${patchLabel(step.after, event.patch)} lacks ` +
          `${stateLabel(removal.id)}, which ${patchList(step.after, blocking)} carries with block_disable, yet its ` +
          'enable was not refused',
        steps: involvedSteps(step.index),
      };
    }
  }
  return undefined;
}

interface Judged {
  readonly set: PatchSet;
  readonly step: TraceStep;
  readonly segment: Segment;
  readonly replace: PatchId;
}

function someDefines(judged: Judged, removal: Removal, callback: 'pre_unpatch' | 'post_unpatch'): boolean {
  const worlds = [judged.step.after, judged.step.before];
  return removal.carriers.some((carrier) => definesCallback(judged.set, worlds, carrier, removal.id, callback));
}

function describe(judged: Judged, removal: Removal): string {
  const world = judged.step.after;
  return (
    `replace patch ${patchLabel(world, judged.replace)} (enabled at step ${judged.segment.start}) removes ` +
    `${stateLabel(removal.id)}, which ${patchList(world, removal.carriers)} carried`
  );
}

/** Checks that a carrier's pre_unpatch ran before the transition started, when some carrier sets it. */
function checkPreUnpatch(judged: Judged, removal: Removal): Violation | undefined {
  const start = messageOf(judged.segment, 'start', judged.replace);
  if (!start || !someDefines(judged, removal, 'pre_unpatch')) return undefined;
  const ran = callbacksFor(judged.segment, removal.id).find(
    (recorded) =>
      recorded.event.callback === 'pre_unpatch' &&
      removal.carriers.includes(recorded.event.patch) &&
      isBefore(position(recorded), position(start)),
  );
  if (ran) return undefined;
  return {
    explanation: `downgrade skipped pre_unpatch: ${describe(judged, removal)}, but no carrier's pre_unpatch ran before the transition started`,
    steps: involvedSteps(judged.segment.start, judged.step.index),
  };
}

/** Checks the completion: a carrier's post_unpatch ran, then the core freed an is_shadow state's variables. */
function checkCompletion(judged: Judged, removal: Removal): Violation | undefined {
  const { step, segment } = judged;
  const completing = messageOf(segment, 'completing', judged.replace);
  if (!completing) return undefined;
  const after = (recorded: RecordedEvent): boolean => isBefore(position(completing), position(recorded));

  const postUnpatch = callbacksFor(segment, removal.id).find(
    (recorded) => recorded.event.callback === 'post_unpatch' && removal.carriers.includes(recorded.event.patch) && after(recorded),
  );
  if (!postUnpatch && someDefines(judged, removal, 'post_unpatch')) {
    return {
      explanation: `downgrade skipped post_unpatch: ${describe(judged, removal)}, but no carrier's post_unpatch ran when the transition completed`,
      steps: involvedSteps(segment.start, step.index),
    };
  }

  const isShadow = removal.carriers.some((carrier) =>
    patchIn([step.after, step.before], carrier)?.states.some((state) => state.id === removal.id && state.isShadow),
  );
  if (!isShadow) return undefined;
  const freed = freesFor(segment, removal.id).find(
    (recorded) =>
      isCoreStateFree(recorded.event) &&
      recorded.event.op === 'free_all' &&
      removal.carriers.includes(recorded.event.site.patch) &&
      after(recorded) &&
      (!postUnpatch || isBefore(position(postUnpatch), position(recorded))),
  );
  const left = step.after.shadows.find((entry) => entry.id === removal.id);
  if (freed && !left) return undefined;
  const problem = left ? `${shadowLabel(left.obj, left.id)} is left` : 'the core did not free its shadow variables after post_unpatch';
  return {
    explanation: `downgrade kept the state's shadow variables: ${describe(judged, removal)} with is_shadow, but ${problem}`,
    steps: involvedSteps(segment.start, step.index),
  };
}

function judgeSegment(segment: Segment, step: TraceStep, set: PatchSet): Violation | undefined {
  const replace = segmentPatch(segment);
  if (replace === null || initialDirection(segment) !== 'patching') return undefined;
  const judged: Judged = { set, step, segment, replace };
  const completed = step.after.klpPatches.includes(replace) && step.after.patches[replace]?.enabled === true;
  for (const removal of removals(segment.carriers, replace, [step.after, step.before])) {
    const violation = checkPreUnpatch(judged, removal) ?? (completed ? checkCompletion(judged, removal) : undefined);
    if (violation) return violation;
  }
  return undefined;
}

export interface DowngradeState {
  readonly open: Segment | null;
}

export const downgradeSafety: Property<DowngradeState> = {
  name: 'p5-downgrade-safety',
  title: 'A replace that drops a klp_state lets the replaced patch undo it',
  rule:
    'When a replace patch is enabled that lacks a klp_state id listed patches carry: the enable is refused if one ' +
    'of them carries it with block_disable; otherwise a carrier\'s pre_unpatch runs before the transition starts, ' +
    'and if the transition completes, a carrier\'s post_unpatch runs after the completion began and, for an ' +
    'is_shadow state, the core\'s klp_shadow_free_all of that carrier follows it and leaves no shadow variable with ' +
    'the id. Callbacks no carrier sets are not required.',
  appliesTo: (model) =>
    model === 'redesign' ? true : 'the current API runs no callback of a replaced patch, which the redesign changes',
  init: () => ({ open: null }),
  fingerprint: (state) => segmentFingerprint(state.open),
  check(state, step, context) {
    const blocked = checkBlockDisable(step);
    const { open, closed } = advanceSegment(state.open, step);
    const next = { open };
    const violation = blocked ?? (closed ? judgeSegment(closed, step, context.set) : undefined);
    return violation ? { state: next, violation } : { state: next };
  },
};
