/**
 * p2-no-orphaned-shadows (redesign): an is_shadow klp_state owns the shadow
 * variables with its id, and the core frees them with klp_shadow_free_all when
 * it removes the state. So once no listed patch carries the id and no
 * transition is pending, no shadow variable with that id is left.
 *
 * The monitor remembers the ids that an is_shadow entry of some patch owned:
 * a patch that was listed, or whose enable started a transition even if it
 * then failed. A patch refused before its transition started (busy) owned
 * nothing.
 */
import type { ShadowEntry } from '../../model/world.ts';
import type { TraceStep } from '../../model/trace.ts';
import { involvedSteps, shadowKey, shadowLabel } from '../describe.ts';
import type { Property, Violation } from '../property.ts';
import type { ShadowHistory } from '../shadow-tracking.ts';
import { EMPTY_SHADOW_HISTORY, updateShadowHistory } from '../shadow-tracking.ts';
import { listedCarriers, stateLabel } from './klp-states.ts';

export interface OrphanState {
  /** Ids an is_shadow entry of a listed or enabling patch owned, ascending. */
  readonly owned: readonly number[];
  /** Step at which the last listed carrier of each owned id left klp_patches. */
  readonly removedAt: Readonly<Record<string, number>>;
  readonly shadows: ShadowHistory;
}

/** Ids of is_shadow entries of patches that are listed after the step or whose transition the step started. */
function ownedIds(step: TraceStep): number[] {
  const patches = new Set<string>(step.after.klpPatches);
  for (const event of step.events) {
    if (event.type === 'klp' && event.msg === 'init') patches.add(event.patch);
  }
  const ids: number[] = [];
  for (const patch of patches) {
    for (const state of step.after.patches[patch]?.states ?? []) {
      if (state.isShadow) ids.push(state.id);
    }
  }
  return ids;
}

function orphanViolation(step: TraceStep, state: OrphanState, entry: ShadowEntry): Violation {
  const allocatedAt = state.shadows.allocated[shadowKey(entry.obj, entry.id)];
  const removedAt = state.removedAt[String(entry.id)];
  const removed = removedAt === undefined ? '' : ` since step ${removedAt}`;
  const allocated = allocatedAt === undefined ? '' : ` (allocated at step ${allocatedAt})`;
  return {
    explanation:
      `orphaned shadow variable: ${shadowLabel(entry.obj, entry.id)}${allocated} still exists, but no listed patch ` +
      `carries the is_shadow ${stateLabel(entry.id)} that owns it${removed}, and no transition is pending`,
    steps: involvedSteps(allocatedAt, removedAt, step.index),
  };
}

export const noOrphanedShadows: Property<OrphanState> = {
  name: 'p2-no-orphaned-shadows',
  title: 'No shadow variable outlives the removal of its is_shadow state',
  rule:
    'Whenever no transition is pending, no shadow variable exists whose id is that of a klp_state which some ' +
    'listed or enabling patch carried with is_shadow and which no listed patch carries any more.',
  appliesTo: (model) => (model === 'redesign' ? true : 'the current API has no is_shadow klp_state that owns shadow variables'),
  init: () => ({ owned: [], removedAt: {}, shadows: EMPTY_SHADOW_HISTORY }),
  fingerprint: (state) => state.owned,
  check(state, step) {
    const owned = [...new Set([...state.owned, ...ownedIds(step)])].sort((a, b) => a - b);
    const removedAt: Record<string, number> = {};
    for (const id of owned) {
      if (listedCarriers(step.after, id).length > 0) continue;
      const key = String(id);
      removedAt[key] = state.removedAt[key] ?? step.index;
    }
    const next: OrphanState = { owned, removedAt, shadows: updateShadowHistory(state.shadows, step) };
    if (step.after.transition) return { state: next };

    for (const entry of step.after.shadows) {
      if (removedAt[String(entry.id)] === undefined) continue;
      return { state: next, violation: orphanViolation(step, next, entry) };
    }
    return { state: next };
  },
};
