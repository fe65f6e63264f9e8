/**
 * Structural checks of the built-in catalogue: names, sources, and every name
 * that author code or an object refers to (modules, functions, parameters,
 * constructors, destructors, states, system variables) resolves in its set.
 */
import { describe, expect, test } from 'vitest';

import type { Code, Condition, Statement } from '../model/code.ts';
import { CATALOGUE, catalogueSet } from '../model/catalogue/index.ts';
import type { ModuleDef, PatchModuleDef, PatchSet } from '../model/definition.ts';
import { patchModules, printPrefix, targetFunctions, targetModules } from '../model/definition.ts';

/** Collects every piece of code a module definition carries. */
function codeOf(def: ModuleDef): Code[] {
  const codes: (Code | undefined)[] = [def.exit];
  for (const ctor of Object.values(def.ctors ?? {})) codes.push(ctor.body);
  for (const dtor of Object.values(def.dtors ?? {})) codes.push(dtor.body);

  if (def.kind === 'target') {
    codes.push(def.init);
    for (const func of def.functions) codes.push(func.body);
  } else {
    for (const object of def.objects) {
      codes.push(...Object.values(object.callbacks ?? {}));
      for (const func of object.funcs) codes.push(func.body);
    }
  }
  return codes.filter((code): code is Code => code !== undefined);
}

/** Collects every statement of a module, nested ones included. */
function statementsOf(def: ModuleDef): Statement[] {
  const found: Statement[] = [];
  const visit = (code: Code | undefined): void => {
    for (const stmt of code ?? []) {
      found.push(stmt);
      if (stmt.op === 'if') {
        visit(stmt.then);
        visit(stmt.else);
      }
      if (stmt.op === 'shadowAlloc' || stmt.op === 'shadowGetOrAlloc') visit(stmt.onNull);
    }
  };
  for (const code of codeOf(def)) visit(code);
  return found;
}

/** Collects every condition of a module, the operands of `not` included. */
function conditionsOf(def: ModuleDef): Condition[] {
  const found: Condition[] = [];
  const visit = (cond: Condition): void => {
    found.push(cond);
    if (cond.kind === 'not') visit(cond.cond);
  };
  for (const stmt of statementsOf(def)) if (stmt.op === 'if') visit(stmt.cond);
  return found;
}

/** Returns the id of the klp_state whose data or change a statement works on, if any. */
function stateIdOf(stmt: Statement): number | undefined {
  switch (stmt.op) {
    case 'stateDataAlloc':
    case 'stateDataTakeOver':
    case 'stateDataFree':
    case 'varSave':
    case 'varRestore':
    case 'varSet':
      return stmt.id;
    default:
      return undefined;
  }
}

function moduleEntries(): [string, PatchSet, ModuleDef][] {
  return CATALOGUE.flatMap((set) => set.modules.map((def): [string, PatchSet, ModuleDef] => [def.name, set, def]));
}

function patchEntries(): [string, PatchSet, PatchModuleDef][] {
  return CATALOGUE.flatMap((set) =>
    patchModules(set).map((def): [string, PatchSet, PatchModuleDef] => [def.name, set, def]),
  );
}

describe('catalogue sets', () => {
  test('set names are unique kebab-case', () => {
    const names = CATALOGUE.map((set) => set.name);
    expect(new Set(names).size).toBe(names.length);
    for (const name of names) expect(name).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
  });

  test('catalogueSet finds each set by name', () => {
    for (const set of CATALOGUE) expect(catalogueSet(set.name)).toBe(set);
    expect(catalogueSet('no-such-set')).toBeUndefined();
  });

  test('each module is defined once', () => {
    const names = CATALOGUE.flatMap((set) => set.modules.map((def) => def.name));
    expect(new Set(names).size).toBe(names.length);
  });

  test.each(CATALOGUE.map((set): [string, PatchSet] => [set.name, set]))(
    '%s lists exactly the vmlinux functions it patches',
    (_name, set) => {
      const patched = new Set(
        patchModules(set).flatMap((def) =>
          def.objects.filter((object) => object.name === null).flatMap((object) => object.funcs.map((f) => f.oldName)),
        ),
      );
      const listed = set.vmlinuxFunctions.map((f) => f.name);
      expect(new Set(listed).size).toBe(listed.length);
      expect([...listed].sort()).toEqual([...patched].sort());
    },
  );
});

describe('catalogue modules', () => {
  test.each(moduleEntries())('%s names its kernel source file', (_name, _set, def) => {
    expect(def.source).toMatch(/^(tools\/testing\/selftests\/livepatch\/test_modules|samples\/livepatch)\/[\w-]+\.c$/);
  });

  test.each(moduleEntries())('%s prints with the prefix of its source', (name, _set, def) => {
    // livepatch-shadow-mod.c is the only module without a pr_fmt.
    const expected = name === 'livepatch_shadow_mod' ? '' : `${name}: `;
    expect(printPrefix(def)).toBe(expected);
  });

  test.each(moduleEntries())('%s refers only to its own parameters', (_name, _set, def) => {
    const params = new Set((def.params ?? []).map((param) => param.name));
    expect(params.size).toBe((def.params ?? []).length);

    for (const param of def.params ?? []) {
      if (param.type === 'bool') expect([0, 1]).toContain(param.default);
    }
    for (const stmt of statementsOf(def)) {
      if (stmt.op === 'returnParam') expect(params).toContain(stmt.param);
    }
    for (const cond of conditionsOf(def)) {
      if (cond.kind === 'param') expect(params).toContain(cond.name);
    }
    if (def.kind === 'livepatch' && typeof def.replace === 'object') expect(params).toContain(def.replace.param);
  });

  test.each(moduleEntries())('%s uses only its own constructors and destructors', (_name, _set, def) => {
    const ctors = Object.keys(def.ctors ?? {});
    const dtors = Object.keys(def.dtors ?? {});

    for (const stmt of statementsOf(def)) {
      const allocates = stmt.op === 'shadowAlloc' || stmt.op === 'shadowGetOrAlloc';
      const frees = stmt.op === 'shadowFree' || stmt.op === 'shadowFreeAll';
      if (allocates && stmt.ctor) expect(ctors).toContain(stmt.ctor);
      if (frees && stmt.dtor) expect(dtors).toContain(stmt.dtor);
    }
  });

  test.each(moduleEntries())('%s uses only declared system variables', (_name, set, def) => {
    const declared = Object.keys(set.systemVariables);
    for (const stmt of statementsOf(def)) {
      const touchesVariable = stmt.op === 'varSave' || stmt.op === 'varSet' || stmt.op === 'varRestore';
      if (touchesVariable) expect(declared).toContain(stmt.name);
    }
  });

  test.each(moduleEntries())('%s calls only its own functions at exit', (_name, _set, def) => {
    const functions = def.kind === 'target' ? def.functions.map((f) => f.name) : [];
    for (const stmt of statementsOf(def)) {
      if (stmt.op === 'callOnEachParent') expect(functions).toContain(stmt.func);
    }
  });
});

describe('catalogue livepatches', () => {
  test.each(patchEntries())('%s targets modules of its set', (_name, set, def) => {
    const targets = targetModules(set).map((target) => target.name);
    const objectNames = def.objects.map((object) => object.name);

    expect(new Set(objectNames).size).toBe(objectNames.length);
    for (const name of objectNames) {
      if (name !== null) expect(targets).toContain(name);
    }
  });

  test.each(patchEntries())('%s patches functions its targets have', (_name, set, def) => {
    for (const object of def.objects) {
      const available = targetFunctions(set, object.name).map((f) => f.name);
      for (const func of object.funcs) expect(available).toContain(func.oldName);
    }
  });

  test.each(patchEntries())('%s uses only the states it declares', (_name, _set, def) => {
    const declared = (def.states ?? []).map((state) => state.id);
    expect(new Set(declared).size).toBe(declared.length);

    for (const stmt of statementsOf(def)) {
      const id = stateIdOf(stmt);
      if (id !== undefined) expect(declared).toContain(id);
    }
    for (const cond of conditionsOf(def)) {
      if (cond.kind === 'ownState' || cond.kind === 'stateData') expect(declared).toContain(cond.id);
    }
  });

  test.each(patchEntries())('%s claims a practice that fits its code', (_name, _set, def) => {
    const usesShadows = statementsOf(def).some((stmt) => stmt.op.startsWith('shadow'));
    const usesStates = (def.states ?? []).length > 0;
    if (def.practice === 'kernel-module') {
      expect(usesShadows).toBe(false);
      expect(usesStates).toBe(false);
    }
    if (def.practice === 'exit-frees-shadows') {
      expect(def.exit?.some((stmt) => stmt.op === 'shadowFreeAll')).toBe(true);
    }
    if (def.practice === 'best-practice' || def.practice === 'ignores-prev-state') expect(usesStates).toBe(true);
  });
});
