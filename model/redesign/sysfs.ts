/** Writes to a patch's `enabled` attribute in the redesign (enabled_store, __klp_disable_patch). */
import { ERRNO } from '../errno.ts';
import type { Kernel } from '../kernel.ts';
import { message, patchOf, result } from '../kernel.ts';
import { initTransition, startTransition } from '../klp/transition.ts';
import { statesPreUnpatch } from './states.ts';

/**
 * __klp_disable_patch() of the redesign once its checks passed: init the
 * unpatching transition, run klp_states_pre_unpatch, start the transition and
 * clear patch->enabled. Completion is left to the transition work.
 */
export function disablePatch(k: Kernel, patchId: string): void {
  const patch = patchOf(k, patchId as never);
  initTransition(k, patch, 'unpatched');
  statesPreUnpatch(k, patch);
  startTransition(k);
  patch.enabled = false;
  result(k, 0);
}

/**
 * enabled_store() rejects a write to an enabled patch that has a
 * block_disable state, before it looks at a running transition: the message
 * "The livepatch '<P>' does not support disable" and -EINVAL.
 */
export function refuseDisableBlocked(k: Kernel, patchId: string): void {
  message(k, { msg: 'disableBlocked', patch: patchOf(k, patchId as never).id });
  result(k, -ERRNO.EINVAL);
}
