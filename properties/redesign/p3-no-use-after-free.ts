/**
 * p3-no-use-after-free (redesign): the state lifecycle never frees a shadow
 * variable that code of a patch carrying the state can still touch. The frees
 * of the lifecycle are those made inside state callbacks and the core's
 * klp_shadow_free_all for an is_shadow state. The core's free runs only while a
 * transition completes or is cancelled, after the removed patch's functions
 * left the func_stacks.
 *
 * Code of a patch that uses a shadow id without carrying the state is left
 * to p10-id-hygiene, and frees by patched functions to shadow-premature-free.
 */
import type { PatchSet } from '../../model/definition.ts';
import type { TraceStep } from '../../model/trace.ts';
import type { World } from '../../model/world.ts';
import { involvedSteps, patchLabel, shadowKey, shadowLabel } from '../describe.ts';
import type { Property, Violation } from '../property.ts';
import type { RunnableCode } from '../reachability.ts';
import { parentAlive, runnableCode, runnableLabel } from '../reachability.ts';
import { shadowIdsUsed } from '../../model/code.ts';
import type { ShadowHistory } from '../shadow-tracking.ts';
import { EMPTY_SHADOW_HISTORY, updateShadowHistory } from '../shadow-tracking.ts';
import type { StateFreeEvent } from './klp-states.ts';
import { isCoreStateFree, isStateFree, stateFreeLabel, stateLabel } from './klp-states.ts';

/** The first runnable function version of a patch that carries klp_state `id` and whose code touches shadow id `id`. */
function carrierUserOf(set: PatchSet, world: Readonly<World>, id: number): RunnableCode | undefined {
  return runnableCode(set, world).find((runnable) => {
    const patch = runnable.version.patch;
    if (patch === null || runnable.version.nop) return false;
    const carries = world.patches[patch]?.states.some((state) => state.id === id) ?? false;
    return carries && shadowIdsUsed(runnable.code).has(id);
  });
}

function useAfterFree(step: TraceStep, history: ShadowHistory, event: StateFreeEvent, user: RunnableCode): Violation {
  const obj = event.obj ?? '?';
  const allocatedAt = history.allocated[shadowKey(obj, event.id)];
  const allocated = allocatedAt === undefined ? '' : ` (allocated at step ${allocatedAt})`;
  const userLabel = runnableLabel(user, (patch) => patchLabel(step.after, patch));
  return {
    explanation:
      `state shadow variable freed under its users: ${shadowLabel(obj, event.id)}${allocated} was freed by ` +
      `${stateFreeLabel(step.after, event.site)} while ${userLabel} can still run, and that patch carries ` +
      `${stateLabel(event.id)} and uses the id`,
    steps: involvedSteps(allocatedAt, step.index),
  };
}

/** Returns the first core free of the step that comes before any completion or cancel message. */
function freeOutsideCompletion(step: TraceStep): StateFreeEvent | undefined {
  let completing = false;
  for (const event of step.events) {
    if (event.type === 'klp' && (event.msg === 'completing' || event.msg === 'canceling')) completing = true;
    if (isCoreStateFree(event) && !completing) return event;
  }
  return undefined;
}

export const noUseAfterFree: Property<ShadowHistory> = {
  name: 'p3-no-use-after-free',
  title: 'The state lifecycle frees no shadow variable its carriers still use',
  rule:
    'No shadow variable is freed inside a state callback or by the core\'s klp_shadow_free_all of an is_shadow ' +
    'state while its parent is alive and a function version some task can still run belongs to a patch that ' +
    'carries the klp_state of that id and touches the id; and the core frees only while a transition completes or ' +
    'is cancelled.',
  appliesTo: (model) => (model === 'redesign' ? true : 'the current API has no state callbacks and no automatic shadow frees'),
  init: () => EMPTY_SHADOW_HISTORY,
  // The verdict depends on the world alone; the history only dates the steps in explanations.
  fingerprint: () => null,
  check(state, step, context) {
    const early = freeOutsideCompletion(step);
    if (early) {
      return {
        state,
        violation: {
          explanation:
            `${stateFreeLabel(step.after, early.site)} freed the shadow variables of ${stateLabel(early.id)} although no ` +
            'transition was completing or being cancelled',
          steps: involvedSteps(step.index),
        },
      };
    }

    for (const event of step.events) {
      if (!isStateFree(event) || event.op !== 'free' || event.obj === null || event.data === null) continue;
      if (!parentAlive(step.after, event.obj)) continue;
      const user = carrierUserOf(context.set, step.after, event.id);
      if (user) return { state, violation: useAfterFree(step, state, event, user) };
    }
    return { state: updateShadowHistory(state, step) };
  },
};
