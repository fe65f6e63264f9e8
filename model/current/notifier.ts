/**
 * The module notifier of the current API (klp_module_coming and
 * klp_module_going): patching and unpatching target modules that load or
 * unload while patches are listed, with their per-object callbacks.
 */
import type { Kernel } from '../kernel.ts';
import { message, patchOf } from '../kernel.ts';
import type { ModuleName } from '../ids.ts';
import type { ModuleState } from '../events.ts';
import { patchObject, unpatchObject } from '../klp/patch.ts';
import type { PatchInstance } from '../world.ts';
import { postPatchCallback, postUnpatchCallback, prePatchCallback, preUnpatchCallback } from './callbacks.ts';

function firstObjectFor(patch: PatchInstance, module: ModuleName): number {
  return patch.objects.findIndex((o) => o.name === module);
}

/**
 * klp_cleanup_module_patches_limited: for every listed patch before `limit`
 * (all of them when limit is undefined) with an object for the module:
 * pre_unpatch unless it is the transition patch, the "reverting patch" notice,
 * unpatch, post_unpatch (flag-gated), and the object forgets its module.
 */
export function cleanupModulePatches(k: Kernel, module: ModuleName, limit: string | undefined, moment: ModuleState): void {
  for (const id of k.world.klpPatches) {
    if (id === limit) break;
    const patch = patchOf(k, id);
    const index = firstObjectFor(patch, module);
    const object = patch.objects[index];
    if (!object) continue;
    if (patch.id !== k.world.transition?.patch) preUnpatchCallback(k, patch, object, moment);
    message(k, { msg: 'reverting', patch: patch.id, module });
    unpatchObject(k, patch, index);
    postUnpatchCallback(k, patch, object, moment);
    object.loaded = false;
  }
}

/**
 * klp_module_coming: for every listed patch, oldest first, with an object for
 * the module: bind it, print "applying patch", run pre_patch, patch the object,
 * and run post_patch unless the patch is the transition patch (its post_patch
 * waits for the transition's completion). Returns 0 or the error that refuses
 * the module, after reverting the patches already applied.
 */
export function moduleComing(k: Kernel, module: ModuleName): number {
  for (const id of [...k.world.klpPatches]) {
    const patch = patchOf(k, id);
    const index = firstObjectFor(patch, module);
    const object = patch.objects[index];
    if (!object) continue;
    object.loaded = true;
    message(k, { msg: 'applying', patch: patch.id, module });
    const ret = prePatchCallback(k, patch, object, 'COMING');
    if (ret !== 0) {
      message(k, { msg: 'prePatchFailed', object: module });
      message(k, { msg: 'refusingModule', patch: patch.id, module });
      object.loaded = false;
      cleanupModulePatches(k, module, patch.id, 'COMING');
      return ret;
    }
    patchObject(k, patch, index);
    if (patch.id !== k.world.transition?.patch) postPatchCallback(k, patch, object, 'COMING');
  }
  return 0;
}

/** klp_module_going from delete_module: the module's exit has run; revert every listed patch on it. */
export function moduleGoing(k: Kernel, module: ModuleName): void {
  cleanupModulePatches(k, module, undefined, 'GOING');
}
