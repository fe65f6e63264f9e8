/**
 * Patch and module definitions: the static input of a run. A patch set holds
 * the livepatch modules, the target modules and the vmlinux functions that one
 * scenario can load and call. Definitions never change while a run goes on;
 * the world refers to them by module name.
 */
import type { Code, ShadowCtor, ShadowDtor } from './code.ts';
import type { ModuleName, ObjectName } from './ids.ts';

export type CallbackName = 'pre_patch' | 'post_patch' | 'pre_unpatch' | 'post_unpatch';
export const CALLBACK_NAMES: readonly CallbackName[] = ['pre_patch', 'post_patch', 'pre_unpatch', 'post_unpatch'];

export interface ParamDef {
  readonly name: string;
  readonly type: 'int' | 'bool';
  readonly default: number;
  /** Mode allows writes through /sys/module/<m>/parameters/<name> at run time. */
  readonly writable: boolean;
  /**
   * A custom set handler (module_param_cb): runs on each write through sysfs,
   * before the value is stored. The condition `written` tests the new value
   * and `param` still reads the old one. A non-zero return rejects the write
   * with that errno and keeps the old value. Values given at insmod do not run
   * it; a module's init reads them instead.
   */
  readonly onWrite?: { readonly handler: string; readonly body: Code };
}

export interface FuncDef {
  readonly oldName: string;
  /** old_sympos; 0 means the symbol must be unique. */
  readonly sympos?: number;
  /** Code of the new function, run besides the original function's role. */
  readonly body?: Code;
}

export interface ObjectDef {
  /** null for vmlinux, otherwise the target module name. */
  readonly name: ObjectName;
  readonly funcs: readonly FuncDef[];
  /** Per-object callbacks of the current API. */
  readonly callbacks?: Partial<Record<CallbackName, Code>>;
}

/**
 * struct klp_state. The current API reads id and version; the proposed redesign
 * reads id, its callbacks, block_disable, is_shadow and shadow_dtor and has no
 * version. Each model ignores the fields of the other design.
 */
export interface StateDef {
  readonly id: number;
  readonly version: number;
  /** Redesign: the state cannot be removed (no sysfs disable, no replace by a patch lacking it). */
  readonly blockDisable?: boolean | { readonly param: string };
  /** Redesign: shadow variables with this id belong to the state and are freed when it is removed. */
  readonly isShadow?: boolean;
  /** Redesign: per-state callbacks, called with (patch, state). */
  readonly callbacks?: Partial<Record<CallbackName, Code>>;
  /** Redesign: name of a dtor in the module's dtors, passed to klp_shadow_free_all. */
  readonly shadowDtor?: string;
  /** The entry exists only when this module parameter is non-zero (states built at init from parameters). */
  readonly whenParam?: string;
  /** The entry is dropped when this module parameter is non-zero. */
  readonly unlessParam?: string;
}

/**
 * How closely a definition follows the documented author practice. Reports use it to
 * tell an API flaw (violated with best-practice authors only) from an author error.
 * 'best-practice' means the practice documented for the design the patch is
 * written for, and the other values name one deviation each.
 */
export type Practice =
  | 'best-practice'
  | 'no-state'
  | 'exit-frees-shadows'
  | 'ignores-prev-state'
  | 'callbacks-on-module-object'
  | 'kernel-module'
  | RedesignDeviation
  /**
   * A current-API best-practice module translated to the redesign by
   * model/translate.ts: it follows the documented practice of neither design.
   */
  | 'translated';

/**
 * Deviations of redesign authors that reviewers of the v1 series worried
 * about: a state id whose callbacks or flags differ from another patch's
 * entry of the same id, one id listed twice in one patch's states[], and
 * code that uses a shadow id for which the patch declares no state.
 */
export type RedesignDeviation = 'inconsistent-shared-state' | 'duplicate-state-id' | 'undeclared-shadow-id';

export interface PatchModuleDef {
  readonly kind: 'livepatch';
  readonly name: ModuleName;
  /** patch.replace, fixed or copied from an int module parameter at init. */
  readonly replace: boolean | { readonly param: string };
  readonly params?: readonly ParamDef[];
  readonly objects: readonly ObjectDef[];
  readonly states?: readonly StateDef[];
  /** module_exit; livepatch modules run it only at rmmod, after the patch was freed. */
  readonly exit?: Code;
  readonly ctors?: Readonly<Record<string, ShadowCtor>>;
  readonly dtors?: Readonly<Record<string, ShadowDtor>>;
  readonly practice: Practice;
  /** A line naming where the definition comes from, for reports. */
  readonly source: string;
  /** Text printk uses as prefix; defaults to `<module>: `. Empty for modules without pr_fmt. */
  readonly printPrefix?: string;
}

/** The part a function plays for its parent object, as its callers rely on it. */
export type FuncRole = 'create' | 'use' | 'release';

export interface TargetFuncDef {
  readonly name: string;
  readonly role: FuncRole;
  /** Code of the original function, run besides its role. */
  readonly body?: Code;
}

/** A module that is not a livepatch: a patch target or a plain test module. */
export interface TargetModuleDef {
  readonly kind: 'target';
  readonly name: ModuleName;
  readonly params?: readonly ParamDef[];
  readonly functions: readonly TargetFuncDef[];
  readonly init?: Code;
  readonly exit?: Code;
  readonly ctors?: Readonly<Record<string, ShadowCtor>>;
  readonly dtors?: Readonly<Record<string, ShadowDtor>>;
  readonly source: string;
  readonly printPrefix?: string;
}

export type ModuleDef = PatchModuleDef | TargetModuleDef;

/** Everything one scenario can load: its modules and the patchable vmlinux functions. */
export interface PatchSet {
  readonly name: string;
  readonly description?: string;
  readonly modules: readonly ModuleDef[];
  readonly vmlinuxFunctions: readonly TargetFuncDef[];
  /** System variables that author code changes, with their boot values. */
  readonly systemVariables: Readonly<Record<string, number>>;
}

/** Modules of a set by name, the first of each name; rebuilt when the module list is replaced or grows. */
const moduleIndexes = new WeakMap<PatchSet, { readonly modules: readonly ModuleDef[]; readonly length: number; readonly byName: Map<string, ModuleDef> }>();

export function findModule(set: PatchSet, name: string): ModuleDef | undefined {
  let index = moduleIndexes.get(set);
  if (!index || index.modules !== set.modules || index.length !== set.modules.length) {
    const byName = new Map<string, ModuleDef>();
    for (const module of set.modules) if (!byName.has(module.name)) byName.set(module.name, module);
    index = { modules: set.modules, length: set.modules.length, byName };
    moduleIndexes.set(set, index);
  }
  return index.byName.get(name);
}

export function patchModules(set: PatchSet): PatchModuleDef[] {
  return set.modules.filter((m): m is PatchModuleDef => m.kind === 'livepatch');
}

export function targetModules(set: PatchSet): TargetModuleDef[] {
  return set.modules.filter((m): m is TargetModuleDef => m.kind === 'target');
}

/** Functions of a patch target: vmlinux's from the patch set, or a target module's own. */
export function targetFunctions(set: PatchSet, object: ObjectName): readonly TargetFuncDef[] {
  if (object === null) return set.vmlinuxFunctions;
  const def = findModule(set, object);
  return def?.kind === 'target' ? def.functions : [];
}

export function printPrefix(def: ModuleDef): string {
  return def.printPrefix ?? `${def.name}: `;
}
