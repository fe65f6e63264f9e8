/**
 * Operation sequences for property runs. A run is a list of non-negative
 * integers ("choices"). Each choice picks one operation among those that make
 * sense in the world the previous operations produced. Every prefix of a run
 * is therefore a valid run, and fast-check shrinks a run by dropping or
 * lowering choices. Choice 0 picks the first candidate, a module load while
 * any module is not loaded.
 */
import fc from 'fast-check';
import type { ModuleDef, ParamDef, PatchModuleDef, PatchSet } from '../model/definition.ts';
import { patchModules, targetFunctions } from '../model/definition.ts';
import { ERRNO } from '../model/errno.ts';
import type { ObjectName } from '../model/ids.ts';
import { hasFreeWork, isLivepatchInUse } from '../model/klp/modules.ts';
import type { Operation } from '../model/operations.ts';
import { taskStates } from '../model/runnable.ts';
import type { Model, Trace, TraceStep } from '../model/trace.ts';
import type { World } from '../model/world.ts';
import { isTargetLoaded, patchWithSysfsDir } from '../model/world.ts';
import { PRE_PATCH_RET_PARAM } from './authors.ts';

/** One choice in REFUSED_EVERY picks an operation the kernel is expected to refuse. */
export const REFUSED_EVERY = 10;
/** Largest choice value arbitraryChoices draws, far above the length of any candidate list. */
export const MAX_CHOICE = 0xffff;

// ---------------------------------------------------------------------------
// Module parameters

/** Returns the value a write or an insmod variant sets: the other boolean, an errno for pre_patch_ret, else 0 or 1. */
function alternativeValue(param: ParamDef, current: number): number {
  if (param.name === PRE_PATCH_RET_PARAM && param.type === 'int') return current === 0 ? -ERRNO.ENODEV : 0;
  return current === 0 ? 1 : 0;
}

function defaultParams(def: ModuleDef): Record<string, number> | undefined {
  if (!def.params || def.params.length === 0) return undefined;
  return Object.fromEntries(def.params.map((p) => [p.name, p.default]));
}

function insmod(def: ModuleDef, params: Record<string, number> | undefined): Operation {
  return params ? { type: 'insmod', module: def.name, params } : { type: 'insmod', module: def.name };
}

/** Parameters that decide which klp_state entries the module's init declares, or their block_disable. */
function stateParams(def: PatchModuleDef): string[] {
  const names = new Set<string>();
  for (const state of def.states ?? []) {
    if (state.whenParam) names.add(state.whenParam);
    if (state.unlessParam) names.add(state.unlessParam);
    if (typeof state.blockDisable === 'object') names.add(state.blockDisable.param);
  }
  return [...names];
}

/**
 * Parameters worth a load variant: a failing pre_patch, the source of
 * patch.replace, and the parameters that shape the module's states[].
 */
function variantParams(def: PatchModuleDef): ParamDef[] {
  const replaceParam = typeof def.replace === 'object' ? def.replace.param : undefined;
  const shaping = stateParams(def);
  return (def.params ?? []).filter((p) => p.name === PRE_PATCH_RET_PARAM || p.name === replaceParam || shaping.includes(p.name));
}

/** The load with every state-declaring parameter set, so that a module can carry all its states at once. */
function allStatesVariant(def: PatchModuleDef, defaults: Record<string, number> | undefined): Record<string, number> | undefined {
  const declaring = [...new Set((def.states ?? []).flatMap((s) => (s.whenParam ? [s.whenParam] : [])))];
  if (declaring.length < 2) return undefined;
  return { ...defaults, ...Object.fromEntries(declaring.map((name) => [name, 1])) };
}

// ---------------------------------------------------------------------------
// Candidates by kind, each in patch set order

/** The loads of each module definition; a definition never changes, and operations are readonly. */
const loadsByDef = new WeakMap<ModuleDef, readonly Operation[]>();

/** Lists the loads of one module: its default parameters, then for a livepatch module each variant. */
function moduleLoads(def: ModuleDef): readonly Operation[] {
  const known = loadsByDef.get(def);
  if (known) return known;
  const defaults = defaultParams(def);
  const ops: Operation[] = [insmod(def, defaults)];
  if (def.kind === 'livepatch') {
    for (const param of variantParams(def)) {
      ops.push(insmod(def, { ...defaults, [param.name]: alternativeValue(param, param.default) }));
    }
    const allStates = allStatesVariant(def, defaults);
    if (allStates) ops.push(insmod(def, allStates));
  }
  loadsByDef.set(def, ops);
  return ops;
}

function insmodCandidates(set: PatchSet, world: Readonly<World>): Operation[] {
  const ops: Operation[] = [];
  for (const def of set.modules) {
    if (!world.modules[def.name]) ops.push(...moduleLoads(def));
  }
  return ops;
}

function rmmodCandidates(set: PatchSet, world: Readonly<World>): Operation[] {
  return set.modules
    .filter((def) => world.modules[def.name] && !(def.kind === 'livepatch' && isLivepatchInUse(world, def.name)))
    .map((def) => ({ type: 'rmmod', module: def.name }));
}

/** Writes to `enabled` that the kernel accepts: a disable, or the reversal of an unpatching transition. */
function enabledWrites(set: PatchSet, world: Readonly<World>): Operation[] {
  const ops: Operation[] = [];
  for (const def of patchModules(set)) {
    const patch = patchWithSysfsDir(world, def.name);
    if (!patch || patch.phase !== 'listed') continue;
    if (patch.enabled) ops.push({ type: 'write_enabled', patch: def.name, value: 0 });
    else if (world.transition?.patch === patch.id) ops.push({ type: 'write_enabled', patch: def.name, value: 1 });
  }
  return ops;
}

function forceWrites(set: PatchSet, world: Readonly<World>): Operation[] {
  const transition = world.transition;
  if (!transition) return [];
  return patchModules(set)
    .filter((def) => patchWithSysfsDir(world, def.name)?.id === transition.patch)
    .map((def) => ({ type: 'write_force', patch: def.name }));
}

function paramWrites(set: PatchSet, world: Readonly<World>): Operation[] {
  const ops: Operation[] = [];
  for (const def of set.modules) {
    const loaded = world.modules[def.name];
    if (!loaded) continue;
    for (const param of def.params ?? []) {
      if (!param.writable) continue;
      const current = loaded.params[param.name] ?? param.default;
      ops.push({ type: 'write_param', module: def.name, param: param.name, value: alternativeValue(param, current) });
    }
  }
  return ops;
}

function workItems(set: PatchSet, world: Readonly<World>): Operation[] {
  const ops: Operation[] = world.transition ? [{ type: 'transition_work' }] : [];
  for (const def of patchModules(set)) {
    if (hasFreeWork(world, def.name)) ops.push({ type: 'free_work', patch: def.name });
  }
  return ops;
}

// ---------------------------------------------------------------------------
// Function calls on parent objects

/** Prefix of the parent objects a target creates: `vm_` for vmlinux, `<module>_` for a module. */
export function parentPrefix(object: ObjectName): string {
  return object === null ? 'vm_' : `${object}_`;
}

/** Returns the number n of a parent named `<prefix>obj<n>`, or undefined for other names. */
function parentNumber(prefix: string, name: string): number | undefined {
  if (!name.startsWith(`${prefix}obj`)) return undefined;
  const digits = name.slice(prefix.length + 3);
  return /^[1-9][0-9]*$/.test(digits) ? Number(digits) : undefined;
}

/** Orders parent names by their number under a prefix, names without one last, then by name. */
function compareParents(prefix: string, a: string, b: string): number {
  const byNumber = (parentNumber(prefix, a) ?? Number.MAX_SAFE_INTEGER) - (parentNumber(prefix, b) ?? Number.MAX_SAFE_INTEGER);
  return byNumber || a.localeCompare(b);
}

/** Parents a target owns, ordered by their number and then by name. */
function ownedParents(world: Readonly<World>, object: ObjectName, alive: boolean): string[] {
  const names: string[] = [];
  for (const name in world.parents) {
    const parent = world.parents[name]!;
    if (parent.owner === object && parent.alive === alive) names.push(name);
  }
  if (names.length > 1) {
    const prefix = parentPrefix(object);
    names.sort((a, b) => compareParents(prefix, a, b));
  }
  return names;
}

/** Returns a parent name no object of the world has had: one past the highest number used with the prefix. */
function freshParent(world: Readonly<World>, object: ObjectName): string {
  const prefix = parentPrefix(object);
  let highest = 0;
  for (const name of Object.keys(world.parents)) highest = Math.max(highest, parentNumber(prefix, name) ?? 0);
  return `${prefix}obj${highest + 1}`;
}

/** Targets whose functions can run now: vmlinux, then loaded target modules in patch set order. */
function loadedTargets(set: PatchSet, world: Readonly<World>): ObjectName[] {
  const modules = set.modules.filter((def) => def.kind === 'target' && isTargetLoaded(world, def.name));
  return [null, ...modules.map((def) => def.name)];
}

/**
 * Lists calls of every function of every loaded target. A create function
 * gets a fresh parent and, to model address reuse, the first dead parent of
 * the same target. Use and release functions get every live parent. During a
 * transition each call comes once per task patch state that exists.
 */
function callCandidates(set: PatchSet, world: Readonly<World>): Operation[] {
  const ops: Operation[] = [];
  const tasks = taskStates(world);
  for (const object of loadedTargets(set, world)) {
    const functions = targetFunctions(set, object);
    if (functions.length === 0) continue;
    const live = ownedParents(world, object, true);
    const created = functions.some((func) => func.role === 'create') ? createParents(world, object) : [];
    for (const func of functions) {
      for (const parent of func.role === 'create' ? created : live) {
        for (const task of tasks) {
          ops.push(
            task === undefined
              ? { type: 'call', object, func: func.name, parent }
              : { type: 'call', object, func: func.name, parent, task },
          );
        }
      }
    }
  }
  return ops;
}

/** Parents a create function is called for: a fresh one, and the first dead one to model address reuse. */
function createParents(world: Readonly<World>, object: ObjectName): string[] {
  const dead = ownedParents(world, object, false);
  return dead.length > 0 ? [freshParent(world, object), dead[0]!] : [freshParent(world, object)];
}

/** Tells whether callCandidates lists anything, without listing: a loaded target with a create function or a live parent. */
function hasCallCandidates(set: PatchSet, world: Readonly<World>): boolean {
  for (const object of loadedTargets(set, world)) {
    const functions = targetFunctions(set, object);
    if (functions.length === 0) continue;
    if (functions.some((func) => func.role === 'create')) return true;
    for (const name in world.parents) {
      const parent = world.parents[name]!;
      if (parent.owner === object && parent.alive) return true;
    }
  }
  return false;
}

// ---------------------------------------------------------------------------
// Public lists

/** Candidates of one kind, and how many of the choice slots that pick a kind go to it. */
interface CandidateKind {
  readonly weight: number;
  list(set: PatchSet, world: Readonly<World>): Operation[];
  /** Tells whether the list is not empty; defaults to listing. */
  any?(set: PatchSet, world: Readonly<World>): boolean;
}

/**
 * The kinds of operations that make sense in a world, in a fixed order. They
 * are loads of modules not loaded (with parameter variants), removals the
 * kernel allows, `enabled` writes, `force` on the transition patch, parameter
 * writes, pending transition and free work, and function calls.
 * Some of them can still fail, such as a load refused as incompatible or busy
 * or a failing pre_patch, and runs explore exactly those outcomes.
 */
const CANDIDATE_KINDS: readonly CandidateKind[] = [
  { weight: 2, list: insmodCandidates },
  { weight: 2, list: rmmodCandidates },
  { weight: 2, list: enabledWrites },
  // Force pins the patch modules for good, so it is drawn less often.
  { weight: 1, list: forceWrites },
  { weight: 1, list: paramWrites },
  { weight: 2, list: workItems },
  { weight: 4, list: callCandidates, any: hasCallCandidates },
];

/** Returns the operations that make sense in a world (see CANDIDATE_KINDS); the same set and world give the same list. */
export function candidateOperations(set: PatchSet, world: Readonly<World>): Operation[] {
  const ops: Operation[] = [];
  for (const kind of CANDIDATE_KINDS) ops.push(...kind.list(set, world));
  return ops;
}

/**
 * Returns operations the kernel is expected to refuse in this world, so that
 * runs exercise the refusal paths. These are insmod of a loaded module, rmmod
 * of a livepatch module the core still holds, and `force` outside the patch's
 * transition. They also include `enabled` writes of the current value and any
 * `enabled` write to a patch whose free work is pending.
 */
export function refusedOperations(set: PatchSet, world: Readonly<World>): Operation[] {
  const ops: Operation[] = [];
  for (const def of set.modules) {
    if (world.modules[def.name]) ops.push(moduleLoads(def)[0]!);
  }
  for (const def of patchModules(set)) {
    if (world.modules[def.name] && isLivepatchInUse(world, def.name)) ops.push({ type: 'rmmod', module: def.name });
  }
  for (const def of patchModules(set)) {
    const patch = patchWithSysfsDir(world, def.name);
    if (!patch) continue;
    const inTransition = world.transition?.patch === patch.id;
    for (const value of [0, 1] as const) {
      const accepted = patch.phase === 'listed' && (value === 0 ? patch.enabled : !patch.enabled && inTransition);
      if (!accepted) ops.push({ type: 'write_enabled', patch: def.name, value });
    }
    if (!inTransition) ops.push({ type: 'write_force', patch: def.name });
  }
  return ops;
}

/**
 * Maps a choice to one operation for this world. Choices whose remainder
 * modulo REFUSED_EVERY is REFUSED_EVERY - 1 pick from the refused list, when
 * it is not empty. The others pick a kind of candidate first, by the kinds'
 * weights, and then an operation of that kind, so that the many function
 * calls of a busy world do not crowd out the few disables and work items.
 * Choice 0 picks the first candidate. When both lists are empty the result is
 * a transition_work, which the model records as a no-op.
 */
export function operationFromChoice(set: PatchSet, world: Readonly<World>, choice: number): Operation {
  if (!Number.isSafeInteger(choice) || choice < 0) {
    throw new RangeError(`a choice must be a non-negative safe integer, got ${choice}`);
  }
  const { slots, lists } = kindSlots(set, world);
  const round = Math.floor(choice / REFUSED_EVERY);
  const slot = choice % REFUSED_EVERY;
  const refusedSlot = slot === REFUSED_EVERY - 1;

  if (slots.length === 0 || refusedSlot) {
    const refused = refusedOperations(set, world);
    if (slots.length === 0 || refused.length > 0) return refused[round % refused.length] ?? { type: 'transition_work' };
  }
  // Number the choices outside the refused slot without gaps.
  const candidate = round * (REFUSED_EVERY - 1) + (refusedSlot ? 0 : slot);
  const kind = slots[candidate % slots.length]!;
  const ops = lists[kind] ?? CANDIDATE_KINDS[kind]!.list(set, world);
  return ops[Math.floor(candidate / slots.length) % ops.length]!;
}

/**
 * Returns the choice slots of the kinds with candidates, each kind repeated by
 * its weight, and the lists built to find out which kinds have candidates. A
 * kind that can tell without listing is listed only when a choice picks it.
 */
function kindSlots(set: PatchSet, world: Readonly<World>): { slots: number[]; lists: (Operation[] | undefined)[] } {
  const slots: number[] = [];
  const lists: (Operation[] | undefined)[] = [];
  CANDIDATE_KINDS.forEach((kind, index) => {
    const list = kind.any ? undefined : kind.list(set, world);
    lists.push(list);
    const any = list ? list.length > 0 : kind.any!(set, world);
    for (let i = 0; any && i < kind.weight; i++) slots.push(index);
  });
  return { slots, lists };
}

/** Runs of up to maxSteps choices, with lengths spread over the whole range. */
export function arbitraryChoices(maxSteps: number): fc.Arbitrary<number[]> {
  if (!Number.isInteger(maxSteps) || maxSteps < 0) {
    throw new RangeError(`maxSteps must be a non-negative integer, got ${maxSteps}`);
  }
  // fast-check draws arrays of about ten elements unless the size is given.
  return fc.array(fc.nat({ max: MAX_CHOICE }), { maxLength: maxSteps, size: 'max' });
}

/**
 * Turns choices into operations by stepping the model: each choice is mapped
 * against the world the previous operations produced. Returns the operations
 * and the trace of the run, as runOperations would record it.
 */
export function operationsFromChoices(
  model: Model,
  set: PatchSet,
  choices: readonly number[],
): { ops: Operation[]; trace: Trace } {
  const initial = model.initial(set);
  const ops: Operation[] = [];
  const steps: TraceStep[] = [];
  let world: Readonly<World> = initial;
  choices.forEach((choice, index) => {
    const op = operationFromChoice(set, world, choice);
    const { world: after, events } = model.step(set, world, op);
    ops.push(op);
    steps.push({ index, op, before: world, after, events });
    world = after;
  });
  return { ops, trace: { model: model.name, set, initial, steps } };
}
