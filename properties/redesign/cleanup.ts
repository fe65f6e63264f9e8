/**
 * Cleanups the redesign can still run for a shadow variable: the klp_state
 * callbacks of listed patches, and the core's klp_shadow_free_all for an
 * is_shadow state when the state is removed. Module exits are the same in
 * both designs (exitCleanupFreeing in reachability.ts). The redesign runs no
 * per-object callbacks, so those never count.
 */
import type { CallbackName, PatchSet } from '../../model/definition.ts';
import type { PatchId } from '../../model/ids.ts';
import type { World } from '../../model/world.ts';
import type { Cleanup } from '../reachability.ts';
import { codeFrees, exitCleanupFreeing } from '../reachability.ts';
import { stateDefOf } from './klp-states.ts';

export type StateCleanup =
  /** The core's klp_shadow_free_all when the patch removes its is_shadow state. */
  | { readonly kind: 'stateShadowFree'; readonly patch: PatchId; readonly state: number }
  | { readonly kind: 'stateCallback'; readonly patch: PatchId; readonly state: number; readonly callback: CallbackName };

/**
 * Finds a state cleanup of a listed patch that can still free (obj, id):
 * - the core's free of an is_shadow state with that id whose
 *   pre_patch_succeeded is set, since klp_states_post_unpatch runs it when the
 *   state is removed;
 * - post_patch and pre_unpatch of a state of a listed patch, which a
 *   completion, a removal or its reversal can still run;
 * - post_unpatch of such a state while its pre_patch_succeeded is set.
 * pre_patch has run for every listed patch and never runs again.
 * NOTE: a block_disable state counts too, although its removal needs a later
 * patch to lift the block first, so a leak behind such a state is not flagged.
 */
export function stateCleanupFreeing(set: PatchSet, world: Readonly<World>, obj: string, id: number): StateCleanup | undefined {
  for (const patch of world.klpPatches) {
    for (const state of world.patches[patch]?.states ?? []) {
      if (state.id === id && state.isShadow && state.prePatchSucceeded) return { kind: 'stateShadowFree', patch, state: state.id };
      const callbacks = stateDefOf(set, [world], patch, state.id)?.callbacks ?? {};
      for (const callback of ['post_patch', 'pre_unpatch', 'post_unpatch'] as const) {
        if (callback === 'post_unpatch' && !state.prePatchSucceeded) continue;
        if (codeFrees(callbacks[callback], obj, id)) return { kind: 'stateCallback', patch, state: state.id, callback };
      }
    }
  }
  return undefined;
}

/** Finds any cleanup the redesign can still run for (obj, id): a state cleanup, or else a module exit. */
export function redesignCleanupFreeing(
  set: PatchSet,
  world: Readonly<World>,
  obj: string,
  id: number,
): StateCleanup | Cleanup | undefined {
  return stateCleanupFreeing(set, world, obj, id) ?? exitCleanupFreeing(set, world, obj, id);
}
