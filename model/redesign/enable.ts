/**
 * klp_enable_patch in the redesign: the init of a livepatch module. The
 * compatibility check and the busy refusal are separate transitions of the
 * statechart; this file contains the compatibility rule and the path past both.
 */
import type { PatchModuleDef } from '../definition.ts';
import { emit, message, patchDef, result } from '../kernel.ts';
import type { Kernel } from '../kernel.ts';
import {
  addNops,
  bindObjects,
  declaredStates,
  freePatchStart,
  listPatch,
  moduleParams,
  newPatchInstance,
  patchObject,
  replaceFlag,
} from '../klp/patch.ts';
import { initTransition, startTransition } from '../klp/transition.ts';
import type { Operation } from '../operations.ts';
import type { PatchInstance, World } from '../world.ts';
import { dropModuleMemory, loadModuleMemory } from '../current/enable.ts';
import { statesPrePatch, statesPreUnpatchReplaced } from './states.ts';
import { cancelTransition } from './transition.ts';

type Insmod = Extract<Operation, { type: 'insmod' }>;

/**
 * klp_is_patch_compatible() of the redesign: a non-replace patch always is.
 * A replace patch is not when some listed patch has a block_disable state
 * whose id the new patch lacks. Versions play no part, and neither do the new
 * patch's own block_disable values.
 */
export function isPatchCompatible(world: Readonly<World>, def: PatchModuleDef, params: Readonly<Record<string, number>>): boolean {
  if (!replaceFlag(def, params)) return true;
  const carried = new Set(declaredStates(def, params).map((s) => s.id));
  for (const id of world.klpPatches) {
    for (const state of world.patches[id]?.states ?? []) {
      if (state.blockDisable && !carried.has(state.id)) return false;
    }
  }
  return true;
}

/** Creates, initialises and lists the patch of an insmod, as klp_init_patch does. */
function initPatch(k: Kernel, op: Insmod): PatchInstance {
  const def = patchDef(k.set, op.module as never);
  const params = moduleParams(def, op.params);
  const patch = newPatchInstance(k, def, params);
  loadModuleMemory(k, def, params, patch.id);
  if (patch.replace) addNops(k, patch);
  bindObjects(k, patch);
  listPatch(k, patch);
  return patch;
}

/**
 * __klp_enable_patch() of the redesign once no transition runs: print
 * "enabling patch", init the transition, run klp_states_pre_patch, then for a
 * replace patch the pre_unpatch of the patches it removes, and patch every
 * loaded object. A failing pre_patch cancels the transition (post_unpatch
 * runs for the states whose pre_patch succeeded), frees the patch and fails
 * the module load with the callback's error. Unlike mainline, no "pre-patch
 * callback failed" line is printed.
 */
export function enablePatch(k: Kernel, op: Insmod): void {
  const patch = initPatch(k, op);
  message(k, { msg: 'enabling', patch: patch.id });
  initTransition(k, patch, 'patched');

  const error = statesPrePatch(k, patch);
  if (error !== 0) {
    message(k, { msg: 'enableFailed', patch: patch.id });
    cancelTransition(k);
    freePatchStart(k, patch, 'failed');
    dropModuleMemory(k, op.module);
    result(k, error);
    return;
  }

  if (patch.replace) statesPreUnpatchReplaced(k, patch);
  // patchObject has no failure path, so the kernel's error path after this point is not reachable here.
  patch.objects.forEach((object, index) => {
    if (object.loaded) patchObject(k, patch, index);
  });

  startTransition(k);
  patch.enabled = true;
  emit(k, { type: 'module', op: 'loaded', module: patch.module });
  result(k, 0);
}
