/**
 * Random patch sets written for the proposed redesign: one to four livepatch
 * modules whose klp_states carry the callbacks, own shadow variables
 * (is_shadow) and may block disabling (block_disable). Ids come from small
 * pools, so patches often share a state id, and both replace and non-replace
 * patches occur.
 *
 * A best-practice author follows the lifecycle of the v1 series'
 * documentation (Documentation/livepatch/system-state.rst as rewritten by
 * patch 18/19). pre_patch allocates the state's shadow variable, which may
 * fail and abort the load. post_patch starts using it: it saves the system
 * variable there and makes the change. pre_unpatch stops using it and writes
 * the saved value back. post_unpatch has no extra cleanup to do, because the
 * core frees the state's shadow variables. Every patch that carries an id uses
 * the same definition of that state.
 *
 * The other practices deviate in one way each, as reviewers of the series
 * feared (RedesignDeviation in model/definition.ts).
 */
import fc from 'fast-check';
import type { Code, ObjectRef, Statement } from '../model/code.ts';
import { shadowIdsUsed } from '../model/code.ts';
import type {
  CallbackName,
  FuncDef,
  FuncRole,
  ModuleDef,
  ObjectDef,
  ParamDef,
  PatchModuleDef,
  PatchSet,
  RedesignDeviation,
  StateDef,
  TargetFuncDef,
} from '../model/definition.ts';
import { CALLBACK_NAMES, patchModules, targetModules } from '../model/definition.ts';
import { ERRNO } from '../model/errno.ts';
import type { ObjectName } from '../model/ids.ts';
import { objectLabel } from '../model/ids.ts';
import { PRE_PATCH_RET_PARAM, REPLACE_PARAM } from './authors.ts';
import { canonicalJson } from './counterexample.ts';
import {
  generatedPatchName,
  generatedTarget,
  MAX_PATCHES,
  SHADOW_IDS,
  SYSTEM_STATE_IDS,
  systemVariableName,
  TARGET_MODULE_NAMES,
  VMLINUX_FUNCTIONS,
} from './generate-patch-set.ts';

/** The practices a generated redesign author can follow. */
export type RedesignAuthorPractice = 'best-practice' | RedesignDeviation;

export const REDESIGN_AUTHOR_PRACTICES: readonly RedesignAuthorPractice[] = [
  'best-practice',
  'inconsistent-shared-state',
  'duplicate-state-id',
  'undeclared-shadow-id',
];

/** Name of the set every generated redesign patch set carries. */
export const REDESIGN_GENERATED_SET_NAME = 'redesign-generated';

/** Static object whose shadow variable keeps the saved value of a system variable. */
export function savedValueObject(variable: string): string {
  return `&${variable}`;
}

/** Name of the shadow_dtor of a state in the module's dtors. */
function dtorName(id: number): string {
  return `shadow_dtor_${formatId(id)}`;
}

function formatId(id: number): string {
  return id < 10 ? String(id) : `0x${id.toString(16)}`;
}

// ---------------------------------------------------------------------------
// Plans: what fast-check draws and shrinks

type ReplacePlan = 'no' | 'yes' | 'param-0' | 'param-1';
type AllocationPlan = 'create' | 'use' | 'both';
/** The field an inconsistent-shared-state author changes in its entry of a shared id. */
type Mismatch = 'is_shadow' | 'block_disable' | 'callbacks' | 'shadow_dtor';

interface PatchPlan {
  readonly replace: ReplacePlan;
  readonly practice: RedesignAuthorPractice;
  /** Per slot of SHADOW_IDS: whether the patch's new functions use it, and where they allocate. */
  readonly shadowUse: readonly boolean[];
  readonly allocation: readonly AllocationPlan[];
  /** Per slot of SYSTEM_STATE_IDS: whether the patch makes the change. */
  readonly changes: readonly boolean[];
  /** Per target module: whether the patch has an object for it even without functions. */
  readonly moduleObjects: readonly boolean[];
  /** Function slots (object slot * 3 + role index) patched without shadow code. */
  readonly plainFuncs: readonly number[];
  /** Default of a pre_patch_ret parameter, and the index (modulo the states) of the state whose pre_patch returns it. */
  readonly prePatchRet: number | undefined;
  readonly failAt: number;
  /** Index (modulo the candidates) of the id a deviation applies to. */
  readonly deviationAt: number;
  readonly mismatch: Mismatch;
}

interface SetPlan {
  readonly targetCount: number;
  readonly stateIds: readonly number[];
  readonly shadowIds: readonly number[];
  /** Per slot of SHADOW_IDS: object slot of its parents (0 vmlinux, i for target i), modulo the targets. */
  readonly shadowHomes: readonly number[];
  /** Per slot of SYSTEM_STATE_IDS: the value patches set. */
  readonly values: readonly number[];
  /** Per id, SYSTEM_STATE_IDS slots first: block_disable of the id's shared definition. */
  readonly blockDisable: readonly boolean[];
  /** Per slot of SHADOW_IDS: whether the shared definition has a shadow_dtor. */
  readonly dtors: readonly boolean[];
  readonly patches: readonly PatchPlan[];
}

export interface RedesignPatchSetOptions {
  /** Maximum number of livepatch modules, 1 to 4 (default 4). */
  readonly maxPatches?: number;
  /** Practices authors are drawn from (default all). Best-practice, when present, is drawn most often. */
  readonly practices?: readonly RedesignAuthorPractice[];
}

/** Weight of best-practice authors against the weight 1 of each deviation. */
const BEST_PRACTICE_WEIGHT = 6;

const ROLES: readonly FuncRole[] = ['create', 'use', 'release'];

function practiceArbitrary(practices: readonly RedesignAuthorPractice[]): fc.Arbitrary<RedesignAuthorPractice> {
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
/** Mostly false, shrinking to false. */
const rarely = fc.oneof({ arbitrary: fc.constant(false), weight: 3 }, { arbitrary: fc.constant(true), weight: 1 });

function slots<T>(arb: fc.Arbitrary<T>, n: number): fc.Arbitrary<T[]> {
  return fc.array(arb, { minLength: n, maxLength: n });
}

function patchPlanArbitrary(practices: readonly RedesignAuthorPractice[]): fc.Arbitrary<PatchPlan> {
  return fc.record({
    replace: fc.constantFrom<ReplacePlan>('no', 'yes', 'param-0', 'param-1'),
    practice: practiceArbitrary(practices),
    shadowUse: slots(likely, SHADOW_IDS.length),
    allocation: slots(fc.constantFrom<AllocationPlan>('create', 'use', 'both'), SHADOW_IDS.length),
    changes: slots(likely, SYSTEM_STATE_IDS.length),
    moduleObjects: slots(fc.boolean(), TARGET_MODULE_NAMES.length),
    plainFuncs: fc.subarray([...Array((TARGET_MODULE_NAMES.length + 1) * ROLES.length).keys()], { maxLength: 3 }),
    prePatchRet: fc.oneof(
      { arbitrary: fc.constant(undefined), weight: 3 },
      { arbitrary: fc.constantFrom(0, -ERRNO.ENODEV, -ERRNO.EINVAL), weight: 1 },
    ),
    failAt: fc.nat(SYSTEM_STATE_IDS.length + SHADOW_IDS.length),
    deviationAt: fc.nat(SYSTEM_STATE_IDS.length + SHADOW_IDS.length),
    mismatch: fc.constantFrom<Mismatch>('is_shadow', 'block_disable', 'callbacks', 'shadow_dtor'),
  });
}

function setPlanArbitrary(maxPatches: number, practices: readonly RedesignAuthorPractice[]): fc.Arbitrary<SetPlan> {
  return fc.record({
    targetCount: fc.integer({ min: 1, max: TARGET_MODULE_NAMES.length }),
    stateIds: fc.subarray([...SYSTEM_STATE_IDS]),
    shadowIds: fc.subarray([...SHADOW_IDS]),
    shadowHomes: slots(fc.nat(TARGET_MODULE_NAMES.length), SHADOW_IDS.length),
    values: slots(fc.integer({ min: 1, max: 3 }), SYSTEM_STATE_IDS.length),
    blockDisable: slots(rarely, SYSTEM_STATE_IDS.length + SHADOW_IDS.length),
    dtors: slots(fc.boolean(), SHADOW_IDS.length),
    patches: fc.array(patchPlanArbitrary(practices), { minLength: 1, maxLength: maxPatches }),
  });
}

// ---------------------------------------------------------------------------
// The shared definition of each state id

function print(text: string): Statement {
  return { op: 'print', text };
}

function callbackLine(callback: CallbackName, id: number): Statement {
  return print(`${callback}_callback: state ${formatId(id)}`);
}

/** Builds the four callbacks of a state, each starting with its trace line. */
function tracedCallbacks(id: number, extra: Partial<Record<CallbackName, Code>>): Record<CallbackName, Code> {
  const callbacks = {} as Record<CallbackName, Code>;
  for (const name of CALLBACK_NAMES) callbacks[name] = [callbackLine(name, id), ...(extra[name] ?? [])];
  return callbacks;
}

/**
 * Builds the state under which a patch changes a system variable, as
 * test_klp_state of the v1 series does it. The saved value is kept in a shadow
 * variable that the state owns, on the variable's static object.
 */
function systemChangeState(plan: SetPlan, slot: number): StateDef {
  const id = SYSTEM_STATE_IDS[slot]!;
  const variable = systemVariableName(id);
  const obj: ObjectRef = { kind: 'static', name: savedValueObject(variable) };
  const saved = { kind: 'shadowExists', id, obj } as const;
  return {
    id,
    version: 0,
    isShadow: true,
    blockDisable: plan.blockDisable[slot] ?? false,
    callbacks: tracedCallbacks(id, {
      pre_patch: [{ op: 'shadowAlloc', id, obj, onNull: [{ op: 'return', value: -ERRNO.ENOMEM }] }],
      post_patch: [
        {
          op: 'if',
          cond: saved,
          then: [
            { op: 'varSaveShadow', name: variable, id, obj },
            { op: 'varSet', name: variable, value: plan.values[slot] ?? 1, id },
          ],
        },
      ],
      pre_unpatch: [{ op: 'if', cond: saved, then: [{ op: 'varRestoreShadow', name: variable, id, obj }] }],
    }),
  };
}

/**
 * Builds the state that owns the shadow variables the new functions attach to
 * parent objects. The functions allocate them with klp_shadow_get_or_alloc,
 * because parents in flight when the patch arrives have none yet. The
 * callbacks only trace, and the core frees what is left.
 */
function parentShadowState(plan: SetPlan, slot: number): StateDef {
  const id = SHADOW_IDS[slot]!;
  return {
    id,
    version: 0,
    isShadow: true,
    blockDisable: plan.blockDisable[SYSTEM_STATE_IDS.length + slot] ?? false,
    callbacks: tracedCallbacks(id, {}),
    ...(plan.dtors[slot] ? { shadowDtor: dtorName(id) } : {}),
  };
}

/** Builds the entry an inconsistent-shared-state author writes for an id another patch also carries. */
function mismatched(state: StateDef, mismatch: Mismatch): StateDef {
  switch (mismatch) {
    case 'is_shadow':
      return { ...state, isShadow: !state.isShadow };
    case 'block_disable':
      return { ...state, blockDisable: !state.blockDisable };
    case 'callbacks': {
      // The entry has no remove callbacks: nothing undoes what post_patch did.
      const { pre_unpatch: _preUnpatch, post_unpatch: _postUnpatch, ...setup } = state.callbacks ?? {};
      return { ...state, callbacks: setup };
    }
    case 'shadow_dtor':
      return state.shadowDtor === undefined ? { ...state, shadowDtor: dtorName(state.id) } : withoutDtor(state);
  }
}

function withoutDtor(state: StateDef): StateDef {
  const { shadowDtor: _dropped, ...rest } = state;
  return rest;
}

// ---------------------------------------------------------------------------
// From a plan to a patch set

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

function shadowHome(plan: SetPlan, slot: number): number {
  return (plan.shadowHomes[slot] ?? 0) % (plan.targetCount + 1);
}

function usedShadowSlots(plan: SetPlan, patch: PatchPlan): number[] {
  return SHADOW_IDS.flatMap((id, slot) => (plan.shadowIds.includes(id) && patch.shadowUse[slot] ? [slot] : []));
}

function changedStateSlots(plan: SetPlan, patch: PatchPlan): number[] {
  return SYSTEM_STATE_IDS.flatMap((id, slot) => (plan.stateIds.includes(id) && patch.changes[slot] ? [slot] : []));
}

/** Ids each patch of the set carries as best practice: its system changes, then its shadow ids. */
function carriedIds(plan: SetPlan, patch: PatchPlan): number[] {
  return [
    ...changedStateSlots(plan, patch).map((slot) => SYSTEM_STATE_IDS[slot]!),
    ...usedShadowSlots(plan, patch).map((slot) => SHADOW_IDS[slot]!),
  ];
}

/** Returns the definition every best-practice patch uses for an id. */
function sharedState(plan: SetPlan, id: number): StateDef {
  const systemSlot = SYSTEM_STATE_IDS.indexOf(id as (typeof SYSTEM_STATE_IDS)[number]);
  return systemSlot >= 0 ? systemChangeState(plan, systemSlot) : parentShadowState(plan, SHADOW_IDS.indexOf(id as (typeof SHADOW_IDS)[number]));
}

/**
 * Resolves a patch's practice against the whole set: a deviation that has
 * nothing to apply to is not made, and the patch is written as best practice.
 * Returns the practice and the id the deviation applies to.
 */
function effectiveDeviation(plan: SetPlan, index: number): { practice: RedesignAuthorPractice; id: number | null } {
  const patch = plan.patches[index]!;
  const own = carriedIds(plan, patch);
  const pick = (candidates: readonly number[]) =>
    candidates.length === 0 ? null : (candidates[patch.deviationAt % candidates.length] ?? null);
  let id: number | null = null;
  switch (patch.practice) {
    case 'best-practice':
      return { practice: 'best-practice', id: null };
    case 'inconsistent-shared-state': {
      const elsewhere = new Set(plan.patches.flatMap((other, i) => (i === index ? [] : carriedIds(plan, other))));
      id = pick(own.filter((candidate) => elsewhere.has(candidate)));
      break;
    }
    case 'duplicate-state-id':
      id = pick(own);
      break;
    case 'undeclared-shadow-id':
      id = pick(usedShadowSlots(plan, patch).map((slot) => SHADOW_IDS[slot]!));
      break;
  }
  return id === null ? { practice: 'best-practice', id: null } : { practice: patch.practice, id };
}

function statesOf(plan: SetPlan, patch: PatchPlan, deviation: { practice: RedesignAuthorPractice; id: number | null }): StateDef[] {
  const states: StateDef[] = [];
  for (const id of carriedIds(plan, patch)) {
    const shared = sharedState(plan, id);
    if (id !== deviation.id) {
      states.push(shared);
      continue;
    }
    if (deviation.practice === 'inconsistent-shared-state') states.push(mismatched(shared, patch.mismatch));
    else if (deviation.practice === 'duplicate-state-id') states.push(shared, shared);
    // An undeclared-shadow-id author leaves the state out.
  }
  return states;
}

/**
 * Puts `return pre_patch_ret` (when non-zero) after the trace line of one
 * state's pre_patch, as the selftest modules' pre_patch_ret parameter does.
 * This test hook is the only place where two best-practice entries of one id
 * may differ, and only in a patch whose parameter is non-zero.
 */
function withFailingPrePatch(states: StateDef[], patch: PatchPlan): StateDef[] {
  if (patch.prePatchRet === undefined || states.length === 0) return states;
  const at = patch.failAt % states.length;
  const fail: Statement = {
    op: 'if',
    cond: { kind: 'param', name: PRE_PATCH_RET_PARAM },
    then: [{ op: 'returnParam', param: PRE_PATCH_RET_PARAM }],
  };
  return states.map((state, index) => {
    if (index !== at) return state;
    const [trace, ...rest] = state.callbacks?.pre_patch ?? [];
    const prePatch = trace ? [trace, fail, ...rest] : [fail];
    return { ...state, callbacks: { ...state.callbacks, pre_patch: prePatch } };
  });
}

/** Body of a patched function: allocate on create and use, free on release, for each shadow id on its target. */
function functionBody(plan: SetPlan, patch: PatchPlan, objectSlot: number, role: FuncRole): Code {
  const body: Statement[] = [];
  for (const slot of usedShadowSlots(plan, patch)) {
    if (shadowHome(plan, slot) !== objectSlot) continue;
    const id = SHADOW_IDS[slot]!;
    const allocation = patch.allocation[slot] ?? 'create';
    if (role === 'release') body.push({ op: 'shadowFree', id, obj: { kind: 'parent' } });
    else if (allocation === 'both' || allocation === role) body.push({ op: 'shadowGetOrAlloc', id, obj: { kind: 'parent' } });
  }
  return body;
}

function objectsOf(plan: SetPlan, patch: PatchPlan, targets: Targets): ObjectDef[] {
  const objectSlots = new Set<number>([0]);
  patch.moduleObjects.forEach((wanted, i) => {
    if (wanted && i < plan.targetCount) objectSlots.add(i + 1);
  });
  for (const slot of usedShadowSlots(plan, patch)) objectSlots.add(shadowHome(plan, slot));
  for (const funcSlot of patch.plainFuncs) {
    const objectSlot = Math.floor(funcSlot / ROLES.length);
    if (objectSlot <= plan.targetCount) objectSlots.add(objectSlot);
  }

  return [...objectSlots]
    .sort((a, b) => a - b)
    .map((objectSlot) => {
      const functions = targets.functions[objectSlot] ?? [];
      const funcs: FuncDef[] = [];
      functions.forEach((target, roleIndex) => {
        const body = functionBody(plan, patch, objectSlot, target.role);
        const plain = patch.plainFuncs.includes(objectSlot * ROLES.length + roleIndex);
        if (body.length > 0) funcs.push({ oldName: target.name, body });
        else if (plain) funcs.push({ oldName: target.name });
      });
      return { name: targets.names[objectSlot] ?? null, funcs };
    });
}

function paramsOf(patch: PatchPlan, states: readonly StateDef[]): ParamDef[] {
  const params: ParamDef[] = [];
  if (patch.replace === 'param-0' || patch.replace === 'param-1') {
    // Read-only: module init copies it into patch.replace.
    params.push({ name: REPLACE_PARAM, type: 'int', default: patch.replace === 'param-1' ? 1 : 0, writable: false });
  }
  if (patch.prePatchRet !== undefined && states.length > 0) {
    params.push({ name: PRE_PATCH_RET_PARAM, type: 'int', default: patch.prePatchRet, writable: true });
  }
  return params;
}

/** Destructors named by the patch's states; each only prints, as klp_shadow_free_all frees the data itself. */
function dtorsOf(states: readonly StateDef[]): NonNullable<PatchModuleDef['dtors']> {
  const dtors: Record<string, { body: Code }> = {};
  for (const state of states) {
    if (state.shadowDtor) dtors[state.shadowDtor] = { body: [print(`${state.shadowDtor}: freeing a shadow variable`)] };
  }
  return dtors;
}

function patchOf(
  plan: SetPlan,
  targets: Targets,
  index: number,
  deviation: { practice: RedesignAuthorPractice; id: number | null },
): PatchModuleDef {
  const patch = plan.patches[index]!;
  const states = withFailingPrePatch(statesOf(plan, patch, deviation), patch);
  const params = paramsOf(patch, states);
  const dtors = dtorsOf(states);
  return {
    kind: 'livepatch',
    name: generatedPatchName(index),
    replace: patch.replace === 'no' || patch.replace === 'yes' ? patch.replace === 'yes' : { param: REPLACE_PARAM },
    ...(params.length > 0 ? { params } : {}),
    objects: objectsOf(plan, patch, targets),
    ...(states.length > 0 ? { states } : {}),
    ...(Object.keys(dtors).length > 0 ? { dtors } : {}),
    practice: deviation.practice,
    source: `generated redesign livepatch, ${deviation.practice} author`,
  };
}

/** An entry as text without its pre_patch, where only the pre_patch_ret test hook can differ between carriers. */
function entryText(state: StateDef | undefined): string {
  if (!state) return '';
  const { pre_patch: _hook, ...callbacks } = state.callbacks ?? {};
  return canonicalJson({ ...state, callbacks });
}

/**
 * Writes an inconsistent-shared-state patch as best practice when no other
 * patch of the set declares the id with a different entry: it deviates from
 * nothing then, because every carrier of the id agrees with it.
 */
function withTruthfulTags(
  plan: SetPlan,
  targets: Targets,
  deviations: readonly { practice: RedesignAuthorPractice; id: number | null }[],
  patches: readonly PatchModuleDef[],
): PatchModuleDef[] {
  return patches.map((def, index) => {
    const deviation = deviations[index]!;
    if (deviation.practice !== 'inconsistent-shared-state') return def;
    const own = entryText(def.states?.find((s) => s.id === deviation.id));
    const differs = patches.some(
      (other, i) => i !== index && (other.states ?? []).some((s) => s.id === deviation.id && entryText(s) !== own),
    );
    return differs ? def : patchOf(plan, targets, index, { practice: 'best-practice', id: null });
  });
}

function patchSetOf(plan: SetPlan): PatchSet {
  const targets = targetsOf(plan);
  const deviations = plan.patches.map((_, index) => effectiveDeviation(plan, index));
  const written = plan.patches.map((_, index) => patchOf(plan, targets, index, deviations[index]!));
  const patches = withTruthfulTags(plan, targets, deviations, written);
  const changed = new Set(plan.patches.flatMap((patch) => changedStateSlots(plan, patch)));
  const systemVariables: Record<string, number> = {};
  for (const slot of [...changed].sort((a, b) => a - b)) systemVariables[systemVariableName(SYSTEM_STATE_IDS[slot]!)] = 0;
  const modules: ModuleDef[] = [
    ...patches,
    ...TARGET_MODULE_NAMES.slice(0, plan.targetCount).map((name) => generatedTarget(name)),
  ];
  const set: PatchSet = { name: REDESIGN_GENERATED_SET_NAME, modules, vmlinuxFunctions: VMLINUX_FUNCTIONS, systemVariables };
  return { ...set, description: describeRedesignPatchSet(set) };
}

/** Returns an arbitrary of generated redesign patch sets, as the file comment describes. */
export function arbitraryRedesignPatchSet(options: RedesignPatchSetOptions = {}): fc.Arbitrary<PatchSet> {
  const maxPatches = options.maxPatches ?? MAX_PATCHES;
  if (!Number.isInteger(maxPatches) || maxPatches < 1 || maxPatches > MAX_PATCHES) {
    throw new RangeError(`maxPatches must be an integer from 1 to ${MAX_PATCHES}, got ${maxPatches}`);
  }
  const practices = options.practices ?? REDESIGN_AUTHOR_PRACTICES;
  if (practices.length === 0) throw new RangeError('practices must name at least one redesign author practice, got none');
  for (const practice of practices) {
    if (!REDESIGN_AUTHOR_PRACTICES.includes(practice)) {
      throw new RangeError(
        `unknown redesign author practice ${JSON.stringify(practice)}, expected one of ${REDESIGN_AUTHOR_PRACTICES.join(', ')}`,
      );
    }
  }
  return setPlanArbitrary(maxPatches, practices).map(patchSetOf);
}

// ---------------------------------------------------------------------------
// Summary

function describeState(state: StateDef): string {
  const flags: string[] = [];
  if (state.isShadow) flags.push('is_shadow');
  if (state.blockDisable === true) flags.push('block_disable');
  if (typeof state.blockDisable === 'object') flags.push(`block_disable=${state.blockDisable.param}`);
  if (state.shadowDtor) flags.push('dtor');
  return flags.length > 0 ? `${formatId(state.id)}[${flags.join(',')}]` : formatId(state.id);
}

function describeRedesignPatch(def: PatchModuleDef): string {
  const parts: string[] = [def.practice];
  if (def.replace === true) parts.push('replace');
  else if (typeof def.replace === 'object') {
    const param = def.params?.find((p) => p.name === REPLACE_PARAM);
    parts.push(`replace from ${REPLACE_PARAM} (default ${param?.default ?? 0})`);
  }
  if (def.states?.length) parts.push(`states ${def.states.map(describeState).join(',')}`);
  const shadows = new Set<number>();
  for (const object of def.objects) for (const func of object.funcs) for (const id of shadowIdsUsed(func.body)) shadows.add(id);
  if (shadows.size > 0) parts.push(`shadows ${[...shadows].sort((a, b) => a - b).map(formatId).join(',')}`);
  parts.push(`objects ${def.objects.map((o) => `${objectLabel(o.name)}:${o.funcs.length}`).join(',')}`);
  const prePatchRet = def.params?.find((p) => p.name === PRE_PATCH_RET_PARAM);
  if (prePatchRet) parts.push(`${PRE_PATCH_RET_PARAM}=${prePatchRet.default}`);
  return `${def.name} (${parts.join('; ')})`;
}

/**
 * Returns a one-line summary of a redesign patch set: each livepatch module
 * with its practice, replace flag, states and their flags, shadow ids of its
 * functions and objects, then the target modules and system variables.
 */
export function describeRedesignPatchSet(set: PatchSet): string {
  const patches = patchModules(set).map(describeRedesignPatch);
  const targets = targetModules(set).map((t) => t.name);
  const variables = Object.keys(set.systemVariables);
  const parts = [
    `${patches.length} livepatch${patches.length === 1 ? '' : 'es'}: ${patches.join(', ')}`,
    `targets: ${targets.length > 0 ? targets.join(', ') : 'none'}`,
  ];
  if (variables.length > 0) parts.push(`variables: ${variables.join(', ')}`);
  return parts.join('; ');
}
