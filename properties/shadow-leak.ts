/**
 * shadow-leak: once no transition is pending, every shadow variable is either
 * still in use by code that can run, or freed later by a cleanup that the
 * kernel can still run. The shadow API frees nothing by itself: not on
 * disable, not on replace, not on rmmod, not when the parent object dies. A
 * variable that no runnable code uses and no remaining cleanup frees stays
 * allocated forever.
 *
 * The cleanups differ by design. The current API has per-object callbacks.
 * The redesign has klp_state callbacks, and the core's klp_shadow_free_all
 * of an is_shadow state when the state is removed (redesign/cleanup.ts).
 * Module exits count in both.
 */
import type { TraceStep } from '../model/trace.ts';
import type { ShadowEntry } from '../model/world.ts';
import { involvedSteps, shadowKey, shadowLabel } from './describe.ts';
import type { Property, Violation } from './property.ts';
import { cleanupFreeing, parentAlive, runnableShadowIds } from './reachability.ts';
import { redesignCleanupFreeing } from './redesign/cleanup.ts';
import type { ShadowHistory } from './shadow-tracking.ts';
import { EMPTY_SHADOW_HISTORY, updateShadowHistory } from './shadow-tracking.ts';

function leakViolation(step: TraceStep, history: ShadowHistory, entry: ShadowEntry): Violation {
  const allocatedAt = history.allocated[shadowKey(entry.obj, entry.id)];
  const releasedAt = history.parentReleased[entry.obj];
  const why = parentAlive(step.after, entry.obj)
    ? `no runnable function version uses id ${entry.id}`
    : `its parent ${entry.obj} was released${releasedAt === undefined ? '' : ` at step ${releasedAt}`}`;
  const allocated = allocatedAt === undefined ? '' : ` (allocated at step ${allocatedAt})`;
  return {
    explanation:
      `shadow variable ${shadowLabel(entry.obj, entry.id)}${allocated} leaked: ${why}, ` +
      'and no callback, automatic is_shadow free, module_exit or target module exit that can still run frees it',
    steps: involvedSteps(allocatedAt, releasedAt, step.index),
  };
}

export const shadowLeak: Property<ShadowHistory> = {
  name: 'shadow-leak',
  title: 'No shadow variable outlives every user and every cleanup',
  rule:
    'Whenever no transition is pending, every shadow variable either has a live parent and a runnable function ' +
    'version that uses its id, or is freed by a callback, module_exit or target module exit that can still run ' +
    '(in the redesign: a klp_state callback of a listed patch, or the core\'s free of a listed patch\'s is_shadow ' +
    'state whose pre_patch succeeded).',
  appliesTo: () => true,
  init: () => EMPTY_SHADOW_HISTORY,
  // The verdict depends on the world alone; the history only dates the steps in explanations.
  fingerprint: () => null,
  check(state, step, context) {
    const history = updateShadowHistory(state, step);
    if (step.after.transition || step.after.shadows.length === 0) return { state: history };

    // A variable is in use while its parent is alive (or a static address)
    // and some runnable function version touches its id.
    const usedIds = runnableShadowIds(context.set, step.after);
    for (const entry of step.after.shadows) {
      if (parentAlive(step.after, entry.obj) && usedIds.has(entry.id)) continue;
      const cleanup =
        context.model === 'redesign'
          ? redesignCleanupFreeing(context.set, step.after, entry.obj, entry.id)
          : cleanupFreeing(context.set, step.after, entry.obj, entry.id);
      if (cleanup) continue;
      return { state: history, violation: leakViolation(step, history, entry) };
    }
    return { state: history };
  },
};
