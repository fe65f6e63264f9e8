/**
 * Queries shared by the shadow-variable properties: which code can still run
 * in a world, and which cleanup the kernel can still run that frees a given
 * shadow variable.
 *
 * "Code that can still run" is exactly the set of function versions that
 * `runnableVersions` returns for every function of every loaded patch target:
 * the top of each func_stack, and during a transition the other side too.
 */
import type { Code, ObjectRef, Statement } from '../model/code.ts';
import { shadowFrees, shadowIdsUsed } from '../model/code.ts';
import type { CallbackName, ObjectDef, PatchSet } from '../model/definition.ts';
import { findModule, targetFunctions } from '../model/definition.ts';
import type { ModuleName, ObjectName, PatchId } from '../model/ids.ts';
import { VMLINUX, patchModule } from '../model/ids.ts';
import { versionCode as functionVersionCode } from '../model/functions.ts';
import type { FunctionVersion } from '../model/runnable.ts';
import { runnableVersions } from '../model/runnable.ts';
import type { ObjectInstance, PatchInstance, World } from '../model/world.ts';

/** One function version that some task can run now, with the author code it runs. */
export interface RunnableCode {
  readonly object: ObjectName;
  readonly func: string;
  readonly version: FunctionVersion;
  /** Undefined when the version does nothing besides the function's role. */
  readonly code: Code | undefined;
}

/** vmlinux and every loaded target module: the patch targets whose functions tasks can call. */
export function loadedTargets(world: Readonly<World>): ObjectName[] {
  const targets: ObjectName[] = [VMLINUX];
  for (const module of Object.values(world.modules)) {
    if (module.kind === 'target') targets.push(module.name);
  }
  return targets;
}

/**
 * Returns the author code one function version runs: the FuncDef body of the
 * patch's object for a patch's new function, and the target's own body for the
 * original code and for a nop.
 */
export function versionCode(
  set: PatchSet,
  world: Readonly<World>,
  object: ObjectName,
  func: string,
  version: FunctionVersion,
): Code | undefined {
  return functionVersionCode(set, world, object, func, version).code;
}

/** Every function version of every loaded target that some task can run now. */
export function runnableCode(set: PatchSet, world: Readonly<World>): RunnableCode[] {
  const result: RunnableCode[] = [];
  for (const object of loadedTargets(world)) {
    for (const func of targetFunctions(set, object)) {
      for (const version of runnableVersions(world, object, func.name)) {
        result.push({ object, func: func.name, version, code: versionCode(set, world, object, func.name, version) });
      }
    }
  }
  return result;
}

/** The first runnable function version whose code touches shadow id `id` in any branch. */
export function runnableUserOf(set: PatchSet, world: Readonly<World>, id: number): RunnableCode | undefined {
  if (!runnableShadowIds(set, world).has(id)) return undefined;
  return runnableCode(set, world).find((runnable) => shadowIdsUsed(runnable.code).has(id));
}

/**
 * Shadow ids of the runnable code of each world a property looked up. A world
 * never changes once a step has returned it, so a cached set stays valid.
 */
const runnableIdsByWorld = new WeakMap<Readonly<World>, { readonly set: PatchSet; readonly ids: ReadonlySet<number> }>();

/** Collects the shadow ids that some runnable function version touches, in any branch. */
export function runnableShadowIds(set: PatchSet, world: Readonly<World>): ReadonlySet<number> {
  const known = runnableIdsByWorld.get(world);
  if (known?.set === set) return known.ids;
  const ids = new Set<number>();
  for (const runnable of runnableCode(set, world)) {
    for (const id of shadowIdsUsed(runnable.code)) ids.add(id);
  }
  runnableIdsByWorld.set(world, { set, ids });
  return ids;
}

/** Tells whether a shadow variable's parent still exists: a live parent object, or a static address outside `parents`. */
export function parentAlive(world: Readonly<World>, obj: string): boolean {
  const parent = world.parents[obj];
  return parent ? parent.alive : true;
}

/** Describes a runnable version for explanations: the function, and the patch whose code it is. */
export function runnableLabel(runnable: RunnableCode, patchName: (patch: PatchId) => string): string {
  const object = runnable.object ?? 'vmlinux';
  if (runnable.version.patch === null) return `${runnable.func} of ${object} (original code)`;
  const owner = patchName(runnable.version.patch);
  if (runnable.version.nop) return `${runnable.func} of ${object} (nop of ${owner}, original code)`;
  return `${runnable.func} of ${object} as patched by ${owner}`;
}

/** Returns the livepatch ObjectDef behind an object instance, or undefined for dynamic nop objects. */
export function objectDefOf(set: PatchSet, patch: PatchInstance, object: ObjectInstance): ObjectDef | undefined {
  if (object.dynamic) return undefined;
  const def = findModule(set, patch.module);
  return def?.kind === 'livepatch' ? def.objects[object.defIndex] : undefined;
}

/**
 * Returns the callbacks an object of a patch defines. While the patch still
 * has its objects, the object instance gives the definition index. After
 * klp_free_objects the first object of that name in the definition is used,
 * because klp_module_coming also takes the first object named after a module.
 */
export function objectCallbacks(
  set: PatchSet,
  worlds: readonly Readonly<World>[],
  patch: PatchId,
  object: ObjectName,
): Partial<Record<CallbackName, Code>> {
  for (const world of worlds) {
    const instance = world.patches[patch];
    const objectInstance = instance?.objects.find((o) => !o.dynamic && o.name === object);
    if (instance && objectInstance) return objectDefOf(set, instance, objectInstance)?.callbacks ?? {};
  }
  const def = findModule(set, patchModule(patch));
  if (def?.kind !== 'livepatch') return {};
  return def.objects.find((o) => o.name === object)?.callbacks ?? {};
}

/** A cleanup the kernel can still run that frees a shadow variable. */
export type Cleanup =
  | { readonly kind: 'callback'; readonly patch: PatchId; readonly object: ObjectName; readonly callback: CallbackName }
  | { readonly kind: 'exit'; readonly module: ModuleName; readonly via?: string };

/** Tells whether a target module of this name is defined, so that it can be loaded (again). */
function targetCanLoad(set: PatchSet, object: ObjectName): boolean {
  return object !== null && findModule(set, object)?.kind === 'target';
}

/**
 * Whether a callback of a patch's object can still run:
 * - pre_patch only for a module object, when its target module loads (again);
 * - post_patch while the patch is listed, because completing a patching
 *   transition, a reversal of a disable, or a later load of the target module
 *   all run it;
 * - pre_unpatch while the object is patched, or its target module can load again;
 * - post_unpatch while the object's post_unpatch_enabled flag is set, or its
 *   target module can load again.
 * Callbacks of patches that left klp_patches never run again.
 */
export function callbackCanRun(
  set: PatchSet,
  patch: Readonly<PatchInstance>,
  object: Readonly<ObjectInstance>,
  callback: CallbackName,
): boolean {
  if (patch.phase !== 'listed' || object.dynamic) return false;
  const canLoad = targetCanLoad(set, object.name);
  switch (callback) {
    case 'pre_patch':
      return canLoad;
    case 'post_patch':
      return object.name === null || object.loaded || canLoad;
    case 'pre_unpatch':
      return object.patched || canLoad;
    case 'post_unpatch':
      return object.postUnpatchEnabled || canLoad;
  }
}

/**
 * Tells whether a free can hit the shadow variable (obj, id). A `parent`
 * reference frees whichever parent the code runs for, so it counts as a match
 * wherever the parent is unknown.
 */
function freeMatches(free: { id: number; obj: ObjectRef | 'all' }, obj: string, id: number): boolean {
  if (free.id !== id) return false;
  if (free.obj === 'all' || free.obj.kind === 'parent') return true;
  return free.obj.name === obj;
}

/** Tells whether code frees (obj, id) in some branch. */
export function codeFrees(code: Code | undefined, obj: string, id: number): boolean {
  return shadowFrees(code).some((free) => freeMatches(free, obj, id));
}

/** Names of the functions a module exit calls on each of its live parent objects, in any branch. */
function functionsCalledOnEachParent(code: Code | undefined): string[] {
  const names: string[] = [];
  const visit = (stmts: Code | undefined): void => {
    for (const stmt of stmts ?? []) {
      if (stmt.op === 'callOnEachParent') names.push(stmt.func);
      else if (stmt.op === 'if') {
        visit(stmt.then);
        visit(stmt.else);
      } else if (hasOnNull(stmt)) visit(stmt.onNull);
    }
  };
  visit(code);
  return names;
}

function hasOnNull(stmt: Statement): stmt is Extract<Statement, { onNull?: Code }> {
  return (stmt.op === 'shadowAlloc' || stmt.op === 'shadowGetOrAlloc') && stmt.onNull !== undefined;
}

/**
 * Whether a target module's exit frees (obj, id): in its own body, or through a
 * function it calls on each live parent it owns. That function runs in whatever
 * version is runnable now, because the kernel reverts a patch from a module
 * only after the module's exit has returned.
 */
function targetExitFrees(set: PatchSet, world: Readonly<World>, module: ModuleName, obj: string, id: number): string | false {
  const def = findModule(set, module);
  if (def?.kind !== 'target') return false;
  if (codeFrees(def.exit, obj, id)) return 'body';
  const parent = world.parents[obj];
  if (!parent?.alive || parent.owner !== module) return false;
  for (const name of functionsCalledOnEachParent(def.exit)) {
    if (!def.functions.some((f) => f.name === name)) continue;
    for (const version of runnableVersions(world, module, name)) {
      if (codeFrees(versionCode(set, world, module, name, version), obj, id)) return name;
    }
  }
  return false;
}

/**
 * Finds a cleanup the kernel can still run that frees the shadow variable
 * (obj, id), or returns undefined when none exists. Cleanups are searched in
 * this order:
 * - a callback of a listed patch that can still run (see `callbackCanRun`);
 * - the module_exit of a loaded livepatch module whose patch is not forced,
 *   because a forced patch never gives back its module reference and rmmod
 *   of its module never succeeds;
 * - the exit of a loaded target module.
 */
export function cleanupFreeing(set: PatchSet, world: Readonly<World>, obj: string, id: number): Cleanup | undefined {
  for (const patchId of world.klpPatches) {
    const patch = world.patches[patchId];
    if (!patch) continue;
    for (const object of patch.objects) {
      const callbacks = objectDefOf(set, patch, object)?.callbacks ?? {};
      for (const [callback, code] of Object.entries(callbacks) as [CallbackName, Code][]) {
        if (codeFrees(code, obj, id) && callbackCanRun(set, patch, object, callback)) {
          return { kind: 'callback', patch: patchId, object: object.name, callback };
        }
      }
    }
  }
  return exitCleanupFreeing(set, world, obj, id);
}

/**
 * Finds a module exit the kernel can still run that frees the shadow variable
 * (obj, id): the module_exit of a loaded livepatch module whose patch is not
 * forced, or the exit of a loaded target module. Both designs run these.
 */
export function exitCleanupFreeing(set: PatchSet, world: Readonly<World>, obj: string, id: number): Cleanup | undefined {
  for (const module of Object.values(world.modules)) {
    if (module.kind === 'livepatch') {
      const patch = module.patch ? world.patches[module.patch] : undefined;
      const def = findModule(set, module.name);
      if (patch?.forced || def?.kind !== 'livepatch') continue;
      if (codeFrees(def.exit, obj, id)) return { kind: 'exit', module: module.name };
    } else {
      const via = targetExitFrees(set, world, module.name, obj, id);
      if (via === 'body') return { kind: 'exit', module: module.name };
      if (via) return { kind: 'exit', module: module.name, via };
    }
  }
  return undefined;
}
