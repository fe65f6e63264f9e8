/**
 * The module notifier of the redesign (klp_module_coming and
 * klp_module_going). Target modules that load or unload while patches are
 * listed are patched and unpatched as in mainline, with the same notices.
 * No callback runs, so a module load is never refused.
 */
import type { ModuleName } from '../ids.ts';
import type { Kernel } from '../kernel.ts';
import { message, patchOf } from '../kernel.ts';
import type { Notifier } from '../klp/modules.ts';
import { patchObject, unpatchObject } from '../klp/patch.ts';
import type { PatchInstance } from '../world.ts';

function objectFor(patch: PatchInstance, module: ModuleName): number {
  return patch.objects.findIndex((o) => o.name === module);
}

/**
 * klp_module_coming: for every listed patch, oldest first, with an object for
 * the module: bind it, print "applying patch" and patch the object. Always
 * returns 0.
 */
export function moduleComing(k: Kernel, module: ModuleName): number {
  for (const id of k.world.klpPatches) {
    const patch = patchOf(k, id);
    const index = objectFor(patch, module);
    const object = patch.objects[index];
    if (!object) continue;
    object.loaded = true;
    message(k, { msg: 'applying', patch: patch.id, module });
    patchObject(k, patch, index);
  }
  return 0;
}

/**
 * klp_module_going from delete_module, after the module's exit ran: every
 * listed patch with an object for the module prints "reverting patch",
 * unpatches it, and the object is unbound from its module.
 */
export function moduleGoing(k: Kernel, module: ModuleName): void {
  for (const id of k.world.klpPatches) {
    const patch = patchOf(k, id);
    const index = objectFor(patch, module);
    const object = patch.objects[index];
    if (!object) continue;
    message(k, { msg: 'reverting', patch: patch.id, module });
    unpatchObject(k, patch, index);
    object.loaded = false;
  }
}

export const REDESIGN_NOTIFIER: Notifier = { coming: moduleComing, going: moduleGoing };
