/**
 * Classification of a violation: an API flaw shows even when every livepatch
 * author followed the documented practice; otherwise an author error is needed.
 */
import { shadowIdsUsed, type Code } from '../model/code.ts';
import { findModule, type PatchModuleDef, type PatchSet } from '../model/definition.ts';
import type { Operation } from '../model/operations.ts';
import type { Classification } from './counterexample.ts';

function codeOf(def: PatchModuleDef): Code[] {
  const code: Code[] = [];
  for (const object of def.objects) {
    for (const func of object.funcs) if (func.body) code.push(func.body);
    for (const callback of Object.values(object.callbacks ?? {})) if (callback) code.push(callback);
  }
  if (def.exit) code.push(def.exit);
  for (const ctor of Object.values(def.ctors ?? {})) if (ctor.body) code.push(ctor.body);
  for (const dtor of Object.values(def.dtors ?? {})) if (dtor.body) code.push(dtor.body);
  return code;
}

/** Tells whether a livepatch uses none of callbacks, shadow variables and states; only then does 'kernel-module' count as best practice. */
function usesNoCallbacksShadowsOrStates(def: PatchModuleDef): boolean {
  const hasCallbacks = def.objects.some((object) => Object.values(object.callbacks ?? {}).some((c) => c !== undefined));
  const hasStates = (def.states ?? []).length > 0;
  const hasShadows = codeOf(def).some((code) => shadowIdsUsed(code).size > 0);
  return !hasCallbacks && !hasStates && !hasShadows;
}

function followsPractice(def: PatchModuleDef): boolean {
  if (def.practice === 'best-practice') return true;
  return def.practice === 'kernel-module' && usesNoCallbacksShadowsOrStates(def);
}

/**
 * Returns the livepatch modules that the operations insert and that deviate from the
 * documented practice, each once, in order of first insertion. A failed
 * insmod counts too, because the module's code (its pre_patch callbacks) ran.
 */
export function deviatingModules(set: PatchSet, ops: readonly Operation[]): PatchModuleDef[] {
  const deviating: PatchModuleDef[] = [];
  for (const op of ops) {
    if (op.type !== 'insmod') continue;
    const def = findModule(set, op.module);
    if (def?.kind === 'livepatch' && !followsPractice(def) && !deviating.includes(def)) deviating.push(def);
  }
  return deviating;
}

/** 'api-flaw' when every livepatch module that the operations insert follows the documented practice, else 'author-error'. */
export function classifyViolation(set: PatchSet, ops: readonly Operation[]): Classification {
  return deviatingModules(set, ops).length === 0 ? 'api-flaw' : 'author-error';
}
