/**
 * Name checks of scenario and counterexample files: every module, parameter,
 * function and parent object that an operation or a patched function names
 * must exist in the patch set. The model would run such a name as a refusal,
 * a no-op or a patch that changes nothing, but in a hand-written file it is
 * almost always a typo.
 */
import type { Code } from '../model/code.ts';
import { findModule, targetFunctions, type ModuleDef, type PatchSet } from '../model/definition.ts';
import type { ObjectName } from '../model/ids.ts';
import type { Operation } from '../model/operations.ts';
import { childPath, closestName, DecodeError, describeValue } from './decode.ts';
import { parentPrefix } from './generate-operations.ts';

function checkName(path: string, kind: string, name: string, valid: readonly string[]): void {
  if (valid.includes(name)) return;
  const guess = closestName(name, valid);
  throw new DecodeError(
    path,
    valid.length > 0 ? `the name of a ${kind} of the patch set (${valid.join(', ')})` : `a ${kind}, but the patch set has none`,
    describeValue(name),
    guess ? `Did you mean "${guess}"?` : `Add the ${kind} to the patch set or correct the name.`,
  );
}

/**
 * Rejects a value other than 0 or 1 for a bool parameter. The model stores
 * the number as given, while the kernel's param_set_bool parses the text with
 * kstrtobool, which fails with -EINVAL for most other values.
 */
function checkBoolValue(path: string, def: ModuleDef | undefined, param: string, value: number): void {
  const type = def?.params?.find((p) => p.name === param)?.type;
  if (type !== 'bool' || value === 0 || value === 1) return;
  throw new DecodeError(
    path,
    `0 or 1, because ${param} is a bool parameter of ${def?.name}`,
    describeValue(value),
    'Use 0 for false or 1 for true.',
  );
}

function checkInsmodParams(set: PatchSet, op: Extract<Operation, { type: 'insmod' }>, at: string): void {
  const def = findModule(set, op.module);
  const valid = (def?.params ?? []).map((p) => p.name);
  for (const [name, value] of Object.entries(op.params ?? {})) {
    const path = childPath(`${at}.params`, name);
    checkName(path, `parameter of ${op.module}`, name, valid);
    checkBoolValue(path, def, name, value);
  }
}

/**
 * Rejects operations that name a module, patch, parameter, object, function
 * or parent the patch set does not define, and bool parameter values other
 * than 0 or 1.
 */
export function checkOperationNames(set: PatchSet, operations: readonly Operation[]): void {
  const modules = set.modules.map((m) => m.name as string);
  const livepatches = set.modules.filter((m) => m.kind === 'livepatch').map((m) => m.name as string);
  const targets = set.modules.filter((m) => m.kind === 'target').map((m) => m.name as string);
  const statics = staticParentNames(set);
  operations.forEach((op, index) => {
    const at = `$.operations[${index}]`;
    switch (op.type) {
      case 'insmod':
        checkName(`${at}.module`, 'module', op.module, modules);
        checkInsmodParams(set, op, at);
        break;
      case 'rmmod':
        checkName(`${at}.module`, 'module', op.module, modules);
        break;
      case 'write_param': {
        checkName(`${at}.module`, 'module', op.module, modules);
        const def = findModule(set, op.module);
        checkName(`${at}.param`, `parameter of ${op.module}`, op.param, (def?.params ?? []).map((p) => p.name));
        checkBoolValue(`${at}.value`, def, op.param, op.value);
        break;
      }
      case 'write_enabled':
      case 'write_force':
      case 'free_work':
        checkName(`${at}.patch`, 'livepatch module', op.patch, livepatches);
        break;
      case 'call': {
        if (op.object !== null) checkName(`${at}.object`, 'target module', op.object, targets);
        checkName(`${at}.func`, `function of ${op.object ?? 'vmlinux'}`, op.func, targetFunctions(set, op.object).map((f) => f.name));
        checkParentName(`${at}.parent`, op.object, op.parent, statics);
        break;
      }
      case 'transition_work':
        break;
    }
  });
}

// Parent objects

/**
 * Rejects a parent name unless it is `<prefix>obj<n>` with the prefix of the
 * called function's object, as the operation generator names parents: `vm_`
 * for vmlinux, `<module>_` for a module. A static object that a
 * `createParent` statement of the patch set brings to life is accepted too.
 */
function checkParentName(path: string, object: ObjectName, parent: string, statics: readonly string[]): void {
  const prefix = parentPrefix(object);
  if (new RegExp(`^${escapeRegExp(prefix)}obj[1-9][0-9]*$`).test(parent) || statics.includes(parent)) return;

  const numbered = /obj([1-9][0-9]*)$/.exec(parent);
  const guess = numbered ? `${prefix}obj${numbered[1]}` : closestName(parent, statics);
  const where = object === null ? 'vmlinux' : `target module ${object}`;
  const staticsText = statics.length > 0 ? `, or a static object created by a createParent statement (${statics.join(', ')})` : '';
  throw new DecodeError(
    path,
    `a parent object of ${where} named ${prefix}obj<n> with n = 1, 2, ...${staticsText}`,
    describeValue(parent),
    guess ? `Did you mean "${guess}"?` : `Rename it to the form ${prefix}obj<n>, such as "${prefix}obj1".`,
  );
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Names of the static parent objects that `createParent` statements anywhere in the patch set create. */
function staticParentNames(set: PatchSet): string[] {
  const names = new Set<string>();
  const visit = (code: Code | undefined): void => {
    for (const stmt of code ?? []) {
      if (stmt.op === 'createParent') names.add(stmt.name);
      else if (stmt.op === 'if') {
        visit(stmt.then);
        visit(stmt.else);
      } else if (stmt.op === 'shadowAlloc' || stmt.op === 'shadowGetOrAlloc' || stmt.op === 'shadowWriteText') {
        visit(stmt.onNull);
      }
    }
  };
  for (const code of codeOfPatchSet(set)) visit(code);
  return [...names];
}

/** Every top-level piece of code of a patch set: function bodies, callbacks, init, exit, handlers, ctors and dtors. */
function codeOfPatchSet(set: PatchSet): (Code | undefined)[] {
  const pieces: (Code | undefined)[] = set.vmlinuxFunctions.map((f) => f.body);
  for (const def of set.modules) {
    pieces.push(def.exit, ...(def.params ?? []).map((p) => p.onWrite?.body));
    pieces.push(...Object.values(def.ctors ?? {}).map((c) => c.body), ...Object.values(def.dtors ?? {}).map((d) => d.body));
    if (def.kind === 'target') {
      pieces.push(def.init, ...def.functions.map((f) => f.body));
      continue;
    }
    for (const obj of def.objects) pieces.push(...obj.funcs.map((f) => f.body), ...Object.values(obj.callbacks ?? {}));
    for (const state of def.states ?? []) pieces.push(...Object.values(state.callbacks ?? {}));
  }
  return pieces;
}

// Patched functions

/**
 * Rejects a patched function that its object's target does not define: not
 * in `vmlinuxFunctions` for vmlinux, not in the target module's `functions`
 * for a module. The kernel refuses such a patch, or the target module, with
 * -EINVAL once both are loaded (klp_find_object_symbol finds no symbol), but
 * the model treats symbol lookup as always successful, so the patch would
 * load and change nothing. An object may name a module that the patch set
 * lacks, as shrunk compare files do: that module never loads, so the kernel
 * never looks its functions up.
 */
export function checkPatchedFunctions(set: PatchSet, path: string): void {
  set.modules.forEach((def, moduleIndex) => {
    if (def.kind !== 'livepatch') return;
    def.objects.forEach((obj, objectIndex) => {
      const at = `${path}.modules[${moduleIndex}].objects[${objectIndex}]`;
      if (obj.name !== null) {
        const target = findModule(set, obj.name);
        if (!target) {
          checkUnknownObject(set, `${at}.name`, obj.name);
          return;
        }
        if (target.kind === 'livepatch') throw livepatchObjectError(set, `${at}.name`, obj.name);
      }
      obj.funcs.forEach((func, funcIndex) => checkPatchedFunction(set, `${at}.funcs[${funcIndex}].oldName`, obj.name, func.oldName));
    });
  });
}

function checkPatchedFunction(set: PatchSet, path: string, object: ObjectName, oldName: string): void {
  const valid = targetFunctions(set, object).map((f) => f.name);
  if (valid.includes(oldName)) return;
  const guess = closestName(oldName, valid);
  const list = object === null ? 'vmlinuxFunctions' : `the functions of target module ${object}`;
  throw new DecodeError(
    path,
    valid.length > 0 ? `a function listed in ${list} (${valid.join(', ')})` : `a function listed in ${list}, but it lists none`,
    describeValue(oldName),
    guess
      ? `Did you mean "${guess}"?`
      : `Add the function to ${list} or correct the name: the kernel would fail to patch it with -EINVAL, and the model does not model symbol failures.`,
  );
}

/**
 * Rejects an object name that is not a module of the set but looks like a
 * typo: "vmlinux", which the format writes as null, or a name close to a
 * target module of the set. Other unknown names stay accepted, as above.
 */
function checkUnknownObject(set: PatchSet, path: string, name: string): void {
  const targets = set.modules.filter((m) => m.kind === 'target').map((m) => m.name as string);
  if (name === 'vmlinux') {
    throw new DecodeError(path, 'null for vmlinux', describeValue(name), 'Write null, not the string "vmlinux", for a vmlinux object.');
  }
  const guess = closestName(name, targets);
  if (guess) throw new DecodeError(path, `the name of a target module (${targets.join(', ')}) or null for vmlinux`, describeValue(name), `Did you mean "${guess}"?`);
}

/** Builds the error for an object that names a livepatch module, which has no patchable functions in the model. */
function livepatchObjectError(set: PatchSet, path: string, name: string): DecodeError {
  const targets = set.modules.filter((m) => m.kind === 'target').map((m) => m.name as string);
  return new DecodeError(
    path,
    targets.length > 0 ? `null for vmlinux or the name of a target module (${targets.join(', ')})` : 'null for vmlinux',
    `${describeValue(name)}, a livepatch module`,
    'Patch vmlinux or a target module: a livepatch module has no patchable functions in the model.',
  );
}

// Parameters a module definition refers to

/**
 * Rejects a module definition that takes patch.replace, block_disable or the
 * presence of a klp_state from a parameter the module does not define. The
 * model reads a missing parameter as 0, so a misspelt name would silently
 * fix the value.
 */
export function checkDefinitionParams(set: PatchSet, path: string): void {
  set.modules.forEach((def, moduleIndex) => {
    if (def.kind !== 'livepatch') return;
    const at = `${path}.modules[${moduleIndex}]`;
    const params = (def.params ?? []).map((param) => param.name);
    if (typeof def.replace === 'object') checkParamName(`${at}.replace.param`, def.name, def.replace.param, params);
    (def.states ?? []).forEach((state, stateIndex) => {
      const stateAt = `${at}.states[${stateIndex}]`;
      if (typeof state.blockDisable === 'object') checkParamName(`${stateAt}.blockDisable.param`, def.name, state.blockDisable.param, params);
      if (state.whenParam !== undefined) checkParamName(`${stateAt}.whenParam`, def.name, state.whenParam, params);
      if (state.unlessParam !== undefined) checkParamName(`${stateAt}.unlessParam`, def.name, state.unlessParam, params);
    });
  });
}

function checkParamName(path: string, module: string, name: string, params: readonly string[]): void {
  if (params.includes(name)) return;
  const guess = closestName(name, params);
  throw new DecodeError(
    path,
    params.length > 0 ? `a parameter of ${module} (${params.join(', ')})` : `a parameter of ${module}, but it defines none`,
    describeValue(name),
    guess ? `Did you mean "${guess}"?` : `Add the parameter to the params of ${module} or correct the name.`,
  );
}
