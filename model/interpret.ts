/**
 * Interpreter of author code (model/code.ts): runs callbacks, patched and
 * original functions, module init and exit, shadow constructors and
 * destructors against the kernel world, and records what they did as events.
 */
import type { Code, Condition, ObjectRef, PointerExpr, Statement } from './code.ts';
import type { CallbackName } from './definition.ts';
import type { CodeSite, ModuleState } from './events.ts';
import type { ModuleName, ObjectName, PatchId } from './ids.ts';
import { errnoName } from './errno.ts';
import { bufferId } from './ids.ts';
import type { Kernel } from './kernel.ts';
import { callFunction } from './functions.ts';
import { emit, message, moduleDef, newPointer, warnOnce } from './kernel.ts';
import { shadowAlloc, shadowFree, shadowFreeAll, shadowGet } from './shadow.ts';
import type { TaskState } from './operations.ts';
import type { ShadowEntry, StateInstance } from './world.ts';

/** Context of running code: its module, site, patch, parent object and callback. */
export interface CodeContext {
  /** The module whose code this is: its prints, parameters, ctors and dtors. */
  readonly module: ModuleName;
  readonly site: CodeSite;
  /** The patch whose klp_state entries klp_get_state() sees. */
  readonly patch?: PatchId;
  /** The parent object a function was called on. */
  readonly parent?: string;
  readonly callback?: { readonly name: CallbackName; readonly object: ObjectName; readonly moduleState: ModuleState };
  /** The string argument of the running function (the speaker modules' context text). */
  readonly arg?: string;
  /** The patch state of the task running a function, when a transition runs. */
  readonly task?: TaskState;
  /** The shadow variable the running destructor frees. */
  readonly freeing?: ShadowEntry;
  /** The value a parameter's set handler is writing. */
  readonly written?: number;
}

const MODULE_STATE_TEXT: Record<ModuleState, string> = {
  LIVE: '[MODULE_STATE_LIVE] Normal state',
  COMING: '[MODULE_STATE_COMING] Full formed, running module_init',
  GOING: '[MODULE_STATE_GOING] Going away',
};

class Return {
  constructor(readonly value: number) {}
}

/** Runs code and returns its return value (0 when it ends without a return statement). */
export function runCode(k: Kernel, code: Code | undefined, ctx: CodeContext): number {
  try {
    runStatements(k, code ?? [], ctx);
    return 0;
  } catch (caught) {
    if (caught instanceof Return) return caught.value;
    throw caught;
  }
}

function runStatements(k: Kernel, code: Code, ctx: CodeContext): void {
  for (const stmt of code) runStatement(k, stmt, ctx);
}

type Handler<S extends Statement> = (k: Kernel, stmt: S, ctx: CodeContext) => void;
type Handlers = { [Op in Statement['op']]: Handler<Extract<Statement, { op: Op }>> };

const HANDLERS: Handlers = {
  print: (k, stmt, ctx) => print(k, ctx, stmt.text),
  traceCallback: (k, _stmt, ctx) => {
    const cb = ctx.callback;
    if (!cb) throw new Error('internal: traceCallback outside a callback');
    const where = cb.object === null ? 'vmlinux' : `${cb.object} -> ${MODULE_STATE_TEXT[cb.moduleState]}`;
    print(k, ctx, `${cb.name}_callback: ${where}`);
  },
  return: (_k, stmt) => {
    throw new Return(stmt.value);
  },
  returnParam: (k, stmt, ctx) => {
    throw new Return(k.world.modules[ctx.module]?.params[stmt.param] ?? 0);
  },
  if: (k, stmt, ctx) => runStatements(k, evaluate(k, stmt.cond, ctx) ? stmt.then : (stmt.else ?? []), ctx),
  stateDataAlloc: (k, stmt, ctx) => {
    const state = ownState(k, ctx, stmt.id);
    if (!state || !ctx.patch) return;
    const buffer = bufferId(newPointer(k, 'buf'));
    k.world.buffers[buffer] = { allocatedBy: ctx.patch, freed: false, value: null };
    state.data = buffer;
    emit(k, { type: 'stateData', op: 'alloc', buffer, patch: ctx.patch, id: stmt.id });
  },
  stateDataTakeOver: (k, stmt, ctx) => {
    const state = ownState(k, ctx, stmt.id);
    if (!state || !ctx.patch) return;
    state.data = prevState(k, stmt.id)?.data ?? null;
    emit(k, { type: 'stateData', op: 'takeOver', buffer: state.data, patch: ctx.patch, id: stmt.id });
  },
  stateDataFree: (k, stmt, ctx) => {
    // kfree(state->data) leaves the pointer in place, as the test modules do.
    const state = ownState(k, ctx, stmt.id);
    if (!state?.data || !ctx.patch) return;
    const buffer = k.world.buffers[state.data];
    const afterFree = !buffer || buffer.freed;
    if (buffer) buffer.freed = true;
    emit(k, { type: 'stateData', op: 'free', buffer: state.data, patch: ctx.patch, id: stmt.id, afterFree });
  },
  varSave: (k, stmt, ctx) => {
    const buffer = validBuffer(k, ctx, stmt.id, 'write');
    const variable = k.world.systemVariables[stmt.name];
    if (buffer && variable) buffer.value = variable.value;
  },
  varSet: (k, stmt, ctx) => {
    const state = stmt.id === undefined ? undefined : ownState(k, ctx, stmt.id);
    const changedBy = ctx.patch
      ? { patch: ctx.patch, id: state?.id ?? null, version: state?.version ?? null }
      : null;
    setVariable(k, ctx, stmt.name, stmt.value, changedBy);
  },
  varRestore: (k, stmt, ctx) => {
    const buffer = validBuffer(k, ctx, stmt.id, 'read');
    const variable = k.world.systemVariables[stmt.name];
    if (!buffer || !variable || buffer.value === null) return;
    setVariable(k, ctx, stmt.name, buffer.value, variable.changedBy);
  },
  shadowAlloc: (k, stmt, ctx) => allocStatement(k, stmt, ctx),
  shadowGetOrAlloc: (k, stmt, ctx) => allocStatement(k, stmt, ctx),
  shadowGet: (k, stmt, ctx) => {
    const obj = resolveObject(stmt.obj, ctx);
    const entry = shadowGet(k, obj, stmt.id, ctx.site);
    if (stmt.trace) {
      traceLine(k, ctx, `klp_shadow_get(obj={}, id=0x${hex(stmt.id)}) = {}`, [obj, entry?.data ?? 'NULL']);
    }
  },
  shadowFree: (k, stmt, ctx) => {
    const obj = resolveObject(stmt.obj, ctx);
    shadowFree(k, obj, stmt.id, destructor(k, ctx, stmt.dtor), ctx.site);
    if (stmt.trace) {
      traceLine(k, ctx, `klp_shadow_free(obj={}, id=0x${hex(stmt.id)}, dtor={})`, [obj, stmt.dtor ?? 'NULL']);
    }
  },
  shadowFreeAll: (k, stmt, ctx) => {
    shadowFreeAll(k, stmt.id, destructor(k, ctx, stmt.dtor), ctx.site);
    if (stmt.trace) traceLine(k, ctx, `klp_shadow_free_all(id=0x${hex(stmt.id)}, dtor={})`, [stmt.dtor ?? 'NULL']);
  },
  ptrId: (k, stmt, ctx) => {
    pointerId(k, ctx, stmt.name);
  },
  printPointers: (k, stmt, ctx) => {
    traceLine(k, ctx, stmt.format, stmt.pointers.map((expr) => resolvePointer(k, expr)));
  },
  releaseParent: (k, _stmt, ctx) => {
    const parent = ctx.parent ? k.world.parents[ctx.parent] : undefined;
    if (!parent?.alive || !ctx.parent) return;
    parent.alive = false;
    emit(k, { type: 'parent', op: 'release', parent: ctx.parent });
  },
  callOnEachParent: (k, stmt, ctx) => {
    for (const [name, parent] of Object.entries(k.world.parents)) {
      if (parent.alive && parent.owner === ctx.module) callFunction(k, ctx.module, stmt.func, name, exitTaskState(k));
    }
  },
  createParent: (k, stmt, ctx) => {
    k.world.parents[stmt.name] = { owner: ctx.module, alive: true };
    emit(k, { type: 'parent', op: 'create', parent: stmt.name });
  },
  printTemplate: (k, stmt, ctx) => print(k, ctx, fillTemplate(k, stmt.text, stmt.obj, ctx)),
  shadowWriteText: (k, stmt, ctx) => {
    const entry = shadowGet(k, resolveObject(stmt.obj, ctx), stmt.id, ctx.site);
    if (entry) entry.value = stmt.text;
    else runStatements(k, stmt.onNull ?? [], ctx);
  },
  varSaveShadow: (k, stmt, ctx) => {
    const entry = shadowGet(k, resolveObject(stmt.obj, ctx), stmt.id, ctx.site);
    const variable = k.world.systemVariables[stmt.name];
    if (entry && variable) entry.value = String(variable.value);
  },
  varRestoreShadow: (k, stmt, ctx) => {
    const entry = shadowGet(k, resolveObject(stmt.obj, ctx), stmt.id, ctx.site);
    const variable = k.world.systemVariables[stmt.name];
    if (!entry || entry.value === null || !variable) return;
    setVariable(k, ctx, stmt.name, Number(entry.value), variable.changedBy);
  },
  callFunction: (k, stmt, ctx) => {
    const parent = stmt.parent ?? ctx.parent;
    if (!parent) throw new Error(`internal: a call of ${stmt.func} names no parent object and runs outside a function`);
    callFunction(k, stmt.object, stmt.func, parent, callerTaskState(k, stmt.task, ctx), stmt.arg);
  },
};

function runStatement(k: Kernel, stmt: Statement, ctx: CodeContext): void {
  (HANDLERS[stmt.op] as Handler<Statement>)(k, stmt, ctx);
}

function evaluate(k: Kernel, cond: Condition, ctx: CodeContext): boolean {
  switch (cond.kind) {
    case 'prevState':
      return prevState(k, cond.id) !== undefined;
    case 'ownState':
      return ownState(k, ctx, cond.id) !== undefined;
    case 'shadowExists':
      return k.world.shadows.some((s) => s.obj === resolveObject(cond.obj, ctx) && s.id === cond.id);
    case 'param':
      return (k.world.modules[ctx.module]?.params[cond.name] ?? 0) !== 0;
    case 'stateData':
      return (ownState(k, ctx, cond.id)?.data ?? null) !== null;
    case 'written':
      return (ctx.written ?? 0) !== 0;
    case 'not':
      return !evaluate(k, cond.cond, ctx);
  }
}

function print(k: Kernel, ctx: CodeContext, text: string): void {
  emit(k, { type: 'print', module: ctx.module, text });
}

/** klp_get_state(patch, id): the patch's own state entry. */
function ownState(k: Kernel, ctx: CodeContext, id: number): StateInstance | undefined {
  return ctx.patch ? k.world.patches[ctx.patch]?.states.find((s) => s.id === id) : undefined;
}

/**
 * klp_get_prev_state(id): walks klp_patches from the oldest patch up to, not
 * including, the transition patch and returns the newest match. Without a
 * transition it hits WARN_ON_ONCE and returns NULL.
 */
export function prevState(k: Kernel, id: number): StateInstance | undefined {
  const transition = k.world.transition;
  if (!transition) {
    if (warnOnce(k, 'klp_get_prev_state')) message(k, { msg: 'prevStateWithoutTransition' });
    return undefined;
  }
  let found: StateInstance | undefined;
  for (const patchId of k.world.klpPatches) {
    if (patchId === transition.patch) break;
    found = k.world.patches[patchId]?.states.find((s) => s.id === id) ?? found;
  }
  return found;
}

function validBuffer(k: Kernel, ctx: CodeContext, id: number, op: 'read' | 'write') {
  const state = ownState(k, ctx, id);
  if (!state || !ctx.patch) return undefined;
  const buffer = state.data ? k.world.buffers[state.data] : undefined;
  const afterFree = !buffer || buffer.freed;
  emit(k, { type: 'stateData', op, buffer: state.data, patch: ctx.patch, id, afterFree });
  return afterFree ? undefined : buffer;
}

function setVariable(
  k: Kernel,
  ctx: CodeContext,
  name: string,
  value: number,
  changedBy: (typeof k.world.systemVariables)[string]['changedBy'],
): void {
  const variable = k.world.systemVariables[name];
  if (!variable) throw new Error(`internal: system variable ${name} is not declared by the patch set`);
  const from = variable.value;
  variable.value = value;
  variable.changedBy = value === variable.original ? null : changedBy;
  emit(k, { type: 'variable', name, from, to: value, site: ctx.site });
}

function resolveObject(ref: ObjectRef, ctx: CodeContext): string {
  if (ref.kind === 'static') return ref.name;
  if (!ctx.parent) throw new Error('internal: a parent object reference outside a function call');
  return ctx.parent;
}

function allocStatement(
  k: Kernel,
  stmt: Extract<Statement, { op: 'shadowAlloc' | 'shadowGetOrAlloc' }>,
  ctx: CodeContext,
): void {
  const obj = resolveObject(stmt.obj, ctx);
  const ctorData = stmt.ctorData?.replaceAll('{parent}', ctx.parent ?? '');
  const entry = shadowAlloc(k, {
    obj,
    id: stmt.id,
    getOrAlloc: stmt.op === 'shadowGetOrAlloc',
    ctor: stmt.ctor === undefined ? undefined : constructor(k, ctx, stmt.ctor),
    ctorData,
    site: ctx.site,
  });
  if (stmt.trace) {
    const call = stmt.op === 'shadowAlloc' ? 'klp_shadow_alloc' : 'klp_shadow_get_or_alloc';
    traceLine(
      k,
      ctx,
      `${call}(obj={}, id=0x${hex(stmt.id)}, size=8, gfp_flags=GFP_KERNEL), ctor={}, ctor_data={} = {}`,
      [obj, stmt.ctor ?? 'NULL', ctorData ?? 'NULL', entry?.data ?? 'NULL'],
    );
  }
  if (entry && stmt.text !== undefined) entry.value = stmt.text;
  if (!entry && stmt.onNull) runStatements(k, stmt.onNull, ctx);
}

/** A constructor bound to its module: runs its body, then stores the ctor data. */
function constructor(k: Kernel, ctx: CodeContext, name: string) {
  const def = moduleDef(k.set, ctx.module);
  const ctor = def.ctors?.[name];
  if (!ctor) throw new Error(`internal: module ${ctx.module} has no shadow constructor ${name}`);
  return (entry: ShadowEntry, ctorData: string | undefined): number => {
    if (ctorData === undefined) return -22;
    entry.value = ctorData;
    const site: CodeSite = { kind: 'ctor', module: ctx.module, name };
    emit(k, { type: 'shadow', op: 'ctor', obj: entry.obj, id: entry.id, data: entry.data, site });
    if (ctor.traceWrapper) traceLine(k, ctx, 'shadow_ctor: {} -> {}', [entry.data, ctorData]);
    return runCode(k, ctor.body, { ...ctx, site });
  };
}

/**
 * Returns the named shadow destructor of `ctx.module`, bound to run as that
 * module's code (undefined when no name is given). The core passes it to
 * klp_shadow_free_all for a redesign is_shadow state.
 */
export function moduleDestructor(k: Kernel, ctx: CodeContext, name: string | undefined) {
  return destructor(k, ctx, name);
}

function destructor(k: Kernel, ctx: CodeContext, name: string | undefined) {
  if (name === undefined) return undefined;
  const def = moduleDef(k.set, ctx.module);
  const dtor = def.dtors?.[name];
  if (!dtor) throw new Error(`internal: module ${ctx.module} has no shadow destructor ${name}`);
  return (entry: ShadowEntry): void => {
    const site: CodeSite = { kind: 'dtor', module: ctx.module, name };
    emit(k, { type: 'shadow', op: 'dtor', obj: entry.obj, id: entry.id, data: entry.data, site });
    if (dtor.traceWrapper) traceLine(k, ctx, 'shadow_dtor(obj={}, shadow_data={})', [entry.obj, entry.data]);
    runCode(k, dtor.body, { ...ctx, site, parent: entry.obj, freeing: entry });
  };
}

function hex(id: number): string {
  return id.toString(16);
}

/** ptr_id() of test_klp_shadow_vars: the first registration of a pointer gives its number. */
function pointerId(k: Kernel, ctx: CodeContext, name: string): number {
  const registry = k.world.modules[ctx.module]?.pointerIds;
  if (!registry) throw new Error(`internal: module ${ctx.module} is not loaded`);
  let index = registry.indexOf(name);
  if (index < 0) {
    registry.push(name);
    index = registry.length - 1;
  }
  return index;
}

/** Prints a line in which each `{}` becomes PTR<n>, numbering the pointers left to right. */
function traceLine(k: Kernel, ctx: CodeContext, format: string, pointers: readonly string[]): void {
  const ids = pointers.map((p) => pointerId(k, ctx, p));
  let next = 0;
  print(k, ctx, format.replace(/\{\}/g, () => `PTR${ids[next++]}`));
}

function resolvePointer(k: Kernel, expr: PointerExpr): string {
  if (expr.kind === 'named') return expr.name;
  const entry = k.world.shadows.find((s) => s.obj === expr.obj && s.id === expr.id);
  if (!entry) return 'NULL';
  return expr.kind === 'shadowData' ? entry.data : (entry.value ?? 'NULL');
}

const TEMPLATE_FIELD = /\{(arg|freed|shadow:(\d+)|errno:([A-Za-z0-9_]+))\}/g;

/** Fills in the placeholders of a printTemplate statement's text. */
function fillTemplate(k: Kernel, text: string, obj: ObjectRef | undefined, ctx: CodeContext): string {
  return text.replace(TEMPLATE_FIELD, (_field, name: string, id?: string, param?: string) => {
    if (name === 'arg') return ctx.arg ?? '';
    if (name === 'freed') return ctx.freeing?.value ?? '';
    if (id !== undefined) {
      if (!obj) throw new Error(`internal: template ${text} reads a shadow variable but names no object`);
      const owner = resolveObject(obj, ctx);
      return k.world.shadows.find((s) => s.obj === owner && s.id === Number(id))?.value ?? '';
    }
    const value = k.world.modules[ctx.module]?.params[param ?? ''] ?? 0;
    return formatErrorPointer(value);
  });
}

/**
 * Formats a value as %pe prints ERR_PTR(value): `-<name>` for a known errno.
 * NOTE: other values print as their number here. The kernel prints the number
 * for an unnamed errno, but a hashed pointer for a value that is not an error.
 */
function formatErrorPointer(value: number): string {
  const name = errnoName(value);
  return value < 0 && !/^E\d+$/.test(name) ? `-${name}` : String(value);
}

/** Returns the patch state of the task that a callFunction statement calls as. */
function callerTaskState(k: Kernel, task: 'current' | 'notSwitched', ctx: CodeContext): TaskState | undefined {
  const transition = k.world.transition;
  if (!transition) return undefined;
  if (transition.allTasksSwitched) return transition.target;
  if (task === 'current') return ctx.task ?? transition.target;
  // NOTE: such a task keeps the state it had when the transition began, the
  // opposite of its first target. The model takes the opposite of the current
  // target, which is wrong after a reversal.
  return transition.target === 'patched' ? 'unpatched' : 'patched';
}

/**
 * Returns the patch state of the task that runs a target module's exit during rmmod.
 * NOTE: the model assumes that task has already switched to the transition's
 * target. The kernel does not pin this down, because rmmod's task switches when
 * it leaves the kernel.
 */
function exitTaskState(k: Kernel) {
  return k.world.transition?.target;
}
