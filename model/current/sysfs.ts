/** Writes to a patch's sysfs attributes in the current API (enabled_store, force_store). */
import type { Kernel } from '../kernel.ts';
import { patchOf, result } from '../kernel.ts';
import { initTransition, startTransition } from '../klp/transition.ts';
import { preUnpatchCallback } from './callbacks.ts';

/**
 * __klp_disable_patch once its checks passed: init the unpatching transition,
 * run pre_unpatch for every patched object in obj_list order, start the
 * transition and clear patch->enabled. Completion is left to the transition work.
 */
export function disablePatch(k: Kernel, patchId: string): void {
  const patch = patchOf(k, patchId as never);
  initTransition(k, patch, 'unpatched');
  for (const object of patch.objects) {
    if (object.patched) preUnpatchCallback(k, patch, object, 'LIVE');
  }
  startTransition(k);
  patch.enabled = false;
  result(k, 0);
}
