/**
 * Completion of a transition in the current API (klp_complete_transition,
 * klp_cancel_transition, klp_try_complete_transition).
 */
import type { Kernel } from '../kernel.ts';
import { message, patchOf } from '../kernel.ts';
import { direction } from '../klp/transition.ts';
import { discardNops, freePatchStart, olderPatches, setFuncTransition, unpatchObjects } from '../klp/patch.ts';
import { postPatchCallback, postUnpatchCallback } from './callbacks.ts';

/**
 * klp_complete_transition. For a finished replace, the older patches are
 * disabled and unpatched without any of their callbacks, and the nops go away;
 * for an unpatching transition, the patch's objects are unpatched. Then the
 * post_patch or post_unpatch callback runs for every loaded object of the
 * transition patch, in obj_list order.
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
  }

  if (target === 'unpatched') unpatchObjects(k, patch);

  setFuncTransition(patch, false);

  for (const object of patch.objects) {
    if (!object.loaded) continue;
    if (target === 'patched') postPatchCallback(k, patch, object, 'LIVE');
    else postUnpatchCallback(k, patch, object, 'LIVE');
  }

  message(k, { msg: 'complete', patch: patch.id, dir: direction(target) });
  k.world.transition = null;
}

/** klp_cancel_transition: valid before the transition started; the target becomes UNPATCHED and completion runs at once. */
export function cancelTransition(k: Kernel): void {
  const transition = k.world.transition;
  if (!transition) throw new Error('internal: cancel without a transition');
  message(k, { msg: 'canceling', patch: transition.patch });
  transition.target = 'unpatched';
  completeTransition(k);
}

/**
 * klp_try_complete_transition after every task switched: complete, then free
 * the patch if it ended disabled, or else, for a replace patch, every older
 * patch. The free starts at once under klp_mutex; the rest is the free work.
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
