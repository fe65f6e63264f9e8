/**
 * Author code as data: what callbacks, patched functions, module init/exit and
 * shadow constructors or destructors do to shadow variables, system variables
 * and klp_state data. The interpreter in `interpret.ts` runs these statements
 * against the world; the kernel core never looks inside them.
 */
import type { ObjectName } from './ids.ts';

/** A pointer expression for shadow calls: the function's parent object, or a fixed address. */
export type ObjectRef =
  | { readonly kind: 'parent' }
  | { readonly kind: 'static'; readonly name: string };

export type Condition =
  /** klp_get_prev_state(id) returns a state. */
  | { readonly kind: 'prevState'; readonly id: number }
  /** klp_get_state(own patch, id) returns a state. */
  | { readonly kind: 'ownState'; readonly id: number }
  /** klp_shadow_get(obj, id) returns a variable. */
  | { readonly kind: 'shadowExists'; readonly id: number; readonly obj: ObjectRef }
  /** A module parameter is non-zero (or true). */
  | { readonly kind: 'param'; readonly name: string }
  /** The own state's data pointer is set. */
  | { readonly kind: 'stateData'; readonly id: number }
  /** Inside a parameter's set handler: the value being written is non-zero. */
  | { readonly kind: 'written' }
  | { readonly kind: 'not'; readonly cond: Condition };

export type Statement =
  /** pr_info() from the module: printed as `<module>: <text>`. */
  | { readonly op: 'print'; readonly text: string }
  /**
   * The trace line of the callback demo modules: `<callback>: vmlinux` or
   * `<callback>: <module> -> <module state text>`.
   */
  | { readonly op: 'traceCallback' }
  | { readonly op: 'return'; readonly value: number }
  /** Return the current value of an int module parameter. */
  | { readonly op: 'returnParam'; readonly param: string }
  | { readonly op: 'if'; readonly cond: Condition; readonly then: Code; readonly else?: Code }
  /** Allocate a buffer into the own state's data pointer. */
  | { readonly op: 'stateDataAlloc'; readonly id: number }
  /** Copy the data pointer of klp_get_prev_state(id) into the own state. */
  | { readonly op: 'stateDataTakeOver'; readonly id: number }
  /** Free the buffer the own state's data pointer refers to; like kfree(), it leaves the pointer dangling. */
  | { readonly op: 'stateDataFree'; readonly id: number }
  /** Save a system variable's current value into the own state's data buffer. */
  | { readonly op: 'varSave'; readonly name: string; readonly id: number }
  /** Set a system variable; `id` names the klp_state under which the change is made, if any. */
  | { readonly op: 'varSet'; readonly name: string; readonly value: number; readonly id?: number }
  /** Write the value saved in the own state's data buffer back to the system variable. */
  | { readonly op: 'varRestore'; readonly name: string; readonly id: number }
  | {
      readonly op: 'shadowAlloc' | 'shadowGetOrAlloc';
      readonly id: number;
      readonly obj: ObjectRef;
      readonly ctor?: string;
      /**
       * The pointer value the constructor receives as *ctor_data and stores.
       * `{parent}` in it is replaced by the parent object's name.
       */
      readonly ctorData?: string;
      /** Print the call as the test_klp_shadow_vars wrappers do, with PTR<n> numbering. */
      readonly trace?: boolean;
      /** Statements run when the call returns NULL. */
      readonly onNull?: Code;
      /** A text the author code copies into the variable the call returns, without a constructor. */
      readonly text?: string;
    }
  | { readonly op: 'shadowGet'; readonly id: number; readonly obj: ObjectRef; readonly trace?: boolean }
  | {
      readonly op: 'shadowFree';
      readonly id: number;
      readonly obj: ObjectRef;
      readonly dtor?: string;
      readonly trace?: boolean;
    }
  | { readonly op: 'shadowFreeAll'; readonly id: number; readonly dtor?: string; readonly trace?: boolean }
  /** Register a pointer with the test module's PTR<n> numbering. */
  | { readonly op: 'ptrId'; readonly name: string }
  /** Print a line in which each `{}` is replaced by PTR<n> of the named pointer expression. */
  | { readonly op: 'printPointers'; readonly format: string; readonly pointers: readonly PointerExpr[] }
  /** The parent object dies: a create function gives up, or a release function finishes. */
  | { readonly op: 'releaseParent' }
  /** Call a function of the own module on every live parent object (module exit cleanup). */
  | { readonly op: 'callOnEachParent'; readonly func: string }
  /** A static object of the own module comes alive, so that its functions can be called on it. */
  | { readonly op: 'createParent'; readonly name: string }
  /**
   * pr_info() with placeholders: `{arg}` is the string argument the running
   * function got, `{shadow:<id>}` the text held by the shadow variable
   * <obj, id> (empty when there is none), `{freed}` the text of the variable
   * the running destructor frees, and `{errno:<param>}` an int module
   * parameter printed as %pe prints ERR_PTR(value).
   */
  | { readonly op: 'printTemplate'; readonly text: string; readonly obj?: ObjectRef }
  /** klp_shadow_get(obj, id), then copy a text into the variable; onNull runs when it does not exist. */
  | { readonly op: 'shadowWriteText'; readonly id: number; readonly obj: ObjectRef; readonly text: string; readonly onNull?: Code }
  /** klp_shadow_get(obj, id), then save a system variable's current value into the shadow variable. */
  | { readonly op: 'varSaveShadow'; readonly name: string; readonly id: number; readonly obj: ObjectRef }
  /** klp_shadow_get(obj, id), then write the value saved there back to the system variable. */
  | { readonly op: 'varRestoreShadow'; readonly name: string; readonly id: number; readonly obj: ObjectRef }
  /**
   * Call a function of a patch target through the ftrace handler, on the named
   * parent object or else on the running code's. `task` picks the calling
   * task's patch state. `current` is the task running this code. `notSwitched`
   * is a task that has not switched in the running transition because it slept
   * in a function the transition changes; after force every task has switched.
   */
  | {
      readonly op: 'callFunction';
      readonly object: ObjectName;
      readonly func: string;
      readonly parent?: string;
      readonly arg?: string;
      readonly task: 'current' | 'notSwitched';
    };

/** A pointer printed by `printPointers`. */
export type PointerExpr =
  | { readonly kind: 'named'; readonly name: string }
  | { readonly kind: 'shadowData'; readonly id: number; readonly obj: string }
  | { readonly kind: 'shadowValue'; readonly id: number; readonly obj: string };

export type Code = readonly Statement[];

/**
 * A shadow variable constructor. It stores the call's ctorData into the new
 * variable and fails (returns -EINVAL) when the call passes no ctorData.
 */
export interface ShadowCtor {
  readonly body?: Code;
  /** Print `shadow_ctor: PTR<data> -> PTR<value>` as test_klp_shadow_vars does. */
  readonly traceWrapper?: boolean;
}

/** A shadow variable destructor, run by klp_shadow_free and klp_shadow_free_all. */
export interface ShadowDtor {
  readonly body?: Code;
  /** Print `shadow_dtor(obj=PTR<o>, shadow_data=PTR<d>)` as test_klp_shadow_vars does. */
  readonly traceWrapper?: boolean;
}

const NO_IDS: ReadonlySet<number> = new Set();
/** Ids per piece of code. Code is never changed once defined, so a cached set stays valid. */
const idsByCode = new WeakMap<Code, ReadonlySet<number>>();

/** Ids of the shadow variables a piece of code touches, in any branch. */
export function shadowIdsUsed(code: Code | undefined): ReadonlySet<number> {
  if (!code) return NO_IDS;
  let ids = idsByCode.get(code);
  if (!ids) {
    const found = new Set<number>();
    collectShadowIds(code, found);
    ids = found;
    idsByCode.set(code, ids);
  }
  return ids;
}

function collectShadowIds(stmts: Code | undefined, ids: Set<number>): void {
  for (const stmt of stmts ?? []) {
    switch (stmt.op) {
      case 'shadowAlloc':
      case 'shadowGetOrAlloc':
        ids.add(stmt.id);
        collectShadowIds(stmt.onNull, ids);
        break;
      case 'shadowGet':
      case 'shadowFree':
      case 'shadowFreeAll':
      case 'shadowWriteText':
      case 'varSaveShadow':
      case 'varRestoreShadow':
        ids.add(stmt.id);
        if (stmt.op === 'shadowWriteText') collectShadowIds(stmt.onNull, ids);
        break;
      case 'if':
        collectShadowIds(stmt.then, ids);
        collectShadowIds(stmt.else, ids);
        break;
      default:
        break;
    }
  }
}

/** Ids whose shadow variables a piece of code can free, in any branch, with the freed object if fixed. */
export function shadowFrees(code: Code | undefined): { id: number; obj: ObjectRef | 'all' }[] {
  const frees: { id: number; obj: ObjectRef | 'all' }[] = [];
  const visit = (stmts: Code | undefined): void => {
    for (const stmt of stmts ?? []) {
      if (stmt.op === 'shadowFree') frees.push({ id: stmt.id, obj: stmt.obj });
      else if (stmt.op === 'shadowFreeAll') frees.push({ id: stmt.id, obj: 'all' });
      else if (stmt.op === 'if') {
        visit(stmt.then);
        visit(stmt.else);
      } else if ((stmt.op === 'shadowAlloc' || stmt.op === 'shadowGetOrAlloc') && stmt.onNull) visit(stmt.onNull);
    }
  };
  visit(code);
  return frees;
}
