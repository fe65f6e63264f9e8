/**
 * Translation of a current-API patch set into its redesign counterpart, so
 * that the same scenario can run under both models.
 *
 * For each livepatch module:
 * - each klp_state keeps its id (and any parameter that adds or drops it);
 * - each object's set of per-object callbacks becomes a state of its own,
 *   with the same four callbacks;
 * - a declared state whose id the patch's code uses as a shadow id becomes
 *   is_shadow, without a shadow_dtor (the current API has none to carry over);
 * - block_disable is never set, because the current API has no counterpart.
 *
 * What the redesign cannot express is listed per patch as a loss. The code
 * itself is kept unchanged, apart from the trace line of the callback demo
 * modules: it needs a klp_object, and state callbacks get none.
 */
import type { Code, Condition, Statement } from './code.ts';
import { shadowIdsUsed } from './code.ts';
import type { CallbackName, ObjectDef, PatchModuleDef, PatchSet, StateDef } from './definition.ts';
import { CALLBACK_NAMES } from './definition.ts';
import type { ModuleName, ObjectName } from './ids.ts';
import { objectLabel } from './ids.ts';

/**
 * Ids of the states that carry a former object's callbacks:
 * CALLBACK_STATE_ID_BASE + module index * CALLBACK_STATE_ID_STRIDE + object
 * index, where the module index counts the set's livepatch modules in order.
 * This is a choice. The base lies above every 32-bit id, so the ids do not
 * meet the small klp_state and shadow ids that patches use. The translation
 * checks this and throws otherwise. The module index keeps two patches from
 * sharing a callback state: a shared id would let the gating rule skip the
 * second patch's callbacks, which the current API always runs.
 */
export const CALLBACK_STATE_ID_BASE = 2 ** 32;
export const CALLBACK_STATE_ID_STRIDE = 2 ** 16;

export function callbackStateId(moduleIndex: number, objectIndex: number): number {
  return CALLBACK_STATE_ID_BASE + moduleIndex * CALLBACK_STATE_ID_STRIDE + objectIndex;
}

/** Origin of a translated state. */
export type StateOrigin =
  | { readonly kind: 'klpState'; readonly version: number }
  | { readonly kind: 'objectCallbacks'; readonly object: ObjectName; readonly objectIndex: number };

export interface TranslatedState {
  readonly id: number;
  readonly origin: StateOrigin;
  readonly isShadow: boolean;
}

/** A place in a patch module's code. */
export type CodeLocation =
  | { readonly kind: 'callback'; readonly object: ObjectName; readonly callback: CallbackName }
  | { readonly kind: 'function'; readonly object: ObjectName; readonly func: string }
  | { readonly kind: 'exit' }
  | { readonly kind: 'ctor' | 'dtor'; readonly name: string };

/** Something of a current-API patch that its redesign counterpart cannot carry over. */
export type TranslationLoss =
  /** The redesign has no version: compatibility depends on block_disable only. */
  | { readonly kind: 'version'; readonly state: number; readonly version: number }
  /** The redesign removes klp_state.data, and this code reads or writes it; the translation keeps the code. */
  | { readonly kind: 'data'; readonly state: number; readonly location: CodeLocation }
  /** These callbacks of a module object no longer run when the module loads or unloads while the patch is enabled. */
  | { readonly kind: 'moduleLoadCallbacks'; readonly object: ModuleName; readonly callbacks: readonly CallbackName[] }
  /**
   * The object's callbacks run when their state is added or removed, whether or
   * not the module is loaded, and they get no klp_object: a trace line prints
   * the text of a live module.
   */
  | { readonly kind: 'perObjectGranularity'; readonly object: ModuleName; readonly state: number };

export interface PatchTranslation {
  readonly module: ModuleName;
  readonly def: PatchModuleDef;
  readonly states: readonly TranslatedState[];
  readonly losses: readonly TranslationLoss[];
  /** Shadow ids the code uses with no klp_state of that id: no state owns them, so the core never frees them. */
  readonly unownedShadowIds: readonly number[];
}

export interface SetTranslation {
  readonly set: PatchSet;
  readonly patches: readonly PatchTranslation[];
}

/** Returns every piece of code of a patch module, with its location. */
function codeOf(def: PatchModuleDef): { location: CodeLocation; code: Code }[] {
  const pieces: { location: CodeLocation; code: Code }[] = [];
  for (const object of def.objects) {
    for (const callback of CALLBACK_NAMES) {
      const code = object.callbacks?.[callback];
      if (code) pieces.push({ location: { kind: 'callback', object: object.name, callback }, code });
    }
    for (const func of object.funcs) {
      if (func.body) pieces.push({ location: { kind: 'function', object: object.name, func: func.oldName }, code: func.body });
    }
  }
  if (def.exit) pieces.push({ location: { kind: 'exit' }, code: def.exit });
  for (const [name, ctor] of Object.entries(def.ctors ?? {})) {
    if (ctor.body) pieces.push({ location: { kind: 'ctor', name }, code: ctor.body });
  }
  for (const [name, dtor] of Object.entries(def.dtors ?? {})) {
    if (dtor.body) pieces.push({ location: { kind: 'dtor', name }, code: dtor.body });
  }
  return pieces;
}

/** Ids of the klp_states whose data pointer a piece of code reads or writes, in any branch. */
function stateDataIds(code: Code | undefined): Set<number> {
  const ids = new Set<number>();
  const visitCondition = (cond: Condition): void => {
    if (cond.kind === 'stateData') ids.add(cond.id);
    else if (cond.kind === 'not') visitCondition(cond.cond);
  };
  const visit = (stmts: Code | undefined): void => {
    for (const stmt of stmts ?? []) {
      switch (stmt.op) {
        case 'stateDataAlloc':
        case 'stateDataTakeOver':
        case 'stateDataFree':
        case 'varSave':
        case 'varRestore':
          ids.add(stmt.id);
          break;
        case 'if':
          visitCondition(stmt.cond);
          visit(stmt.then);
          visit(stmt.else);
          break;
        case 'shadowAlloc':
        case 'shadowGetOrAlloc':
        case 'shadowWriteText':
          visit(stmt.onNull);
          break;
        default:
          break;
      }
    }
  };
  visit(code);
  return ids;
}

const LIVE_MODULE_TEXT = '[MODULE_STATE_LIVE] Normal state';

/**
 * The callback's code with each trace line of the callback demo modules
 * replaced by the line it prints for a loaded object: a state callback gets
 * (patch, state) and no klp_object to read the module state from.
 */
function withoutObjectTrace(code: Code, callback: CallbackName, object: ObjectName): Code {
  const line = object === null ? `${callback}_callback: vmlinux` : `${callback}_callback: ${object} -> ${LIVE_MODULE_TEXT}`;
  const rewrite = (stmts: Code): Code =>
    stmts.map((stmt): Statement => {
      if (stmt.op === 'traceCallback') return { op: 'print', text: line };
      if (stmt.op === 'if') {
        return stmt.else ? { ...stmt, then: rewrite(stmt.then), else: rewrite(stmt.else) } : { ...stmt, then: rewrite(stmt.then) };
      }
      if ((stmt.op === 'shadowAlloc' || stmt.op === 'shadowGetOrAlloc' || stmt.op === 'shadowWriteText') && stmt.onNull) {
        return { ...stmt, onNull: rewrite(stmt.onNull) };
      }
      return stmt;
    });
  return rewrite(code);
}

function callbackNames(object: ObjectDef): CallbackName[] {
  return CALLBACK_NAMES.filter((name) => object.callbacks?.[name] !== undefined);
}

/** Builds the state that takes over an object's callbacks. */
function callbackState(object: ObjectDef, id: number): StateDef {
  const callbacks: Partial<Record<CallbackName, Code>> = {};
  for (const name of callbackNames(object)) {
    callbacks[name] = withoutObjectTrace(object.callbacks?.[name] ?? [], name, object.name);
  }
  return { id, version: 0, isShadow: false, blockDisable: false, callbacks };
}

/** Translates one livepatch module; `moduleIndex` is its position among the set's livepatch modules. */
export function translatePatch(def: PatchModuleDef, moduleIndex: number): PatchTranslation {
  const pieces = codeOf(def);
  const shadowIds = new Set<number>();
  for (const piece of pieces) for (const id of shadowIdsUsed(piece.code)) shadowIds.add(id);
  const declared = def.states ?? [];

  const states: TranslatedState[] = [];
  const stateDefs: StateDef[] = [];
  const losses: TranslationLoss[] = [];

  // Callback states come first, so that the author's post_unpatch still runs
  // before the core frees the shadow variables of an is_shadow state.
  def.objects.forEach((object, objectIndex) => {
    const names = callbackNames(object);
    if (names.length === 0) return;
    const id = callbackStateId(moduleIndex, objectIndex);
    stateDefs.push(callbackState(object, id));
    states.push({ id, origin: { kind: 'objectCallbacks', object: object.name, objectIndex }, isShadow: false });
    if (object.name !== null) {
      losses.push({ kind: 'moduleLoadCallbacks', object: object.name, callbacks: names });
      losses.push({ kind: 'perObjectGranularity', object: object.name, state: id });
    }
  });

  for (const state of declared) {
    const isShadow = shadowIds.has(state.id);
    stateDefs.push({
      id: state.id,
      version: state.version,
      isShadow,
      blockDisable: false,
      ...(state.whenParam === undefined ? {} : { whenParam: state.whenParam }),
      ...(state.unlessParam === undefined ? {} : { unlessParam: state.unlessParam }),
    });
    states.push({ id: state.id, origin: { kind: 'klpState', version: state.version }, isShadow });
    losses.push({ kind: 'version', state: state.id, version: state.version });
  }

  for (const piece of pieces) {
    for (const id of stateDataIds(piece.code)) losses.push({ kind: 'data', state: id, location: piece.location });
  }

  const declaredIds = new Set(declared.map((s) => s.id));
  const translated: PatchModuleDef = {
    ...def,
    objects: def.objects.map((object) => ({ name: object.name, funcs: object.funcs })),
    states: stateDefs,
    source: `${def.source} (translated to the redesign)`,
  };
  return {
    module: def.name,
    def: translated,
    states,
    losses,
    unownedShadowIds: [...shadowIds].filter((id) => !declaredIds.has(id)).sort((a, b) => a - b),
  };
}

/** Every state and shadow id a set's code or definitions use, which callback state ids must not meet. */
function idsInUse(set: PatchSet): Set<number> {
  const ids = new Set<number>();
  for (const def of set.modules) {
    if (def.kind === 'livepatch') {
      for (const state of def.states ?? []) ids.add(state.id);
      for (const piece of codeOf(def)) for (const id of shadowIdsUsed(piece.code)) ids.add(id);
    } else {
      const code = [def.init, def.exit, ...def.functions.map((f) => f.body)];
      for (const piece of code) for (const id of shadowIdsUsed(piece)) ids.add(id);
    }
  }
  return ids;
}

/**
 * Translates every livepatch module of a set; target modules and vmlinux
 * functions carry over as they are. Throws when a callback state id would
 * meet an id the set already uses.
 */
export function translatePatchSet(set: PatchSet): SetTranslation {
  const inUse = idsInUse(set);
  const patches: PatchTranslation[] = [];
  let moduleIndex = 0;
  const modules = set.modules.map((def) => {
    if (def.kind !== 'livepatch') return def;
    const translation = translatePatch(def, moduleIndex);
    moduleIndex += 1;
    for (const state of translation.states) {
      if (state.origin.kind === 'objectCallbacks' && inUse.has(state.id)) {
        throw new Error(
          `callback state id ${state.id} for object ${objectLabel(state.origin.object)} of ${def.name} is already ` +
            `used as a state or shadow id in patch set ${set.name}; raise CALLBACK_STATE_ID_BASE`,
        );
      }
    }
    patches.push(translation);
    return translation.def;
  });
  return {
    set: { ...set, description: `${set.description ?? set.name} (translated to the redesign)`, modules },
    patches,
  };
}
