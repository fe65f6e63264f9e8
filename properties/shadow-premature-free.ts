/**
 * shadow-premature-free: a shadow variable must not be freed while its parent
 * object is alive and code that can still run uses its id. Such code finds the
 * variable gone: a lookup returns NULL, or a task that still has the data
 * pointer reads freed memory.
 */
import type { KernelEvent } from '../model/events.ts';
import type { TraceStep } from '../model/trace.ts';
import { involvedSteps, patchLabel, shadowKey, shadowLabel, siteLabel } from './describe.ts';
import type { Property, PropertyContext, Violation } from './property.ts';
import { parentAlive, runnableLabel, runnableUserOf } from './reachability.ts';
import type { ShadowHistory } from './shadow-tracking.ts';
import { EMPTY_SHADOW_HISTORY, removedShadows, updateShadowHistory } from './shadow-tracking.ts';

type ShadowEvent = Extract<KernelEvent, { type: 'shadow' }>;

interface FreedShadow {
  readonly obj: string;
  readonly id: number;
  /** The shadow event that freed it, when one names it. */
  readonly event?: ShadowEvent;
}

/**
 * Finds the shadow event that freed (obj, id): a free event for it, which
 * klp_shadow_free_all also emits per variable, else the free_all call of its id.
 */
function freeEventOf(events: readonly KernelEvent[], obj: string, id: number): ShadowEvent | undefined {
  const shadowEvents = events.filter((e): e is ShadowEvent => e.type === 'shadow' && e.id === id);
  return (
    shadowEvents.find((e) => e.op === 'free' && e.obj === obj && e.data !== null) ??
    shadowEvents.find((e) => e.op === 'free_all')
  );
}

/**
 * Shadow variables freed during the step: those present before and gone after,
 * plus those a klp_shadow_free call found and removed, which also catches a
 * variable allocated and freed within the same step.
 */
function freedShadows(step: TraceStep): FreedShadow[] {
  const freed = new Map<string, FreedShadow>();
  for (const entry of removedShadows(step.before, step.after)) addFreed(freed, step.events, entry.obj, entry.id);
  for (const event of step.events) {
    if (event.type === 'shadow' && event.op === 'free' && event.obj !== null && event.data !== null) {
      addFreed(freed, step.events, event.obj, event.id);
    }
  }
  return [...freed.values()];
}

function addFreed(freed: Map<string, FreedShadow>, events: readonly KernelEvent[], obj: string, id: number): void {
  const event = freeEventOf(events, obj, id);
  freed.set(shadowKey(obj, id), event ? { obj, id, event } : { obj, id });
}

function checkFreed(
  step: TraceStep,
  context: PropertyContext,
  history: ShadowHistory,
  freed: FreedShadow,
): Violation | undefined {
  if (!parentAlive(step.after, freed.obj)) return undefined;
  const user = runnableUserOf(context.set, step.after, freed.id);
  if (!user) return undefined;

  const allocatedAt = history.allocated[shadowKey(freed.obj, freed.id)] ?? step.index;
  const by = freed.event ? ` by ${siteLabel(step.after, freed.event.site)}` : '';
  const userLabel = runnableLabel(user, (patch) => patchLabel(step.after, patch));
  return {
    explanation:
      `shadow variable ${shadowLabel(freed.obj, freed.id)} (allocated at step ${allocatedAt}) was freed` +
      `${by} at step ${step.index} while its parent ${freed.obj} is alive and ${userLabel} can still run and uses id ${freed.id}`,
    steps: involvedSteps(allocatedAt, step.index),
  };
}

export const shadowPrematureFree: Property<ShadowHistory> = {
  name: 'shadow-premature-free',
  title: 'No shadow variable is freed under code that still uses it',
  rule:
    'A shadow variable is never freed while its parent object is alive and a function version that some task can ' +
    'still run uses its id.',
  appliesTo: () => true,
  init: () => EMPTY_SHADOW_HISTORY,
  // The verdict depends on the world alone; the history only dates the steps in explanations.
  fingerprint: () => null,
  check(state, step, context) {
    for (const freed of freedShadows(step)) {
      const violation = checkFreed(step, context, state, freed);
      if (violation) return { state, violation };
    }
    return { state: updateShadowHistory(state, step) };
  },
};
