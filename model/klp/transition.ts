/**
 * Transition steps both designs share (kernel/livepatch/transition.c):
 * init, start, reversal and force. Completion differs between the designs
 * because it runs their callbacks; each design has its own.
 */
import type { Direction } from '../events.ts';
import type { Kernel } from '../kernel.ts';
import { message, patchOf } from '../kernel.ts';
import type { PatchInstance, TransitionTarget } from '../world.ts';
import { setFuncTransition } from './patch.ts';

export function direction(target: TransitionTarget): Direction {
  return target === 'patched' ? 'patching' : 'unpatching';
}

/**
 * klp_init_transition: the patch becomes klp_transition_patch, every task gets
 * the initial state and every func of the patch is marked in transition.
 */
export function initTransition(k: Kernel, patch: PatchInstance, target: TransitionTarget): void {
  k.world.transition = { patch: patch.id, target, allTasksSwitched: false };
  message(k, { msg: 'init', patch: patch.id, dir: direction(target) });
  setFuncTransition(patch, true);
}

/** klp_start_transition: tasks not yet in the target state get TIF_PATCH_PENDING. */
export function startTransition(k: Kernel): void {
  const transition = k.world.transition;
  if (!transition) throw new Error('internal: start without a transition');
  message(k, { msg: 'start', patch: transition.patch, dir: direction(transition.target) });
}

/**
 * klp_reverse_transition: flips patch->enabled and the target, then starts the
 * transition again. No callback runs, no INIT line is printed, and completion
 * waits for a later run of the transition work.
 */
export function reverseTransition(k: Kernel): void {
  const transition = k.world.transition;
  if (!transition) throw new Error('internal: reversal without a transition');
  const patch = patchOf(k, transition.patch);
  message(k, { msg: 'reversing', patch: patch.id, from: direction(transition.target) });
  patch.enabled = !patch.enabled;
  transition.target = transition.target === 'patched' ? 'unpatched' : 'patched';
  // Every task had reached (or was on its way to) the old target, so all of them must switch again.
  transition.allTasksSwitched = false;
  startTransition(k);
}

/**
 * klp_force_transition: every task is marked switched. Since v5.18 the forced
 * flag goes only to patches being removed: the transition patch when unpatching,
 * every other listed patch when a replace patch is patching.
 */
export function forceTransition(k: Kernel): void {
  const transition = k.world.transition;
  if (!transition) throw new Error('internal: force without a transition');
  message(k, { msg: 'forcing' });
  transition.allTasksSwitched = true;
  const patch = patchOf(k, transition.patch);
  if (transition.target === 'unpatched') {
    patch.forced = true;
  } else if (patch.replace) {
    for (const id of k.world.klpPatches) if (id !== patch.id) patchOf(k, id).forced = true;
  }
}
