/**
 * Patch bookkeeping both designs share (kernel/livepatch/core.c and patch.c):
 * creating a patch instance at init, atomic-replace nops, adding and removing
 * funcs on the ftrace func_stacks, and the start of freeing a patch.
 */
import type { PatchModuleDef, StateDef } from '../definition.ts';
import type { Kernel } from '../kernel.ts';
import { emit, patchOf } from '../kernel.ts';
import type { ModuleName, PatchId } from '../ids.ts';
import { patchId } from '../ids.ts';
import type { FuncInstance, ObjectInstance, PatchInstance } from '../world.ts';
import { funcKey, isTargetLoaded } from '../world.ts';

/** Returns the module parameters of a load: the definition's defaults, overridden by those given to insmod. */
export function moduleParams(
  def: { readonly params?: readonly { name: string; default: number }[] },
  given: Readonly<Record<string, number>> | undefined,
): Record<string, number> {
  const params: Record<string, number> = {};
  for (const param of def.params ?? []) params[param.name] = given?.[param.name] ?? param.default;
  return params;
}

/** patch.replace as the module's init sets it, from a fixed value or a module parameter. */
export function replaceFlag(def: PatchModuleDef, params: Readonly<Record<string, number>>): boolean {
  return typeof def.replace === 'boolean' ? def.replace : (params[def.replace.param] ?? 0) !== 0;
}

/** Returns the patch's states[] array as the module's init builds it from its parameters. */
export function declaredStates(def: PatchModuleDef, params: Readonly<Record<string, number>>): StateDef[] {
  const on = (name: string | undefined): boolean => name !== undefined && (params[name] ?? 0) !== 0;
  return (def.states ?? []).filter((s) => (s.whenParam === undefined || on(s.whenParam)) && !on(s.unlessParam));
}

/** klp_init_patch_early and the static part of klp_init_patch: a fresh instance, not yet listed. */
export function newPatchInstance(k: Kernel, def: PatchModuleDef, params: Record<string, number>): PatchInstance {
  const load = (k.world.loads[def.name] ?? 0) + 1;
  k.world.loads[def.name] = load;
  const id = patchId(def.name as ModuleName, load);
  const objects: ObjectInstance[] = def.objects.map((obj, defIndex) => ({
    name: obj.name,
    dynamic: false,
    defIndex,
    funcs: obj.funcs.map((f, funcIndex) => newFunc(f.oldName, f.sympos ?? 0, false, funcIndex)),
    loaded: false,
    patched: false,
    postUnpatchEnabled: false,
  }));
  const patch: PatchInstance = {
    id,
    module: def.name as ModuleName,
    replace: replaceFlag(def, params),
    enableOrder: -1,
    enabled: false,
    forced: false,
    phase: 'failed',
    objects,
    states: declaredStates(def, params).map((s) => ({
        defIndex: (def.states ?? []).indexOf(s),
        id: s.id,
        version: s.version,
        data: null,
        blockDisable: typeof s.blockDisable === 'object' ? (params[s.blockDisable.param] ?? 0) !== 0 : (s.blockDisable ?? false),
        isShadow: s.isShadow ?? false,
        prePatchSucceeded: false,
      })),
  };
  k.world.patches[id] = patch;
  return patch;
}

function newFunc(oldName: string, sympos: number, nop: boolean, defIndex: number): FuncInstance {
  return { oldName, sympos, nop, defIndex, patched: false, transition: false };
}

/** Since v6.19 klp_find_func treats old_sympos 0 and 1 as the same symbol. */
function samePosition(a: number, b: number): boolean {
  return Math.max(a, 1) === Math.max(b, 1);
}

/**
 * klp_add_nops: for every object of every listed patch, make sure the new patch
 * has an object of that name (allocating a dynamic one), and add a nop for every
 * func the new patch's object does not patch itself.
 */
export function addNops(k: Kernel, patch: PatchInstance): void {
  for (const oldId of k.world.klpPatches) {
    for (const oldObject of patchOf(k, oldId).objects) {
      let object = patch.objects.find((o) => o.name === oldObject.name);
      if (!object) {
        object = { name: oldObject.name, dynamic: true, defIndex: -1, funcs: [], loaded: false, patched: false, postUnpatchEnabled: false };
        patch.objects.push(object);
      }
      for (const oldFunc of oldObject.funcs) {
        const found = object.funcs.some((f) => f.oldName === oldFunc.oldName && samePosition(f.sympos, oldFunc.sympos));
        if (!found) object.funcs.push(newFunc(oldFunc.oldName, oldFunc.sympos, true, -1));
      }
    }
  }
}

/** klp_init_object: bind each object to its module if that module is loaded and alive. */
export function bindObjects(k: Kernel, patch: PatchInstance): void {
  for (const object of patch.objects) object.loaded = isTargetLoaded(k.world, object.name);
}

/** klp_patch_object: push every func of the object onto its func_stack. */
export function patchObject(k: Kernel, patch: PatchInstance, index: number): void {
  const object = patch.objects[index];
  if (!object || object.patched) return;
  object.funcs.forEach((func, funcIndex) => {
    if (func.patched) return;
    const key = funcKey(object.name, func.oldName, func.sympos);
    const stack = k.world.funcStacks[key] ?? [];
    k.world.funcStacks[key] = [...stack, { patch: patch.id, object: index, func: funcIndex }];
    func.patched = true;
  });
  object.patched = true;
}

/** __klp_unpatch_object: remove the object's funcs (or only its nops) from their func_stacks. */
export function unpatchObject(k: Kernel, patch: PatchInstance, index: number, nopsOnly = false): void {
  const object = patch.objects[index];
  if (!object) return;
  object.funcs.forEach((func, funcIndex) => {
    if ((nopsOnly && !func.nop) || !func.patched) return;
    const key = funcKey(object.name, func.oldName, func.sympos);
    const stack = (k.world.funcStacks[key] ?? []).filter(
      (e) => !(e.patch === patch.id && e.object === index && e.func === funcIndex),
    );
    if (stack.length > 0) k.world.funcStacks[key] = stack;
    else delete k.world.funcStacks[key];
    func.patched = false;
  });
  if (object.dynamic || !nopsOnly) object.patched = false;
}

/** klp_unpatch_objects: every patched object of the patch. */
export function unpatchObjects(k: Kernel, patch: PatchInstance): void {
  patch.objects.forEach((object, index) => {
    if (object.patched) unpatchObject(k, patch, index);
  });
}

/**
 * klp_discard_nops: unpatch the nop funcs and free them and the dynamic objects.
 * Nops sit after the static funcs of an object and dynamic objects after the
 * static objects, so the remaining indexes on the func_stacks stay valid.
 */
export function discardNops(k: Kernel, patch: PatchInstance): void {
  patch.objects.forEach((_object, index) => unpatchObject(k, patch, index, true));
  patch.objects = patch.objects
    .filter((o) => !o.dynamic)
    .map((o) => ({ ...o, funcs: o.funcs.filter((f) => !f.nop) }));
}

/** Sets func->transition on every func of the patch (klp_init_transition, klp_complete_transition). */
export function setFuncTransition(patch: PatchInstance, value: boolean): void {
  for (const object of patch.objects) for (const func of object.funcs) func.transition = value;
}

/** Appends the patch to klp_patches (the end of klp_init_patch). */
export function listPatch(k: Kernel, patch: PatchInstance): void {
  patch.phase = 'listed';
  patch.enableOrder = k.world.enableCount;
  k.world.enableCount += 1;
  k.world.klpPatches.push(patch.id);
}

/**
 * klp_free_patch_start: unlink the patch from klp_patches and free its objects.
 * The rest of the free (sysfs release, module_put) is left to the free work,
 * unless the enable failed, where it runs at once.
 */
export function freePatchStart(k: Kernel, patch: PatchInstance, phase: 'freeing' | 'failed'): void {
  k.world.klpPatches = k.world.klpPatches.filter((id) => id !== patch.id);
  patch.objects = [];
  patch.phase = phase;
  emit(k, { type: 'patchFreed', patch: patch.id });
}

/** Patches listed before the given one, oldest first. */
export function olderPatches(k: Kernel, id: PatchId): PatchInstance[] {
  const index = k.world.klpPatches.indexOf(id);
  return k.world.klpPatches.slice(0, Math.max(index, 0)).map((p) => patchOf(k, p));
}
