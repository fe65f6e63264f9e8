/**
 * Completion of a transition in the redesign (klp_complete_transition,
 * klp_cancel_transition, klp_try_complete_transition as the v1 series leaves
 * them). Reversal and force are the shared ones of model/klp/transition.ts.
 */
import type { Kernel } from '../kernel.ts';
import { message, patchOf } from '../kernel.ts';
import { discardNops, freePatchStart, olderPatches, setFuncTransition, unpatchObjects } from '../klp/patch.ts';
import { direction } from '../klp/transition.ts';
import {
  statesPostPatch,
  statesPostPatchReplaced,
  statesPostUnpatch,
  statesPostUnpatchReplaced,
} from './states.ts';

/**
 * klp_complete_transition() of the redesign, in the kernel's order:
 * - a replace patch that reached PATCHED disables and unpatches the patches
 *   listed before it, discards its nops, and runs post_unpatch (with the
 *   shadow frees) of every other listed patch. The unpatching stops at the
 *   replace patch, while the state walk covers patches listed after it too;
 * - a patch that reached UNPATCHED is unpatched;
 * - func->transition is cleared;
 * - then the transition patch's own states: post_patch when PATCHED;
 *   when UNPATCHED, for a replace patch first the other patches' post_patch
 *   if their pre_unpatch ran, then its own post_unpatch.
 */
export function completeTransition(k: Kernel): void {
  const transition = k.world.transition;
  if (!transition) throw new Error('internal: completion without a transition');
  const patch = patchOf(k, transition.patch);
  const target = transition.target;
  message(k, { msg: 'completing', patch: patch.id, dir: direction(target) });

  if (target === 'patched' && patch.replace) {
    for (const old of olderPatches(k, patch.id)) {
      old.enabled = false;
      unpatchObjects(k, old);
    }
    discardNops(k, patch);
    statesPostUnpatchReplaced(k, patch);
  }

  if (target === 'unpatched') unpatchObjects(k, patch);

  setFuncTransition(patch, false);

  if (target === 'patched') {
    statesPostPatch(k, patch);
  } else {
    if (patch.replace) statesPostPatchReplaced(k, patch);
    statesPostUnpatch(k, patch);
  }

  message(k, { msg: 'complete', patch: patch.id, dir: direction(target) });
  k.world.transition = null;
}

/** klp_cancel_transition(): before the transition started, the target becomes UNPATCHED and completion runs at once. */
export function cancelTransition(k: Kernel): void {
  const transition = k.world.transition;
  if (!transition) throw new Error('internal: cancel without a transition');
  message(k, { msg: 'canceling', patch: transition.patch });
  transition.target = 'unpatched';
  completeTransition(k);
}

/**
 * klp_try_complete_transition() after every task switched: complete, then
 * free the patch if it ended disabled, or else, for a replace patch, every
 * patch listed before it. The replaced patches stay listed while their states
 * are walked in completeTransition, and leave the list only here.
 */
export function tryCompleteTransition(k: Kernel): void {
  const transition = k.world.transition;
  if (!transition) throw new Error('internal: transition work without a transition');
  const patch = patchOf(k, transition.patch);
  completeTransition(k);
  if (!patch.enabled) {
    freePatchStart(k, patch, 'freeing');
  } else if (patch.replace) {
    for (const old of olderPatches(k, patch.id)) freePatchStart(k, old, 'freeing');
  }
}
