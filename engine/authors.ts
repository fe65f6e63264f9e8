/**
 * Authors of generated livepatch modules: each builder turns the intent of a
 * patch (the shadow variables its new code uses, the system changes it makes,
 * the klp_states it declares) into a PatchModuleDef whose code follows one
 * author practice.
 *
 * `bestPractice` encodes the practice that the kernel documentation describes
 * (Documentation/livepatch/system-state.rst, shadow-vars.rst,
 * cumulative-patches.rst and callbacks.rst). The other builders deviate from
 * it in one way each, and the deviation names the definition's `practice`.
 * Every rule was written from the documents alone, never adjusted to make a
 * property fire or stay quiet.
 */
import type { Code, Condition, ObjectRef, Statement } from '../model/code.ts';
import type {
  CallbackName,
  FuncDef,
  FuncRole,
  ObjectDef,
  ParamDef,
  PatchModuleDef,
  Practice,
  RedesignDeviation,
  StateDef,
  TargetFuncDef,
} from '../model/definition.ts';
import type { ModuleName, ObjectName } from '../model/ids.ts';
import { objectLabel } from '../model/ids.ts';

/**
 * The practices a generated current-API author can follow: every Practice
 * except the catalogue's kernel modules and the practices of redesign modules.
 */
export type AuthorPractice = Exclude<Practice, 'kernel-module' | 'translated' | RedesignDeviation>;

export const AUTHOR_PRACTICES: readonly AuthorPractice[] = [
  'best-practice',
  'no-state',
  'exit-frees-shadows',
  'ignores-prev-state',
  'callbacks-on-module-object',
];

/** Name of the int parameter whose value the failing pre_patch callback returns. */
export const PRE_PATCH_RET_PARAM = 'pre_patch_ret';
/** Name of the int parameter that module init copies into patch.replace. */
export const REPLACE_PARAM = 'replace';

/** A patch target known to the author: the object and the functions it offers. */
export interface ObjectIntent {
  readonly name: ObjectName;
  /** Every patchable function of the target, with its role for the parent object. */
  readonly functions: readonly TargetFuncDef[];
  /** Functions the patch replaces with a fix that touches no shadow variable. */
  readonly plainFuncs: readonly string[];
}

/** A shadow variable id the new code attaches to the parent objects of one target. */
export interface ShadowUse {
  readonly id: number;
  readonly object: ObjectName;
  /** Roles of the functions whose new code allocates the variable. The release function always frees it. */
  readonly allocateIn: readonly Exclude<FuncRole, 'release'>[];
}

/** A change of a system variable, made under a klp_state id. */
export interface SystemChange {
  readonly variable: string;
  readonly value: number;
  readonly stateId: number;
  /** The variable's value without any patch, which authors without a klp_state restore by hand. */
  readonly bootValue: number;
}

/** The behaviour of a patch, independent of how its author writes the callbacks. */
export interface PatchIntent {
  readonly name: ModuleName;
  /** patch.replace, or a `replace` parameter with this default that module init copies into it. */
  readonly replace: boolean | { readonly paramDefault: 0 | 1 };
  /** Objects of the patch in klp_object array order. */
  readonly objects: readonly ObjectIntent[];
  readonly shadows: readonly ShadowUse[];
  readonly changes: readonly SystemChange[];
  /** The klp_state entries the patch declares, for builders that declare states. */
  readonly states: readonly StateDef[];
  /**
   * Shadow ids that earlier patches of the family used and that this
   * cumulative patch no longer uses. The patch still declares their klp_states,
   * because klp_is_patch_compatible rejects a cumulative patch that lacks a
   * state of a listed patch.
   */
  readonly droppedShadowIds: readonly number[];
  /** Default of a writable `pre_patch_ret` parameter that pre_patch returns. Without it the module has no such parameter. */
  readonly prePatchRet?: number;
}

/** Thrown when an intent cannot be written with the requested practice. */
export class IntentError extends Error {
  constructor(patch: ModuleName, problem: string) {
    super(`patch intent ${patch}: ${problem}`);
    this.name = 'IntentError';
  }
}

// ---------------------------------------------------------------------------
// Statement helpers

const TRACE: Statement = { op: 'traceCallback' };
const PARENT: ObjectRef = { kind: 'parent' };

function prevState(id: number): Condition {
  return { kind: 'prevState', id };
}

function not(cond: Condition): Condition {
  return { kind: 'not', cond };
}

function when(cond: Condition, then: Code, otherwise?: Code): Statement {
  return otherwise ? { op: 'if', cond, then, else: otherwise } : { op: 'if', cond, then };
}

/**
 * Returns pre_patch_ret before pre_patch does anything else. Under
 * system-state.rst pre_patch cleans up its own mess on error, and failing
 * first leaves nothing to clean up.
 */
function failingPrePatch(intent: PatchIntent): Code {
  if (intent.prePatchRet === undefined) return [];
  const param = { kind: 'param', name: PRE_PATCH_RET_PARAM } as const;
  return [when(param, [{ op: 'returnParam', param: PRE_PATCH_RET_PARAM }])];
}

/** Wraps code so that it runs only when the patch replaces others: always, or when the `replace` parameter is set. */
function ifReplacing(intent: PatchIntent, code: Code): Code {
  if (code.length === 0) return [];
  if (intent.replace === false) {
    throw new IntentError(intent.name, 'drops shadow ids but does not replace the patches that used them');
  }
  if (intent.replace === true) return code;
  return [when({ kind: 'param', name: REPLACE_PARAM }, code)];
}

// ---------------------------------------------------------------------------
// Patched functions, shared by every practice

/** Body of a patched function: allocate on create and use, free on release, for each shadow id on its target. */
function functionBody(intent: PatchIntent, object: ObjectName, role: FuncRole): Code {
  const body: Statement[] = [];
  for (const shadow of intent.shadows.filter((s) => s.object === object)) {
    if (role === 'release') {
      // shadow-vars.rst, "Matching parent's lifecycle": free the shadow
      // variable just before its parent object is freed.
      body.push({ op: 'shadowFree', id: shadow.id, obj: PARENT });
    } else if (shadow.allocateIn.includes(role)) {
      // shadow-vars.rst: attach the variable when the parent is created,
      // before it goes live, or with klp_shadow_get_or_alloc on parents that
      // are already in flight. The document's create example calls
      // klp_shadow_alloc. get_or_alloc does the same on a new parent. On a
      // reused address with a stale variable it returns that variable
      // silently instead of warning, so the stale data stays for the
      // properties to see.
      body.push({ op: 'shadowGetOrAlloc', id: shadow.id, obj: PARENT });
    }
  }
  return body;
}

function patchedFuncs(intent: PatchIntent, object: ObjectIntent): FuncDef[] {
  const funcs: FuncDef[] = [];
  for (const target of object.functions) {
    const body = functionBody(intent, object.name, target.role);
    if (body.length > 0) funcs.push({ oldName: target.name, body });
    else if (object.plainFuncs.includes(target.name)) funcs.push({ oldName: target.name });
  }
  return funcs;
}

function checkObjects(intent: PatchIntent): void {
  const names = intent.objects.map((o) => o.name);
  if (new Set(names).size !== names.length) throw new IntentError(intent.name, 'lists an object twice');
  for (const object of intent.objects) {
    for (const func of object.plainFuncs) {
      if (!object.functions.some((f) => f.name === func)) {
        throw new IntentError(intent.name, `patches ${func}, which ${objectLabel(object.name)} does not have`);
      }
    }
  }
  for (const shadow of intent.shadows) {
    const object = intent.objects.find((o) => o.name === shadow.object);
    if (!object) {
      throw new IntentError(intent.name, `uses shadow id ${shadow.id} on ${objectLabel(shadow.object)}, which is not one of its objects`);
    }
    for (const role of [...shadow.allocateIn, 'release'] as const) {
      if (!object.functions.some((f) => f.role === role)) {
        throw new IntentError(intent.name, `${objectLabel(shadow.object)} has no ${role} function for shadow id ${shadow.id}`);
      }
    }
  }
}

function checkStatesDeclared(intent: PatchIntent): void {
  const declared = new Set(intent.states.map((s) => s.id));
  const needed = [
    ...intent.shadows.map((s) => s.id),
    ...intent.changes.map((c) => c.stateId),
    ...intent.droppedShadowIds,
  ];
  for (const id of needed) {
    if (!declared.has(id)) throw new IntentError(intent.name, `uses state id ${id} but does not declare it in states`);
  }
}

// ---------------------------------------------------------------------------
// The module definition around the callbacks

interface Layout {
  readonly practice: AuthorPractice;
  readonly callbacks?: Record<CallbackName, Code>;
  /** Object that carries the callbacks, vmlinux when not given. */
  readonly callbackObject?: ObjectName;
  readonly declareStates: boolean;
  readonly exit?: Code;
}

/**
 * Returns the intent's klp_states. With `replace` taken from a parameter, the
 * states of dropped shadow ids exist only when `replace` is non-zero at init.
 * system-state.rst says a patch lists the states it modifies, and a
 * non-cumulative load leaves the dropped variables to the patches that use them.
 */
function declaredStates(intent: PatchIntent): StateDef[] {
  return intent.states.map((state) =>
    typeof intent.replace === 'object' && intent.droppedShadowIds.includes(state.id)
      ? { ...state, whenParam: REPLACE_PARAM }
      : state,
  );
}

function moduleDef(intent: PatchIntent, layout: Layout): PatchModuleDef {
  checkObjects(intent);
  const callbackObject = layout.callbackObject ?? null;
  const intents = [...intent.objects];
  if (layout.callbacks && !intents.some((o) => o.name === callbackObject)) {
    intents.unshift({ name: callbackObject, functions: [], plainFuncs: [] });
  }
  const objects: ObjectDef[] = intents.map((object) => {
    const def: ObjectDef = { name: object.name, funcs: patchedFuncs(intent, object) };
    return layout.callbacks && object.name === callbackObject ? { ...def, callbacks: layout.callbacks } : def;
  });

  const params: ParamDef[] = [];
  if (typeof intent.replace === 'object') {
    // Read-only, so that callbacks that read it see the value init copied into patch.replace.
    params.push({ name: REPLACE_PARAM, type: 'int', default: intent.replace.paramDefault, writable: false });
  }
  if (intent.prePatchRet !== undefined && layout.callbacks) {
    params.push({ name: PRE_PATCH_RET_PARAM, type: 'int', default: intent.prePatchRet, writable: true });
  }

  return {
    kind: 'livepatch',
    name: intent.name,
    replace: typeof intent.replace === 'boolean' ? intent.replace : { param: REPLACE_PARAM },
    ...(params.length > 0 ? { params } : {}),
    objects,
    ...(layout.declareStates && intent.states.length > 0 ? { states: declaredStates(intent) } : {}),
    ...(layout.exit ? { exit: layout.exit } : {}),
    practice: layout.practice,
    source: `generated livepatch, ${layout.practice} author`,
  };
}

// ---------------------------------------------------------------------------
// Best practice

/** Builds the four callbacks of the documented practice, for any object they are placed on. */
function documentedCallbacks(intent: PatchIntent): Record<CallbackName, Code> {
  const prePatch: Statement[] = [TRACE, ...failingPrePatch(intent)];
  const postPatch: Statement[] = [TRACE];
  const preUnpatch: Statement[] = [TRACE];
  const postUnpatch: Statement[] = [TRACE];

  for (const change of intent.changes) {
    const id = change.stateId;
    // system-state.rst, pre_patch: allocate state->data, unless the data is
    // already provided by a previously installed livepatch.
    prePatch.push(when(not(prevState(id)), [{ op: 'stateDataAlloc', id }]));
    // system-state.rst, post_patch: copy state->data from the previous
    // livepatch, or make the actual change once the whole system can handle
    // it, after saving what pre_unpatch needs to revert it.
    postPatch.push(
      when(
        prevState(id),
        [{ op: 'stateDataTakeOver', id }],
        [
          { op: 'varSave', name: change.variable, id },
          { op: 'varSet', name: change.variable, value: change.value, id },
        ],
      ),
    );
    // system-state.rst, pre_unpatch: revert the change. The document notes
    // that pre_unpatch runs only when the patch is disabled, so it need not
    // care about previously installed livepatches.
    preUnpatch.push({ op: 'varRestore', name: change.variable, id });
    // system-state.rst, post_unpatch: tell a reversed transition from a
    // disable with klp_get_prev_state. On a reversal the previous patch keeps
    // its data, otherwise release it.
    postUnpatch.push(when(not(prevState(id)), [{ op: 'stateDataFree', id }]));
  }

  for (const shadow of intent.shadows) {
    // cumulative-patches.rst: remove shadow variables in post_unpatch, never
    // blindly in module_exit, because a newer cumulative patch may still use
    // them. The same klp_get_prev_state test as for state data keeps them
    // when the transition was reversed and an older patch still uses them,
    // so each shadow id is declared as a klp_state of the same id.
    postUnpatch.push(when(not(prevState(shadow.id)), [{ op: 'shadowFreeAll', id: shadow.id }]));
  }

  // system-state.rst, post_patch: free the data of replaced livepatches when
  // it is no longer needed. The rule covers shadow variables too: the document
  // counts changes made by the new code as system state, and
  // cumulative-patches.rst leaves passing shadow variables between cumulative
  // patches to the authors. The replaced patches' code no longer runs at
  // post_patch, so nothing uses the dropped variables any more.
  // post_unpatch frees variables of a dropped id that a reversed newer patch
  // left behind, as it does for the ids in use.
  const leftovers: Statement[] = [];
  const unneeded: Statement[] = [];
  for (const id of intent.droppedShadowIds) {
    leftovers.push(when(prevState(id), [{ op: 'shadowFreeAll', id }]));
    unneeded.push(when(not(prevState(id)), [{ op: 'shadowFreeAll', id }]));
  }
  postPatch.push(...ifReplacing(intent, leftovers));
  postUnpatch.push(...ifReplacing(intent, unneeded));

  return { pre_patch: prePatch, post_patch: postPatch, pre_unpatch: preUnpatch, post_unpatch: postUnpatch };
}

/**
 * Writes the patch as the kernel documentation advises. It declares a
 * klp_state for every system change and shadow id, and frees shadow variables
 * with their parents and in post_unpatch. Its callbacks sit on the vmlinux
 * object, so they run only from transitions, where klp_get_prev_state looks
 * below this patch.
 */
export function bestPractice(intent: PatchIntent): PatchModuleDef {
  checkStatesDeclared(intent);
  return moduleDef(intent, { practice: 'best-practice', callbacks: documentedCallbacks(intent), declareStates: true });
}

// ---------------------------------------------------------------------------
// Deviations

/**
 * Declares no klp_state, so the callbacks cannot consult klp_get_prev_state:
 * post_patch makes every change, pre_unpatch writes the boot value back, and
 * post_unpatch frees all shadow variables of the patch's ids.
 */
export function noState(intent: PatchIntent): PatchModuleDef {
  const prePatch: Statement[] = [TRACE, ...failingPrePatch(intent)];
  const postPatch: Statement[] = [TRACE];
  const preUnpatch: Statement[] = [TRACE];
  const postUnpatch: Statement[] = [TRACE];
  for (const change of intent.changes) {
    postPatch.push({ op: 'varSet', name: change.variable, value: change.value });
    preUnpatch.push({ op: 'varSet', name: change.variable, value: change.bootValue });
  }
  for (const shadow of intent.shadows) postUnpatch.push({ op: 'shadowFreeAll', id: shadow.id });
  postPatch.push(...ifReplacing(intent, unconditionalLeftovers(intent)));
  return moduleDef(intent, {
    practice: 'no-state',
    callbacks: { pre_patch: prePatch, post_patch: postPatch, pre_unpatch: preUnpatch, post_unpatch: postUnpatch },
    declareStates: false,
  });
}

/**
 * Frees the patch's shadow variables with klp_shadow_free_all in module_exit,
 * as livepatch-shadow-fix1.c and livepatch-shadow-fix2.c do, and has no
 * callbacks and no klp_state. Dropped shadow ids are left alone, as the samples
 * know no handover. Intents with system changes or a failing pre_patch need
 * callbacks and are rejected.
 */
export function exitFreesShadows(intent: PatchIntent): PatchModuleDef {
  if (intent.changes.length > 0) {
    throw new IntentError(intent.name, 'makes system changes, which an author without callbacks cannot make');
  }
  if (intent.prePatchRet !== undefined) {
    throw new IntentError(intent.name, 'has a failing pre_patch, but an exit-frees-shadows author writes no callbacks');
  }
  const exit: Statement[] = intent.shadows.map((shadow) => ({ op: 'shadowFreeAll', id: shadow.id }));
  return moduleDef(intent, { practice: 'exit-frees-shadows', declareStates: false, ...(exit.length > 0 ? { exit } : {}) });
}

/**
 * Declares klp_states but never calls klp_get_prev_state, as test_klp_state.c
 * (version 1) does: pre_patch allocates, post_patch saves and changes,
 * pre_unpatch restores, post_unpatch frees the data and every shadow variable
 * of its ids, all unconditionally.
 */
export function ignoresPrevState(intent: PatchIntent): PatchModuleDef {
  checkStatesDeclared(intent);
  const prePatch: Statement[] = [TRACE, ...failingPrePatch(intent)];
  const postPatch: Statement[] = [TRACE];
  const preUnpatch: Statement[] = [TRACE];
  const postUnpatch: Statement[] = [TRACE];
  for (const change of intent.changes) {
    const id = change.stateId;
    prePatch.push({ op: 'stateDataAlloc', id });
    postPatch.push(
      { op: 'varSave', name: change.variable, id },
      { op: 'varSet', name: change.variable, value: change.value, id },
    );
    preUnpatch.push({ op: 'varRestore', name: change.variable, id });
    postUnpatch.push({ op: 'stateDataFree', id });
  }
  for (const shadow of intent.shadows) postUnpatch.push({ op: 'shadowFreeAll', id: shadow.id });
  postPatch.push(...ifReplacing(intent, unconditionalLeftovers(intent)));
  return moduleDef(intent, {
    practice: 'ignores-prev-state',
    callbacks: { pre_patch: prePatch, post_patch: postPatch, pre_unpatch: preUnpatch, post_unpatch: postUnpatch },
    declareStates: true,
  });
}

/** Frees the dropped shadow ids without asking klp_get_prev_state whether an older patch used them. */
function unconditionalLeftovers(intent: PatchIntent): Statement[] {
  return intent.droppedShadowIds.map((id) => ({ op: 'shadowFreeAll', id }));
}

/**
 * Writes the documented callbacks on the first target module object instead
 * of vmlinux. They then also run from the module notifier when that module
 * loads or unloads, where klp_get_prev_state may look below another patch or
 * find no transition at all.
 */
export function callbacksOnModuleObject(intent: PatchIntent): PatchModuleDef {
  checkStatesDeclared(intent);
  const moduleObject = intent.objects.find((o) => o.name !== null);
  if (!moduleObject) throw new IntentError(intent.name, 'has no target module object to put the callbacks on');
  return moduleDef(intent, {
    practice: 'callbacks-on-module-object',
    callbacks: documentedCallbacks(intent),
    callbackObject: moduleObject.name,
    declareStates: true,
  });
}

const AUTHORS: Record<AuthorPractice, (intent: PatchIntent) => PatchModuleDef> = {
  'best-practice': bestPractice,
  'no-state': noState,
  'exit-frees-shadows': exitFreesShadows,
  'ignores-prev-state': ignoresPrevState,
  'callbacks-on-module-object': callbacksOnModuleObject,
};

/** Writes the patch of an intent with the builder of one practice. */
export function writePatch(intent: PatchIntent, practice: AuthorPractice): PatchModuleDef {
  return AUTHORS[practice](intent);
}
