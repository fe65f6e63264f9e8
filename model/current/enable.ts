/**
 * klp_enable_patch in the current API: the init of a livepatch module.
 * The compatibility check and the busy refusal are separate transitions of the
 * statechart; this file holds the path past both.
 */
import type { PatchModuleDef } from '../definition.ts';
import { ERRNO } from '../errno.ts';
import type { Operation } from '../operations.ts';
import type { Kernel } from '../kernel.ts';
import { emit, message, patchDef, result } from '../kernel.ts';
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
import type { World } from '../world.ts';
import { prePatchCallback } from './callbacks.ts';
import { cancelTransition } from './transition.ts';

type Insmod = Extract<Operation, { type: 'insmod' }>;

/** Loads the module's memory: parameters and (for the shadow wrappers) its pointer numbering. */
export function loadModuleMemory(k: Kernel, def: { name: string; kind: 'livepatch' | 'target' }, params: Record<string, number>, patch?: string): void {
  k.world.modules[def.name] = {
    name: def.name as never,
    kind: def.kind,
    params,
    pointerIds: [],
    ...(patch ? { patch: patch as never } : {}),
  };
}

/** Drops the memory of a module whose load failed, with every pointer stored in it. */
export function dropModuleMemory(k: Kernel, name: string): void {
  delete k.world.modules[name];
}

/**
 * klp_is_patch_compatible: for every state of every listed patch, a replace
 * patch must declare the id, and a declared id needs a version at least as high.
 */
export function isPatchCompatible(world: Readonly<World>, def: PatchModuleDef, params: Readonly<Record<string, number>>): boolean {
  const replace = replaceFlag(def, params);
  const states = declaredStates(def, params);
  for (const id of world.klpPatches) {
    for (const state of world.patches[id]?.states ?? []) {
      const mine = states.find((s) => s.id === state.id);
      if (!mine) {
        if (replace) return false;
      } else if (mine.version < state.version) {
        return false;
      }
    }
  }
  return true;
}

/** Creates, initialises and lists the patch of an insmod, as klp_init_patch does. */
function initPatch(k: Kernel, op: Insmod) {
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
 * A livepatch loaded while another transition runs: klp_init_patch succeeds, then
 * __klp_enable_patch returns -EBUSY and the patch is torn down again, with no
 * message and no callback.
 */
export function enablePatchBusy(k: Kernel, op: Insmod): void {
  const patch = initPatch(k, op);
  freePatchStart(k, patch, 'failed');
  dropModuleMemory(k, op.module);
  result(k, -ERRNO.EBUSY);
}

/**
 * klp_enable_patch past the checks: init and list the patch, print "enabling
 * patch", init the transition, then for each loaded object in obj_list order run
 * pre_patch and patch the object. A failing pre_patch cancels the transition
 * (post_unpatch runs for the objects whose pre_patch succeeded), frees the patch
 * and fails the module load with the callback's error.
 */
export function enablePatch(k: Kernel, op: Insmod): void {
  const patch = initPatch(k, op);
  message(k, { msg: 'enabling', patch: patch.id });
  initTransition(k, patch, 'patched');

  let error = 0;
  for (const [index, object] of patch.objects.entries()) {
    if (!object.loaded) continue;
    error = prePatchCallback(k, patch, object, 'LIVE');
    if (error !== 0) {
      message(k, { msg: 'prePatchFailed', object: object.name });
      break;
    }
    patchObject(k, patch, index);
  }

  if (error !== 0) {
    message(k, { msg: 'enableFailed', patch: patch.id });
    cancelTransition(k);
    freePatchStart(k, patch, 'failed');
    dropModuleMemory(k, op.module);
    result(k, error);
    return;
  }

  startTransition(k);
  patch.enabled = true;
  emit(k, { type: 'module', op: 'loaded', module: patch.module });
  result(k, 0);
}
