/**
 * The kernel world shared by both designs: the klp_patches list, the single
 * transition, loaded modules, ftrace function stacks, the shadow table, system
 * variables changed by author code, heap buffers and the parent objects that
 * shadow variables attach to. Worlds are plain data; a step never mutates its
 * input world (see `cloneWorld`).
 */
import type { BufferId, ModuleName, ObjectName, PatchId } from './ids.ts';
import type { PatchSet } from './definition.ts';

export type TransitionTarget = 'patched' | 'unpatched';

export interface FuncInstance {
  readonly oldName: string;
  readonly sympos: number;
  /** Added by atomic replace: runs the original code. */
  readonly nop: boolean;
  /** Index of the func in its FuncDef list; -1 for nops. */
  readonly defIndex: number;
  patched: boolean;
  /** func->transition: the ftrace handler consults the task's patch state. */
  transition: boolean;
}

export interface ObjectInstance {
  readonly name: ObjectName;
  /** Allocated by klp_add_nops; has no callbacks. */
  readonly dynamic: boolean;
  /** Index in the patch definition's objects, or -1 for dynamic objects. */
  readonly defIndex: number;
  funcs: FuncInstance[];
  /** obj->mod is set (module objects) or the object is vmlinux: klp_is_object_loaded(). */
  loaded: boolean;
  patched: boolean;
  /** callbacks.post_unpatch_enabled, kept by the core's pre_patch wrapper. */
  postUnpatchEnabled: boolean;
}

export interface StateInstance {
  readonly id: number;
  readonly version: number;
  /** klp_state.data; the author's code sets it. */
  data: BufferId | null;
  /** Redesign: block_disable as the module's init set it. */
  readonly blockDisable: boolean;
  /** Redesign: is_shadow. */
  readonly isShadow: boolean;
  /** Redesign: callbacks.pre_patch_succeeded, kept by the core. */
  prePatchSucceeded: boolean;
  /** Index of the entry in the module definition's states, so that an id listed twice keeps both entries apart. */
  readonly defIndex: number;
}

/**
 * Life stage of a patch. 'listed': on klp_patches. 'freeing': unlinked, with the
 * free work pending, so the sysfs directory and the module reference remain.
 * 'released': the free work ran (module_put unless forced). 'failed':
 * klp_enable_patch returned an error.
 */
export type PatchPhase = 'listed' | 'freeing' | 'released' | 'failed';

export interface PatchInstance {
  readonly id: PatchId;
  readonly module: ModuleName;
  readonly replace: boolean;
  /** Position in the order of klp_enable_patch calls that reached the list. */
  enableOrder: number;
  enabled: boolean;
  forced: boolean;
  phase: PatchPhase;
  /** obj_list: static objects in array order, then dynamic nop objects. Emptied by klp_free_objects. */
  objects: ObjectInstance[];
  states: StateInstance[];
}

export interface LoadedModule {
  readonly name: ModuleName;
  readonly kind: 'livepatch' | 'target';
  params: Record<string, number>;
  /** The patch this livepatch module carries. */
  readonly patch?: PatchId;
  /** Pointer numbering of the test_klp_shadow_vars wrappers (module-local memory). */
  pointerIds: string[];
}

export interface Transition {
  readonly patch: PatchId;
  target: TransitionTarget;
  /** Every task reached the target by force; only the target side of each function still runs. */
  allTasksSwitched: boolean;
}

/** One entry on an ftrace func_stack: func `func` of object `object` of a patch. */
export interface FuncStackEntry {
  readonly patch: PatchId;
  readonly object: number;
  readonly func: number;
}

export interface ShadowEntry {
  readonly obj: string;
  readonly id: number;
  /** Pointer to the shadow data. */
  readonly data: string;
  /**
   * Content of the data: a pointer name stored by the constructor, a text or
   * number written by author code, or null when zeroed.
   */
  value: string | null;
}

export interface SystemVariable {
  value: number;
  readonly original: number;
  /** The klp_state (id and version of the changing patch's own entry) a change was made under. */
  changedBy: { readonly patch: PatchId; readonly id: number | null; readonly version: number | null } | null;
}

export interface HeapBuffer {
  readonly allocatedBy: PatchId;
  freed: boolean;
  /** Saved system variable value, if any. */
  value: number | null;
}

export interface ParentObject {
  /** The patch target whose functions create and release the object. */
  readonly owner: ObjectName;
  alive: boolean;
}

export interface World {
  /** Loads per module, for patch ids. */
  loads: Record<string, number>;
  /** Counters for names of new pointers and buffers, so that names are deterministic. */
  nextPointer: number;
  enableCount: number;
  patches: Record<string, PatchInstance>;
  klpPatches: PatchId[];
  transition: Transition | null;
  modules: Record<string, LoadedModule>;
  funcStacks: Record<string, FuncStackEntry[]>;
  shadows: ShadowEntry[];
  systemVariables: Record<string, SystemVariable>;
  buffers: Record<string, HeapBuffer>;
  parents: Record<string, ParentObject>;
  /** Sites whose WARN_ON_ONCE already fired. */
  warnedOnce: string[];
  /** Redesign only: klp_states_pre_unpatch_replaced_called. */
  preUnpatchReplacedCalled: boolean;
}

export function initialWorld(set: PatchSet): World {
  const systemVariables: Record<string, SystemVariable> = {};
  for (const [name, value] of Object.entries(set.systemVariables)) {
    systemVariables[name] = { value, original: value, changedBy: null };
  }
  return {
    loads: {},
    nextPointer: 1,
    enableCount: 0,
    patches: {},
    klpPatches: [],
    transition: null,
    modules: {},
    funcStacks: {},
    shadows: [],
    systemVariables,
    buffers: {},
    parents: {},
    warnedOnce: [],
    preUnpatchReplacedCalled: false,
  };
}

function mapRecord<T>(record: Readonly<Record<string, T>>, copy: (value: T) => T): Record<string, T> {
  const result: Record<string, T> = {};
  for (const key in record) result[key] = copy(record[key] as T);
  return result;
}

function cloneFunc(func: Readonly<FuncInstance>): FuncInstance {
  return {
    oldName: func.oldName,
    sympos: func.sympos,
    nop: func.nop,
    defIndex: func.defIndex,
    patched: func.patched,
    transition: func.transition,
  };
}

function cloneObject(object: Readonly<ObjectInstance>): ObjectInstance {
  const funcs: FuncInstance[] = [];
  for (const func of object.funcs) funcs.push(cloneFunc(func));
  return {
    name: object.name,
    dynamic: object.dynamic,
    defIndex: object.defIndex,
    funcs,
    loaded: object.loaded,
    patched: object.patched,
    postUnpatchEnabled: object.postUnpatchEnabled,
  };
}

function clonePatch(patch: Readonly<PatchInstance>): PatchInstance {
  const objects: ObjectInstance[] = [];
  for (const object of patch.objects) objects.push(cloneObject(object));
  const states: StateInstance[] = [];
  for (const state of patch.states) states.push({ ...state });
  return {
    id: patch.id,
    module: patch.module,
    replace: patch.replace,
    enableOrder: patch.enableOrder,
    enabled: patch.enabled,
    forced: patch.forced,
    phase: patch.phase,
    objects,
    states,
  };
}

function cloneModule(module: Readonly<LoadedModule>): LoadedModule {
  const params = { ...module.params };
  const pointerIds = [...module.pointerIds];
  // An optional field stays absent, so that a copy compares equal to its original.
  if (module.patch === undefined) return { name: module.name, kind: module.kind, params, pointerIds };
  return { name: module.name, kind: module.kind, params, pointerIds, patch: module.patch };
}

/**
 * Deep copy of a world; steps mutate the copy and return it. Written out field
 * by field because structuredClone took a fifth of the explorer's CPU time.
 * Objects whose fields are all readonly (func_stack entries, the klp_state a
 * system variable was changed under) are shared, not copied.
 * A new nested field of World needs a line here, and test/explore.test.ts
 * fails while the copy shares a mutable object with the original.
 */
export function cloneWorld(world: Readonly<World>): World {
  return {
    loads: { ...world.loads },
    nextPointer: world.nextPointer,
    enableCount: world.enableCount,
    patches: mapRecord(world.patches, clonePatch),
    klpPatches: [...world.klpPatches],
    transition: world.transition ? { ...world.transition } : null,
    modules: mapRecord(world.modules, cloneModule),
    funcStacks: mapRecord(world.funcStacks, (stack) => [...stack]),
    shadows: world.shadows.map((entry) => ({ ...entry })),
    systemVariables: mapRecord(world.systemVariables, (variable) => ({ ...variable })),
    buffers: mapRecord(world.buffers, (buffer) => ({ ...buffer })),
    parents: mapRecord(world.parents, (parent) => ({ ...parent })),
    warnedOnce: [...world.warnedOnce],
    preUnpatchReplacedCalled: world.preUnpatchReplacedCalled,
  };
}

/** Returns the patch instance a loaded livepatch module carries, or undefined. */
export function patchOfModule(world: Readonly<World>, module: string): PatchInstance | undefined {
  const loaded = world.modules[module];
  return loaded?.patch ? world.patches[loaded.patch] : undefined;
}

/** Returns the patch instance whose sysfs directory /sys/kernel/livepatch/<module> exists, or undefined. */
export function patchWithSysfsDir(world: Readonly<World>, module: string): PatchInstance | undefined {
  const patch = patchOfModule(world, module);
  return patch && (patch.phase === 'listed' || patch.phase === 'freeing') ? patch : undefined;
}

export function isTargetLoaded(world: Readonly<World>, object: ObjectName): boolean {
  return object === null || world.modules[object]?.kind === 'target';
}

/** Key of the ftrace ops of a function: the object and the symbol, with sympos 0 and 1 naming one address. */
export function funcKey(object: ObjectName, oldName: string, sympos: number): string {
  return `${object ?? 'vmlinux'}:${oldName}:${Math.max(sympos, 1)}`;
}
