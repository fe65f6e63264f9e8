/**
 * Random patch sets for property runs: one to four generated livepatch
 * modules over vmlinux and one or two generated target modules, with shadow
 * variables, system changes under klp_states and, sometimes, a failing
 * pre_patch. Most patches are written by best-practice authors (authors.ts);
 * the others deviate in one tagged way.
 *
 * The arbitrary draws a small plan of flags and numbers and maps it to a
 * PatchSet, so fast-check shrinks the plan: fewer patches, fewer ids, fewer
 * patched functions, and practices toward best-practice.
 */
import fc from 'fast-check';
import { shadowIdsUsed } from '../model/code.ts';
import type { Code } from '../model/code.ts';
import type {
  FuncRole,
  ModuleDef,
  PatchModuleDef,
  PatchSet,
  StateDef,
  TargetFuncDef,
  TargetModuleDef,
} from '../model/definition.ts';
import { CALLBACK_NAMES, patchModules, targetModules } from '../model/definition.ts';
import { ERRNO } from '../model/errno.ts';
import type { ModuleName, ObjectName } from '../model/ids.ts';
import { moduleName, objectLabel } from '../model/ids.ts';
import type { AuthorPractice, ObjectIntent, PatchIntent, ShadowUse, SystemChange } from './authors.ts';
import { AUTHOR_PRACTICES, PRE_PATCH_RET_PARAM, writePatch } from './authors.ts';

/** Names of the generated target modules. A set with one target uses the first. */
export const TARGET_MODULE_NAMES = ['klp_target_1', 'klp_target_2'] as const;
/** Ids of klp_states under which generated patches change system variables. */
export const SYSTEM_STATE_IDS = [1, 2, 3] as const;
/** Ids of generated shadow variables. Best-practice authors declare a klp_state with the same id. */
export const SHADOW_IDS = [0x10, 0x11, 0x12] as const;
export const MAX_PATCHES = 4;

const ROLES: readonly FuncRole[] = ['create', 'use', 'release'];
const FUNCTION_SUFFIX: Record<FuncRole, string> = { create: 'obj_alloc', use: 'obj_use', release: 'obj_free' };

/** Name of the system variable that patches change under state `id`. */
export function systemVariableName(id: number): string {
  return `sysctl_state_${id}`;
}

/** Name of the n-th generated livepatch module (0-based): klp_gen_a, klp_gen_b, ... */
export function generatedPatchName(index: number): ModuleName {
  return moduleName(`klp_gen_${String.fromCharCode('a'.charCodeAt(0) + index)}`);
}

/** Names the create, use and release functions of a target with `prefix`. */
function objectFunctions(prefix: string): TargetFuncDef[] {
  return ROLES.map((role) => ({ name: `${prefix}_${FUNCTION_SUFFIX[role]}`, role }));
}

export const VMLINUX_FUNCTIONS: readonly TargetFuncDef[] = objectFunctions('vm');

/** Builds a generated target module: its three functions, and an exit that releases every live parent it owns. */
export function generatedTarget(name: string): TargetModuleDef {
  const functions = objectFunctions(name);
  const release = functions.find((f) => f.role === 'release');
  return {
    kind: 'target',
    name: moduleName(name),
    functions,
    exit: release ? [{ op: 'callOnEachParent', func: release.name }] : [],
    source: 'generated target module',
  };
}

// ---------------------------------------------------------------------------
// Plans: what fast-check draws and shrinks

type ReplacePlan = 'no' | 'yes' | 'param-0' | 'param-1';
type AllocationPlan = 'create' | 'use' | 'both';

interface PatchPlan {
  readonly replace: ReplacePlan;
  readonly practice: AuthorPractice;
  /** Per slot of SHADOW_IDS: whether the patch's code uses it, and where it allocates. */
  readonly shadowUse: readonly boolean[];
  readonly allocation: readonly AllocationPlan[];
  /** Per slot of SYSTEM_STATE_IDS: whether the patch makes the change. */
  readonly changes: readonly boolean[];
  /**
   * klp_state versions: SYSTEM_STATE_IDS slots first, then SHADOW_IDS slots.
   * They vary per patch, so loading a patch with a lower version than a
   * listed one is refused as incompatible, as the kernel does.
   */
  readonly versions: readonly number[];
  /** Per target module: whether the patch has an object for it even without functions. */
  readonly moduleObjects: readonly boolean[];
  /** Function slots (object slot * 3 + role index) patched without shadow code. */
  readonly plainFuncs: readonly number[];
  readonly prePatchRet: number | undefined;
}

interface SetPlan {
  readonly targetCount: number;
  readonly stateIds: readonly number[];
  readonly shadowIds: readonly number[];
  /** Per slot of SHADOW_IDS: object slot of its parents (0 vmlinux, i for target i), modulo the targets. */
  readonly shadowHomes: readonly number[];
  /** Per slot of SYSTEM_STATE_IDS: the value patches set. */
  readonly values: readonly number[];
  readonly patches: readonly PatchPlan[];
}

export interface PatchSetOptions {
  /** Maximum number of livepatch modules, 1 to 4 (default 4). */
  readonly maxPatches?: number;
  /** Practices authors are drawn from (default all). Best-practice, when present, is drawn most often. */
  readonly practices?: readonly AuthorPractice[];
}

/** Weight of best-practice authors against the weight 1 of each deviation. */
const BEST_PRACTICE_WEIGHT = 8;

function practiceArbitrary(practices: readonly AuthorPractice[]): fc.Arbitrary<AuthorPractice> {
  // fast-check shrinks oneof toward its first entry, so best-practice goes first.
  const ordered = [...practices].sort((a, b) => Number(b === 'best-practice') - Number(a === 'best-practice'));
  return fc.oneof(
    ...ordered.map((practice) => ({
      arbitrary: fc.constant(practice),
      weight: practice === 'best-practice' ? BEST_PRACTICE_WEIGHT : 1,
    })),
  );
}

/** Mostly true, shrinking to false. */
const likely = fc.oneof({ arbitrary: fc.constant(false), weight: 1 }, { arbitrary: fc.constant(true), weight: 3 });

function patchPlanArbitrary(practices: readonly AuthorPractice[]): fc.Arbitrary<PatchPlan> {
  const slots = <T>(arb: fc.Arbitrary<T>, n: number) => fc.array(arb, { minLength: n, maxLength: n });
  return fc.record({
    replace: fc.constantFrom<ReplacePlan>('no', 'yes', 'param-0', 'param-1'),
    practice: practiceArbitrary(practices),
    shadowUse: slots(likely, SHADOW_IDS.length),
    allocation: slots(fc.constantFrom<AllocationPlan>('create', 'use', 'both'), SHADOW_IDS.length),
    changes: slots(likely, SYSTEM_STATE_IDS.length),
    versions: slots(fc.integer({ min: 1, max: 3 }), SYSTEM_STATE_IDS.length + SHADOW_IDS.length),
    moduleObjects: slots(fc.boolean(), TARGET_MODULE_NAMES.length),
    plainFuncs: fc.subarray([...Array((TARGET_MODULE_NAMES.length + 1) * ROLES.length).keys()], { maxLength: 3 }),
    prePatchRet: fc.oneof(
      { arbitrary: fc.constant(undefined), weight: 3 },
      { arbitrary: fc.constantFrom(0, -ERRNO.ENODEV, -ERRNO.EINVAL), weight: 1 },
    ),
  });
}

function setPlanArbitrary(maxPatches: number, practices: readonly AuthorPractice[]): fc.Arbitrary<SetPlan> {
  return fc.record({
    targetCount: fc.integer({ min: 1, max: TARGET_MODULE_NAMES.length }),
    stateIds: fc.subarray([...SYSTEM_STATE_IDS]),
    shadowIds: fc.subarray([...SHADOW_IDS]),
    shadowHomes: fc.array(fc.nat(TARGET_MODULE_NAMES.length), { minLength: SHADOW_IDS.length, maxLength: SHADOW_IDS.length }),
    values: fc.array(fc.integer({ min: 1, max: 3 }), { minLength: SYSTEM_STATE_IDS.length, maxLength: SYSTEM_STATE_IDS.length }),
    patches: fc.array(patchPlanArbitrary(practices), { minLength: 1, maxLength: maxPatches }),
  });
}

// ---------------------------------------------------------------------------
// From a plan to a patch set

/** The target objects of a set: vmlinux (slot 0) and its target modules (slots 1 and 2). */
interface Targets {
  readonly names: readonly ObjectName[];
  readonly functions: readonly (readonly TargetFuncDef[])[];
}

function targetsOf(plan: SetPlan): Targets {
  const modules = TARGET_MODULE_NAMES.slice(0, plan.targetCount).map((name) => generatedTarget(name));
  return {
    names: [null, ...modules.map((m) => m.name)],
    functions: [VMLINUX_FUNCTIONS, ...modules.map((m) => m.functions)],
  };
}

function hasCallbacks(practice: AuthorPractice): boolean {
  return practice !== 'exit-frees-shadows';
}

function declaresStates(practice: AuthorPractice): boolean {
  return practice === 'best-practice' || practice === 'ignores-prev-state' || practice === 'callbacks-on-module-object';
}

function usedShadowSlots(set: SetPlan, patch: PatchPlan): number[] {
  return SHADOW_IDS.flatMap((id, slot) => (set.shadowIds.includes(id) && patch.shadowUse[slot] ? [slot] : []));
}

function changedStateSlots(set: SetPlan, patch: PatchPlan): number[] {
  if (!hasCallbacks(patch.practice)) return [];
  return SYSTEM_STATE_IDS.flatMap((id, slot) => (set.stateIds.includes(id) && patch.changes[slot] ? [slot] : []));
}

function shadowHome(set: SetPlan, slot: number): number {
  return (set.shadowHomes[slot] ?? 0) % (set.targetCount + 1);
}

function systemChange(set: SetPlan, slot: number): SystemChange {
  const id = SYSTEM_STATE_IDS[slot]!;
  return { variable: systemVariableName(id), value: set.values[slot] ?? 1, stateId: id, bootValue: 0 };
}

function allocateIn(plan: AllocationPlan): ShadowUse['allocateIn'] {
  return plan === 'both' ? ['create', 'use'] : [plan];
}

/** Ids every patch of the family uses or changes: what a cumulative patch must declare. */
interface Family {
  readonly shadowSlots: ReadonlySet<number>;
  readonly stateSlots: ReadonlySet<number>;
}

function familyOf(set: SetPlan): Family {
  return {
    shadowSlots: new Set(set.patches.flatMap((p) => usedShadowSlots(set, p))),
    stateSlots: new Set(set.patches.flatMap((p) => changedStateSlots(set, p))),
  };
}

function objectIntents(set: SetPlan, patch: PatchPlan, targets: Targets, shadowSlots: readonly number[]): ObjectIntent[] {
  const slots = new Set<number>([0]);
  patch.moduleObjects.forEach((wanted, i) => {
    if (wanted && i < set.targetCount) slots.add(i + 1);
  });
  for (const slot of shadowSlots) slots.add(shadowHome(set, slot));
  for (const funcSlot of patch.plainFuncs) {
    const objectSlot = Math.floor(funcSlot / ROLES.length);
    if (objectSlot <= set.targetCount) slots.add(objectSlot);
  }
  if (patch.practice === 'callbacks-on-module-object') slots.add(1);

  return [...slots].sort((a, b) => a - b).map((slot) => {
    const functions = targets.functions[slot] ?? [];
    const plainFuncs = patch.plainFuncs
      .filter((funcSlot) => Math.floor(funcSlot / ROLES.length) === slot)
      .map((funcSlot) => functions[funcSlot % ROLES.length]?.name)
      .filter((name): name is string => name !== undefined);
    return { name: targets.names[slot] ?? null, functions, plainFuncs };
  });
}

function patchIntent(set: SetPlan, family: Family, targets: Targets, patch: PatchPlan, index: number): PatchIntent {
  const shadowSlots = usedShadowSlots(set, patch);
  const cumulative = patch.replace !== 'no' && hasCallbacks(patch.practice);
  // A cumulative patch must declare every state of the patches it replaces.
  // Under system-state.rst a patch declares the states it modifies and takes
  // over the changes of replaced patches. So it makes every change of the
  // family, while its code may drop shadow ids.
  const stateSlots = cumulative ? [...family.stateSlots] : changedStateSlots(set, patch);
  const droppedShadowSlots = cumulative ? [...family.shadowSlots].filter((s) => !shadowSlots.includes(s)) : [];

  const states: StateDef[] = [];
  if (declaresStates(patch.practice)) {
    for (const slot of [...stateSlots].sort((a, b) => a - b)) {
      states.push({ id: SYSTEM_STATE_IDS[slot]!, version: patch.versions[slot] ?? 1 });
    }
    for (const slot of [...shadowSlots, ...droppedShadowSlots].sort((a, b) => a - b)) {
      states.push({ id: SHADOW_IDS[slot]!, version: patch.versions[SYSTEM_STATE_IDS.length + slot] ?? 1 });
    }
  }

  const replace: PatchIntent['replace'] =
    patch.replace === 'no' || patch.replace === 'yes'
      ? patch.replace === 'yes'
      : { paramDefault: patch.replace === 'param-1' ? 1 : 0 };

  return {
    name: generatedPatchName(index),
    replace,
    objects: objectIntents(set, patch, targets, shadowSlots),
    shadows: shadowSlots.map((slot) => ({
      id: SHADOW_IDS[slot]!,
      object: targets.names[shadowHome(set, slot)] ?? null,
      allocateIn: allocateIn(patch.allocation[slot] ?? 'create'),
    })),
    changes: stateSlots.sort((a, b) => a - b).map((slot) => systemChange(set, slot)),
    states,
    droppedShadowIds: droppedShadowSlots.sort((a, b) => a - b).map((slot) => SHADOW_IDS[slot]!),
    ...(patch.prePatchRet !== undefined && hasCallbacks(patch.practice) ? { prePatchRet: patch.prePatchRet } : {}),
  };
}

function patchSetOf(plan: SetPlan): PatchSet {
  const targets = targetsOf(plan);
  const family = familyOf(plan);
  const patches = plan.patches.map((patch, index) =>
    writePatch(patchIntent(plan, family, targets, patch, index), patch.practice),
  );
  const systemVariables: Record<string, number> = {};
  for (const slot of [...family.stateSlots].sort((a, b) => a - b)) {
    systemVariables[systemVariableName(SYSTEM_STATE_IDS[slot]!)] = 0;
  }
  const modules: ModuleDef[] = [
    ...patches,
    ...TARGET_MODULE_NAMES.slice(0, plan.targetCount).map((name) => generatedTarget(name)),
  ];
  const set: PatchSet = { name: 'generated', modules, vmlinuxFunctions: VMLINUX_FUNCTIONS, systemVariables };
  return { ...set, description: describePatchSet(set) };
}

/** Returns an arbitrary of generated patch sets, as the file comment describes. */
export function arbitraryPatchSet(options: PatchSetOptions = {}): fc.Arbitrary<PatchSet> {
  const maxPatches = options.maxPatches ?? MAX_PATCHES;
  if (!Number.isInteger(maxPatches) || maxPatches < 1 || maxPatches > MAX_PATCHES) {
    throw new RangeError(`maxPatches must be an integer from 1 to ${MAX_PATCHES}, got ${maxPatches}`);
  }
  const practices = options.practices ?? AUTHOR_PRACTICES;
  if (practices.length === 0) throw new RangeError('practices must name at least one author practice, got none');
  for (const practice of practices) {
    if (!AUTHOR_PRACTICES.includes(practice)) {
      throw new RangeError(`unknown author practice ${JSON.stringify(practice)}, expected one of ${AUTHOR_PRACTICES.join(', ')}`);
    }
  }
  return setPlanArbitrary(maxPatches, practices).map(patchSetOf);
}

// ---------------------------------------------------------------------------
// Summary

function formatId(id: number): string {
  return id < 10 ? String(id) : `0x${id.toString(16)}`;
}

/** Collects all code of a livepatch module: patched functions, callbacks and module exit. */
function moduleCode(def: PatchModuleDef): Code[] {
  const code: Code[] = [];
  for (const object of def.objects) {
    for (const func of object.funcs) if (func.body) code.push(func.body);
    for (const name of CALLBACK_NAMES) {
      const callback = object.callbacks?.[name];
      if (callback) code.push(callback);
    }
  }
  if (def.exit) code.push(def.exit);
  return code;
}

function describePatch(def: PatchModuleDef): string {
  const parts: string[] = [def.practice];
  const replace = def.replace;
  if (replace === true) parts.push('replace');
  else if (typeof replace === 'object') {
    const param = def.params?.find((p) => p.name === replace.param);
    parts.push(`replace from ${replace.param} (default ${param?.default ?? 0})`);
  }
  if (def.states?.length) parts.push(`states ${def.states.map((s) => `${formatId(s.id)}v${s.version}`).join(',')}`);
  const shadows = new Set<number>();
  for (const code of moduleCode(def)) for (const id of shadowIdsUsed(code)) shadows.add(id);
  if (shadows.size > 0) parts.push(`shadows ${[...shadows].sort((a, b) => a - b).map(formatId).join(',')}`);
  const objects = def.objects.map((o) => `${objectLabel(o.name)}:${o.funcs.length}`);
  parts.push(`objects ${objects.join(',')}`);
  const prePatchRet = def.params?.find((p) => p.name === PRE_PATCH_RET_PARAM);
  if (prePatchRet) parts.push(`${PRE_PATCH_RET_PARAM}=${prePatchRet.default}`);
  return `${def.name} (${parts.join('; ')})`;
}

/**
 * Returns a one-line summary of a patch set: each livepatch module with its
 * practice, replace flag, states, shadow ids and objects (with the number of
 * patched functions), then the target modules and system variables.
 */
export function describePatchSet(set: PatchSet): string {
  const patches = patchModules(set).map(describePatch);
  const targets = targetModules(set).map((t) => t.name);
  const variables = Object.keys(set.systemVariables);
  const parts = [
    `${patches.length} livepatch${patches.length === 1 ? '' : 'es'}: ${patches.join(', ')}`,
    `targets: ${targets.length > 0 ? targets.join(', ') : 'none'}`,
  ];
  if (variables.length > 0) parts.push(`variables: ${variables.join(', ')}`);
  return parts.join('; ');
}
