import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Code, Condition, Statement } from '../model/code.ts';
import { shadowIdsUsed } from '../model/code.ts';
import type { CallbackName, PatchModuleDef, PatchSet } from '../model/definition.ts';
import { CALLBACK_NAMES, patchModules, targetFunctions, targetModules } from '../model/definition.ts';
import { currentModel } from '../model/current/index.ts';
import { moduleName } from '../model/ids.ts';
import type { Operation } from '../model/operations.ts';
import type { Model } from '../model/trace.ts';
import type { PatchInstance, World } from '../model/world.ts';
import { initialWorld } from '../model/world.ts';
import type { PatchIntent } from '../engine/authors.ts';
import {
  AUTHOR_PRACTICES,
  bestPractice,
  callbacksOnModuleObject,
  exitFreesShadows,
  ignoresPrevState,
  IntentError,
  noState,
  PRE_PATCH_RET_PARAM,
  REPLACE_PARAM,
  writePatch,
} from '../engine/authors.ts';
import {
  arbitraryChoices,
  candidateOperations,
  operationFromChoice,
  operationsFromChoices,
  REFUSED_EVERY,
  refusedOperations,
} from '../engine/generate-operations.ts';
import {
  arbitraryPatchSet,
  describePatchSet,
  generatedTarget,
  SHADOW_IDS,
  SYSTEM_STATE_IDS,
  VMLINUX_FUNCTIONS,
} from '../engine/generate-patch-set.ts';

// ---------------------------------------------------------------------------
// Helpers

/** Collects every statement of a piece of code, branches and onNull included, in order. */
function statements(code: Code | undefined): Statement[] {
  const all: Statement[] = [];
  for (const stmt of code ?? []) {
    all.push(stmt);
    if (stmt.op === 'if') all.push(...statements(stmt.then), ...statements(stmt.else));
    if ((stmt.op === 'shadowAlloc' || stmt.op === 'shadowGetOrAlloc') && stmt.onNull) all.push(...statements(stmt.onNull));
  }
  return all;
}

function conditions(code: Code | undefined): Condition[] {
  return statements(code).flatMap((stmt) => (stmt.op === 'if' ? [stmt.cond] : []));
}

/** Collects all code of a livepatch module: function bodies, callbacks and module exit. */
function allCode(def: PatchModuleDef): Code[] {
  const code: Code[] = [];
  for (const object of def.objects) {
    for (const func of object.funcs) code.push(func.body ?? []);
    for (const name of CALLBACK_NAMES) code.push(object.callbacks?.[name] ?? []);
  }
  code.push(def.exit ?? []);
  return code;
}

/** Tells whether a patch's functions allocate shadow variables of an id. */
function allocates(def: PatchModuleDef, id: number): boolean {
  return def.objects.some((o) =>
    o.funcs.some((f) => statements(f.body).some((s) => s.op === 'shadowGetOrAlloc' && s.id === id)),
  );
}

function callback(def: PatchModuleDef, name: CallbackName, object: string | null = null): Code {
  const found = def.objects.find((o) => o.name === object)?.callbacks?.[name];
  if (!found) throw new Error(`${def.name} has no ${name} on ${object ?? 'vmlinux'}`);
  return found;
}

function funcBody(def: PatchModuleDef, object: string | null, name: string): Code | undefined {
  return def.objects.find((o) => o.name === object)?.funcs.find((f) => f.oldName === name)?.body;
}

const STATE_DECLARING = new Set(['best-practice', 'ignores-prev-state', 'callbacks-on-module-object']);

const TARGET_1 = generatedTarget('klp_target_1');

/** A replacing patch that changes state 1, uses shadow 0x10 on klp_target_1, and drops shadow 0x11. */
const INTENT: PatchIntent = {
  name: moduleName('klp_test_p'),
  replace: true,
  objects: [
    { name: null, functions: VMLINUX_FUNCTIONS, plainFuncs: ['vm_obj_use'] },
    { name: TARGET_1.name, functions: TARGET_1.functions, plainFuncs: [] },
  ],
  shadows: [{ id: 0x10, object: TARGET_1.name, allocateIn: ['create', 'use'] }],
  changes: [{ variable: 'sysctl_state_1', value: 2, stateId: 1, bootValue: 0 }],
  states: [
    { id: 1, version: 1 },
    { id: 0x10, version: 1 },
    { id: 0x11, version: 1 },
  ],
  droppedShadowIds: [0x11],
  prePatchRet: 0,
};

const prev = (id: number): Condition => ({ kind: 'prevState', id });
const notPrev = (id: number): Condition => ({ kind: 'not', cond: prev(id) });

// ---------------------------------------------------------------------------
// Generated patch sets

describe('arbitraryPatchSet', () => {
  const RUNS = { numRuns: 300, seed: 7 };

  it('names modules uniquely', () => {
    fc.assert(
      fc.property(arbitraryPatchSet(), (set) => {
        const names = set.modules.map((m) => m.name);
        expect(new Set(names).size).toBe(names.length);
        const patches = patchModules(set);
        expect(patches.length).toBeGreaterThanOrEqual(1);
        expect(patches.length).toBeLessThanOrEqual(4);
        patches.forEach((p, i) => expect(p.name).toBe(`klp_gen_${'abcd'[i]}`));
      }),
      RUNS,
    );
  });

  it('builds the documented targets', () => {
    fc.assert(
      fc.property(arbitraryPatchSet(), (set) => {
        expect(set.vmlinuxFunctions.map((f) => [f.name, f.role])).toEqual([
          ['vm_obj_alloc', 'create'],
          ['vm_obj_use', 'use'],
          ['vm_obj_free', 'release'],
        ]);
        const targets = targetModules(set);
        expect(targets.length).toBeGreaterThanOrEqual(1);
        expect(targets.length).toBeLessThanOrEqual(2);
        targets.forEach((t, i) => {
          expect(t.name).toBe(`klp_target_${i + 1}`);
          expect(t.functions.map((f) => f.role)).toEqual(['create', 'use', 'release']);
          expect(t.exit).toEqual([{ op: 'callOnEachParent', func: `${t.name}_obj_free` }]);
        });
      }),
      RUNS,
    );
  });

  it('patches only existing target functions', () => {
    fc.assert(
      fc.property(arbitraryPatchSet(), (set) => {
        const targets = new Set<string | null>([null, ...targetModules(set).map((t) => t.name)]);
        for (const patch of patchModules(set)) {
          const objectNames = patch.objects.map((o) => o.name);
          expect(new Set(objectNames).size).toBe(objectNames.length);
          for (const object of patch.objects) {
            expect(targets.has(object.name)).toBe(true);
            const names = targetFunctions(set, object.name).map((f) => f.name);
            for (const func of object.funcs) expect(names).toContain(func.oldName);
          }
        }
      }),
      RUNS,
    );
  });

  it('declares a state for every used id', () => {
    fc.assert(
      fc.property(arbitraryPatchSet(), (set) => {
        for (const patch of patchModules(set)) {
          if (!STATE_DECLARING.has(patch.practice)) continue;
          const declared = new Set((patch.states ?? []).map((s) => s.id));
          for (const code of allCode(patch)) {
            for (const id of shadowIdsUsed(code)) expect(declared.has(id)).toBe(true);
            for (const stmt of statements(code)) {
              const stateOps = ['stateDataAlloc', 'stateDataTakeOver', 'stateDataFree', 'varSave', 'varRestore'];
              if ('id' in stmt && stmt.id !== undefined && (stateOps.includes(stmt.op) || stmt.op === 'varSet')) {
                expect(declared.has(stmt.id)).toBe(true);
              }
            }
          }
        }
      }),
      RUNS,
    );
  });

  it('keeps states unique with versions 1 to 3', () => {
    fc.assert(
      fc.property(arbitraryPatchSet(), (set) => {
        const known = new Set<number>([...SYSTEM_STATE_IDS, ...SHADOW_IDS]);
        for (const patch of patchModules(set)) {
          const ids = (patch.states ?? []).map((s) => s.id);
          expect(new Set(ids).size).toBe(ids.length);
          for (const state of patch.states ?? []) {
            expect(known.has(state.id)).toBe(true);
            expect(state.version).toBeGreaterThanOrEqual(1);
            expect(state.version).toBeLessThanOrEqual(3);
          }
          if (!STATE_DECLARING.has(patch.practice)) expect(patch.states ?? []).toEqual([]);
        }
      }),
      RUNS,
    );
  });

  it('lets replace patches declare the family states', () => {
    fc.assert(
      fc.property(arbitraryPatchSet(), (set) => {
        const patches = patchModules(set);
        const family = new Set(patches.flatMap((p) => (p.states ?? []).map((s) => s.id)));
        for (const patch of patches) {
          if (patch.replace === false || !STATE_DECLARING.has(patch.practice)) continue;
          const declared = new Set((patch.states ?? []).map((s) => s.id));
          for (const id of family) expect(declared.has(id)).toBe(true);
        }
      }),
      RUNS,
    );
  });

  it('makes every family change when cumulative', () => {
    fc.assert(
      fc.property(arbitraryPatchSet(), (set) => {
        const variables = Object.keys(set.systemVariables);
        for (const patch of patchModules(set)) {
          if (patch.replace === false || patch.practice === 'exit-frees-shadows') continue;
          const code = allCode(patch).flatMap(statements);
          for (const name of variables) expect(code.some((s) => s.op === 'varSet' && s.name === name)).toBe(true);
        }
      }),
      RUNS,
    );
  });

  it('declares dropped shadow states when replacing', () => {
    fc.assert(
      fc.property(arbitraryPatchSet(), (set) => {
        for (const patch of patchModules(set)) {
          const used = new Set(allCode(patch).flatMap((code) => [...shadowIdsUsed(code)]));
          for (const state of patch.states ?? []) {
            const dropped = SHADOW_IDS.includes(state.id as (typeof SHADOW_IDS)[number]) && !allocates(patch, state.id);
            if (typeof patch.replace === 'object' && dropped) expect(state.whenParam).toBe(REPLACE_PARAM);
            else expect(state.whenParam).toBeUndefined();
            expect(used.has(state.id) || SYSTEM_STATE_IDS.includes(state.id as 1 | 2 | 3)).toBe(true);
          }
        }
      }),
      RUNS,
    );
  });

  it('declares every changed system variable', () => {
    fc.assert(
      fc.property(arbitraryPatchSet(), (set) => {
        const changed = new Set<string>();
        for (const patch of patchModules(set)) {
          for (const code of allCode(patch)) {
            for (const stmt of statements(code)) {
              if (stmt.op === 'varSet' || stmt.op === 'varSave' || stmt.op === 'varRestore') changed.add(stmt.name);
            }
          }
        }
        expect(new Set(Object.keys(set.systemVariables))).toEqual(changed);
        for (const [name, value] of Object.entries(set.systemVariables)) {
          expect(name).toMatch(/^sysctl_state_[123]$/);
          expect(value).toBe(0);
        }
      }),
      RUNS,
    );
  });

  it('defines the parameters the code reads', () => {
    fc.assert(
      fc.property(arbitraryPatchSet(), (set) => {
        for (const patch of patchModules(set)) {
          const params = new Map((patch.params ?? []).map((p) => [p.name, p]));
          if (typeof patch.replace === 'object') {
            expect(params.get(patch.replace.param)).toMatchObject({ type: 'int', writable: false });
          }
          const prePatchRet = params.get(PRE_PATCH_RET_PARAM);
          if (prePatchRet) {
            expect(prePatchRet).toMatchObject({ type: 'int', writable: true });
            expect(prePatchRet.default).toBeLessThanOrEqual(0);
          }
          for (const code of allCode(patch)) {
            for (const cond of conditions(code)) if (cond.kind === 'param') expect(params.has(cond.name)).toBe(true);
            for (const stmt of statements(code)) {
              if (stmt.op === 'returnParam') expect(params.has(stmt.param)).toBe(true);
            }
          }
        }
      }),
      RUNS,
    );
  });

  it('starts every callback with its trace line', () => {
    fc.assert(
      fc.property(arbitraryPatchSet(), (set) => {
        for (const patch of patchModules(set)) {
          for (const object of patch.objects) {
            for (const name of CALLBACK_NAMES) {
              const code = object.callbacks?.[name];
              if (code) expect(code[0]).toEqual({ op: 'traceCallback' });
            }
          }
        }
      }),
      RUNS,
    );
  });

  it('frees in module exit only when tagged', () => {
    fc.assert(
      fc.property(arbitraryPatchSet(), (set) => {
        for (const patch of patchModules(set)) {
          if (patch.practice !== 'exit-frees-shadows') expect(patch.exit).toBeUndefined();
          else expect(patch.objects.every((o) => o.callbacks === undefined)).toBe(true);
        }
      }),
      RUNS,
    );
  });

  it('describes itself', () => {
    fc.assert(
      fc.property(arbitraryPatchSet(), (set) => {
        expect(set.description).toBe(describePatchSet(set));
        expect(set.description).not.toContain('\n');
        for (const patch of patchModules(set)) expect(set.description).toContain(patch.name);
      }),
      RUNS,
    );
  });

  it('draws mostly best-practice authors', () => {
    const sets = fc.sample(arbitraryPatchSet(), { numRuns: 400, seed: 11 });
    const practices = sets.flatMap((set) => patchModules(set).map((p) => p.practice));
    const best = practices.filter((p) => p === 'best-practice').length;
    expect(best / practices.length).toBeGreaterThan(0.5);
    for (const practice of AUTHOR_PRACTICES) expect(practices).toContain(practice);
  });

  it('honours the options', () => {
    fc.assert(
      fc.property(arbitraryPatchSet({ maxPatches: 2, practices: ['best-practice'] }), (set) => {
        const patches = patchModules(set);
        expect(patches.length).toBeLessThanOrEqual(2);
        for (const patch of patches) expect(patch.practice).toBe('best-practice');
      }),
      RUNS,
    );
    expect(() => arbitraryPatchSet({ maxPatches: 0 })).toThrow(RangeError);
    expect(() => arbitraryPatchSet({ maxPatches: 5 })).toThrow(/from 1 to 4, got 5/);
    expect(() => arbitraryPatchSet({ practices: [] })).toThrow(RangeError);
  });

  it('shrinks toward one best-practice patch', () => {
    const result = fc.check(
      fc.property(arbitraryPatchSet(), (set) => patchModules(set).every((p) => p.states === undefined)),
      { seed: 5, numRuns: 500 },
    );
    expect(result.failed).toBe(true);
    const [set] = result.counterexample as [PatchSet];
    const patches = patchModules(set);
    expect(patches).toHaveLength(1);
    expect(patches[0]!.practice).toBe('best-practice');
    expect(patches[0]!.states).toHaveLength(1);
  });
});

// ---------------------------------------------------------------------------
// Best-practice authors

describe('bestPractice', () => {
  const def = bestPractice(INTENT);

  it('puts callbacks on vmlinux only', () => {
    expect(def.practice).toBe('best-practice');
    expect(def.objects[0]!.name).toBeNull();
    expect(Object.keys(def.objects[0]!.callbacks ?? {}).sort()).toEqual([...CALLBACK_NAMES].sort());
    for (const object of def.objects.slice(1)) expect(object.callbacks).toBeUndefined();
    expect(def.exit).toBeUndefined();
    expect(def.states).toEqual(INTENT.states);
  });

  it('fails pre_patch before allocating', () => {
    expect(callback(def, 'pre_patch')).toEqual([
      { op: 'traceCallback' },
      {
        op: 'if',
        cond: { kind: 'param', name: PRE_PATCH_RET_PARAM },
        then: [{ op: 'returnParam', param: PRE_PATCH_RET_PARAM }],
      },
      { op: 'if', cond: notPrev(1), then: [{ op: 'stateDataAlloc', id: 1 }] },
    ]);
    expect(def.params).toContainEqual({ name: PRE_PATCH_RET_PARAM, type: 'int', default: 0, writable: true });
  });

  it('takes over or changes in post_patch', () => {
    const code = callback(def, 'post_patch');
    expect(code[0]).toEqual({ op: 'traceCallback' });
    expect(code[1]).toEqual({
      op: 'if',
      cond: prev(1),
      then: [{ op: 'stateDataTakeOver', id: 1 }],
      else: [
        { op: 'varSave', name: 'sysctl_state_1', id: 1 },
        { op: 'varSet', name: 'sysctl_state_1', value: 2, id: 1 },
      ],
    });
  });

  it('frees leftovers of replaced patches', () => {
    const code = callback(def, 'post_patch');
    expect(code.slice(2)).toEqual([{ op: 'if', cond: prev(0x11), then: [{ op: 'shadowFreeAll', id: 0x11 }] }]);
  });

  it('guards leftovers by the replace parameter', () => {
    const fromParam = bestPractice({ ...INTENT, replace: { paramDefault: 0 } });
    expect(fromParam.replace).toEqual({ param: REPLACE_PARAM });
    expect(fromParam.params).toContainEqual({ name: REPLACE_PARAM, type: 'int', default: 0, writable: false });
    const guard = { op: 'if', cond: { kind: 'param', name: REPLACE_PARAM } };
    expect(callback(fromParam, 'post_patch').at(-1)).toMatchObject(guard);
    expect(callback(fromParam, 'post_unpatch').at(-1)).toMatchObject(guard);
    expect(fromParam.states).toContainEqual({ id: 0x11, version: 1, whenParam: REPLACE_PARAM });
    expect(fromParam.states).toContainEqual({ id: 0x10, version: 1 });
    expect(bestPractice(INTENT).states).toContainEqual({ id: 0x11, version: 1 });
    expect(() => bestPractice({ ...INTENT, replace: false })).toThrow(IntentError);
  });

  it('reverts and releases on unpatch', () => {
    expect(callback(def, 'pre_unpatch')).toEqual([
      { op: 'traceCallback' },
      { op: 'varRestore', name: 'sysctl_state_1', id: 1 },
    ]);
    expect(callback(def, 'post_unpatch')).toEqual([
      { op: 'traceCallback' },
      { op: 'if', cond: notPrev(1), then: [{ op: 'stateDataFree', id: 1 }] },
      { op: 'if', cond: notPrev(0x10), then: [{ op: 'shadowFreeAll', id: 0x10 }] },
      { op: 'if', cond: notPrev(0x11), then: [{ op: 'shadowFreeAll', id: 0x11 }] },
    ]);
  });

  it('ties shadows to the parent lifecycle', () => {
    const parent = { kind: 'parent' } as const;
    expect(funcBody(def, 'klp_target_1', 'klp_target_1_obj_alloc')).toEqual([
      { op: 'shadowGetOrAlloc', id: 0x10, obj: parent },
    ]);
    expect(funcBody(def, 'klp_target_1', 'klp_target_1_obj_use')).toEqual([
      { op: 'shadowGetOrAlloc', id: 0x10, obj: parent },
    ]);
    expect(funcBody(def, 'klp_target_1', 'klp_target_1_obj_free')).toEqual([{ op: 'shadowFree', id: 0x10, obj: parent }]);
    const vmlinux = def.objects.find((o) => o.name === null)!;
    expect(vmlinux.funcs).toEqual([{ oldName: 'vm_obj_use' }]);
  });

  it('allocates only where the intent says', () => {
    const createOnly = bestPractice({
      ...INTENT,
      shadows: [{ id: 0x10, object: TARGET_1.name, allocateIn: ['create'] }],
    });
    const funcs = createOnly.objects.find((o) => o.name === 'klp_target_1')!.funcs.map((f) => f.oldName);
    expect(funcs).toEqual(['klp_target_1_obj_alloc', 'klp_target_1_obj_free']);
  });

  it('rejects undeclared states', () => {
    expect(() => bestPractice({ ...INTENT, states: INTENT.states.filter((s) => s.id !== 0x10) })).toThrow(
      /state id 16 but does not declare it/,
    );
  });

  it('rejects shadows on missing objects', () => {
    expect(() => bestPractice({ ...INTENT, objects: INTENT.objects.slice(0, 1) })).toThrow(IntentError);
  });
});

// ---------------------------------------------------------------------------
// Deviating authors

describe('deviating authors', () => {
  it('no-state keeps no klp_state', () => {
    const def = noState(INTENT);
    expect(def.practice).toBe('no-state');
    expect(def.states).toBeUndefined();
    for (const code of allCode(def)) {
      expect(conditions(code).filter((c) => c.kind !== 'param')).toEqual([]);
      for (const stmt of statements(code)) expect(stmt.op.startsWith('state')).toBe(false);
    }
    expect(callback(def, 'post_patch')).toContainEqual({ op: 'varSet', name: 'sysctl_state_1', value: 2 });
    expect(callback(def, 'pre_unpatch')).toContainEqual({ op: 'varSet', name: 'sysctl_state_1', value: 0 });
    expect(callback(def, 'post_unpatch')).toContainEqual({ op: 'shadowFreeAll', id: 0x10 });
  });

  it('exit-frees-shadows frees in module exit', () => {
    const intent: PatchIntent = { ...INTENT, changes: [], prePatchRet: undefined };
    const def = exitFreesShadows(intent);
    expect(def.practice).toBe('exit-frees-shadows');
    expect(def.exit).toEqual([{ op: 'shadowFreeAll', id: 0x10 }]);
    expect(def.states).toBeUndefined();
    expect(def.objects.every((o) => o.callbacks === undefined)).toBe(true);
    expect(funcBody(def, 'klp_target_1', 'klp_target_1_obj_free')).toEqual(
      funcBody(bestPractice(INTENT), 'klp_target_1', 'klp_target_1_obj_free'),
    );
    expect(() => exitFreesShadows(INTENT)).toThrow(/system changes/);
  });

  it('ignores-prev-state never asks', () => {
    const def = ignoresPrevState(INTENT);
    expect(def.practice).toBe('ignores-prev-state');
    expect(def.states).toEqual(INTENT.states);
    for (const code of allCode(def)) {
      expect(conditions(code).filter((c) => c.kind !== 'param')).toEqual([]);
    }
    expect(callback(def, 'pre_patch')).toContainEqual({ op: 'stateDataAlloc', id: 1 });
    expect(callback(def, 'post_unpatch')).toEqual([
      { op: 'traceCallback' },
      { op: 'stateDataFree', id: 1 },
      { op: 'shadowFreeAll', id: 0x10 },
    ]);
    expect(callback(def, 'post_patch').at(-1)).toEqual({ op: 'shadowFreeAll', id: 0x11 });
  });

  it('callbacks-on-module-object moves the callbacks', () => {
    const def = callbacksOnModuleObject(INTENT);
    expect(def.practice).toBe('callbacks-on-module-object');
    expect(def.objects.find((o) => o.name === null)!.callbacks).toBeUndefined();
    const best = bestPractice(INTENT);
    expect(def.objects.find((o) => o.name === 'klp_target_1')!.callbacks).toEqual(best.objects[0]!.callbacks);
    expect(() => callbacksOnModuleObject({ ...INTENT, objects: INTENT.objects.slice(0, 1), shadows: [] })).toThrow(
      /no target module object/,
    );
  });

  it('writePatch dispatches by practice', () => {
    const intent: PatchIntent = { ...INTENT, changes: [], prePatchRet: undefined };
    for (const practice of AUTHOR_PRACTICES) expect(writePatch(intent, practice).practice).toBe(practice);
  });
});

// ---------------------------------------------------------------------------
// Candidate operations

function patchSet(modules: PatchSet['modules']): PatchSet {
  return { name: 'test', modules, vmlinuxFunctions: VMLINUX_FUNCTIONS, systemVariables: {} };
}

/** Two livepatches (one with pre_patch_ret and a replace parameter) and one target. */
const SET = patchSet([
  bestPractice({ ...INTENT, name: moduleName('klp_test_a'), replace: { paramDefault: 0 } }),
  bestPractice({ ...INTENT, name: moduleName('klp_test_b'), droppedShadowIds: [], prePatchRet: undefined }),
  TARGET_1,
]);

function patchInstance(module: string, load: number, fields: Partial<PatchInstance>): PatchInstance {
  return {
    id: `${module}#${load}`,
    module,
    replace: false,
    enableOrder: load,
    enabled: true,
    forced: false,
    phase: 'listed',
    objects: [],
    states: [],
    ...fields,
  } as PatchInstance;
}

/** Builds a world with klp_test_a enabled, klp_target_1 loaded, and some parents of the target. */
function busyWorld(): World {
  const world = initialWorld(SET);
  const patch = patchInstance('klp_test_a', 1, {});
  world.patches[patch.id] = patch;
  world.klpPatches.push(patch.id);
  world.modules.klp_test_a = { name: moduleName('klp_test_a'), kind: 'livepatch', params: { replace: 0, pre_patch_ret: 0 }, patch: patch.id, pointerIds: [] };
  world.modules.klp_target_1 = { name: moduleName('klp_target_1'), kind: 'target', params: {}, pointerIds: [] };
  world.parents = {
    klp_target_1_obj1: { owner: moduleName('klp_target_1'), alive: false },
    klp_target_1_obj2: { owner: moduleName('klp_target_1'), alive: true },
    klp_target_1_obj4: { owner: moduleName('klp_target_1'), alive: true },
    vm_obj1: { owner: null, alive: true },
  };
  return world;
}

const has = (ops: readonly Operation[], op: Operation) => expect(ops).toContainEqual(op);
const lacks = (ops: readonly Operation[], op: Operation) => expect(ops).not.toContainEqual(op);

describe('candidateOperations', () => {
  it('loads everything in a fresh world', () => {
    const ops = candidateOperations(SET, initialWorld(SET));
    expect(ops.slice(0, 4)).toEqual([
      { type: 'insmod', module: 'klp_test_a', params: { replace: 0, pre_patch_ret: 0 } },
      { type: 'insmod', module: 'klp_test_a', params: { replace: 1, pre_patch_ret: 0 } },
      { type: 'insmod', module: 'klp_test_a', params: { replace: 0, pre_patch_ret: -19 } },
      { type: 'insmod', module: 'klp_test_b' },
    ]);
    has(ops, { type: 'insmod', module: 'klp_target_1' });
    expect(ops.filter((op) => op.type === 'call')).toEqual([
      { type: 'call', object: null, func: 'vm_obj_alloc', parent: 'vm_obj1' },
    ]);
    expect(ops.every((op) => op.type === 'insmod' || op.type === 'call')).toBe(true);
  });

  it('is deterministic for a world', () => {
    const world = busyWorld();
    expect(candidateOperations(SET, world)).toEqual(candidateOperations(SET, structuredClone(world)));
    expect(refusedOperations(SET, world)).toEqual(refusedOperations(SET, structuredClone(world)));
  });

  it('calls on fresh, reused and live parents', () => {
    const calls = candidateOperations(SET, busyWorld()).filter((op) => op.type === 'call');
    const target = { type: 'call', object: TARGET_1.name } as const;
    has(calls, { ...target, func: 'klp_target_1_obj_alloc', parent: 'klp_target_1_obj5' });
    has(calls, { ...target, func: 'klp_target_1_obj_alloc', parent: 'klp_target_1_obj1' });
    lacks(calls, { ...target, func: 'klp_target_1_obj_alloc', parent: 'klp_target_1_obj2' });
    for (const func of ['klp_target_1_obj_use', 'klp_target_1_obj_free']) {
      has(calls, { ...target, func, parent: 'klp_target_1_obj2' });
      has(calls, { ...target, func, parent: 'klp_target_1_obj4' });
      lacks(calls, { ...target, func, parent: 'klp_target_1_obj1' });
    }
    has(calls, { type: 'call', object: null, func: 'vm_obj_alloc', parent: 'vm_obj2' });
    has(calls, { type: 'call', object: null, func: 'vm_obj_use', parent: 'vm_obj1' });
    lacks(calls, { type: 'call', object: null, func: 'vm_obj_use', parent: 'klp_target_1_obj2' });
  });

  it('offers disables, params and removals', () => {
    const ops = candidateOperations(SET, busyWorld());
    has(ops, { type: 'write_enabled', patch: 'klp_test_a', value: 0 });
    lacks(ops, { type: 'write_enabled', patch: 'klp_test_a', value: 1 });
    has(ops, { type: 'write_param', module: 'klp_test_a', param: PRE_PATCH_RET_PARAM, value: -19 });
    lacks(ops, { type: 'write_param', module: 'klp_test_a', param: REPLACE_PARAM, value: 1 });
    has(ops, { type: 'rmmod', module: 'klp_target_1' });
    lacks(ops, { type: 'rmmod', module: 'klp_test_a' });
    lacks(ops, { type: 'transition_work' });
    lacks(ops, { type: 'write_force', patch: 'klp_test_a' });
  });

  it('splits calls by task in a transition', () => {
    const world = busyWorld();
    world.patches['klp_test_a#1']!.enabled = false;
    world.transition = { patch: 'klp_test_a#1' as PatchInstance['id'], target: 'unpatched', allTasksSwitched: false };
    const ops = candidateOperations(SET, world);
    has(ops, { type: 'transition_work' });
    has(ops, { type: 'write_force', patch: 'klp_test_a' });
    has(ops, { type: 'write_enabled', patch: 'klp_test_a', value: 1 });
    const use = { type: 'call', object: null, func: 'vm_obj_use', parent: 'vm_obj1' } as const;
    has(ops, { ...use, task: 'patched' });
    has(ops, { ...use, task: 'unpatched' });
    lacks(ops, use);

    world.transition.allTasksSwitched = true;
    const forced = candidateOperations(SET, world);
    has(forced, { ...use, task: 'unpatched' });
    lacks(forced, { ...use, task: 'patched' });
  });

  it('offers the free work of a freeing patch', () => {
    const world = busyWorld();
    Object.assign(world.patches['klp_test_a#1']!, { enabled: false, phase: 'freeing' });
    world.klpPatches = [];
    const ops = candidateOperations(SET, world);
    has(ops, { type: 'free_work', patch: 'klp_test_a' });
    expect(ops.some((op) => op.type === 'write_enabled')).toBe(false);
    lacks(ops, { type: 'rmmod', module: 'klp_test_a' });

    Object.assign(world.patches['klp_test_a#1']!, { phase: 'released' });
    has(candidateOperations(SET, world), { type: 'rmmod', module: 'klp_test_a' });
    world.patches['klp_test_a#1']!.forced = true;
    lacks(candidateOperations(SET, world), { type: 'rmmod', module: 'klp_test_a' });
    has(refusedOperations(SET, world), { type: 'rmmod', module: 'klp_test_a' });
  });
});

describe('refusedOperations', () => {
  it('lists the expected refusals', () => {
    const refused = refusedOperations(SET, busyWorld());
    has(refused, { type: 'insmod', module: 'klp_test_a', params: { replace: 0, pre_patch_ret: 0 } });
    has(refused, { type: 'insmod', module: 'klp_target_1' });
    lacks(refused, { type: 'insmod', module: 'klp_test_b' });
    has(refused, { type: 'rmmod', module: 'klp_test_a' });
    has(refused, { type: 'write_enabled', patch: 'klp_test_a', value: 1 });
    lacks(refused, { type: 'write_enabled', patch: 'klp_test_a', value: 0 });
    has(refused, { type: 'write_force', patch: 'klp_test_a' });
  });

  it('never overlaps the candidates', () => {
    const world = busyWorld();
    const candidates = candidateOperations(SET, world);
    for (const op of refusedOperations(SET, world)) lacks(candidates, op);
  });
});

// ---------------------------------------------------------------------------
// Choices

describe('operationFromChoice', () => {
  it('maps every choice to a listed operation', () => {
    const world = busyWorld();
    const listed = [...candidateOperations(SET, world), ...refusedOperations(SET, world)];
    fc.assert(
      fc.property(fc.nat(), (choice) => {
        expect(listed).toContainEqual(operationFromChoice(SET, world, choice));
      }),
      { numRuns: 500, seed: 3 },
    );
    for (let choice = 0; choice < 200; choice++) expect(listed).toContainEqual(operationFromChoice(SET, world, choice));
  });

  it('picks refusals in one slot of ten', () => {
    const world = busyWorld();
    const refused = refusedOperations(SET, world);
    const candidates = candidateOperations(SET, world);
    for (let choice = 0; choice < 300; choice++) {
      const op = operationFromChoice(SET, world, choice);
      if (choice % REFUSED_EVERY === REFUSED_EVERY - 1) expect(refused).toContainEqual(op);
      else expect(candidates).toContainEqual(op);
    }
  });

  it('picks the first candidate for 0', () => {
    const world = initialWorld(SET);
    expect(operationFromChoice(SET, world, 0)).toEqual(candidateOperations(SET, world)[0]);
  });

  it('reaches every candidate', () => {
    const world = busyWorld();
    const seen = new Set<string>();
    for (let choice = 0; choice < 5000; choice++) seen.add(JSON.stringify(operationFromChoice(SET, world, choice)));
    for (const op of candidateOperations(SET, world)) expect(seen).toContain(JSON.stringify(op));
  });

  it('falls back without candidates', () => {
    const empty: PatchSet = { name: 'empty', modules: [], vmlinuxFunctions: [], systemVariables: {} };
    expect(operationFromChoice(empty, initialWorld(empty), 12)).toEqual({ type: 'transition_work' });
  });

  it('rejects negative choices', () => {
    expect(() => operationFromChoice(SET, initialWorld(SET), -1)).toThrow(RangeError);
    expect(() => operationFromChoice(SET, initialWorld(SET), 1.5)).toThrow(/got 1.5/);
  });
});

describe('arbitraryChoices', () => {
  it('bounds the run length', () => {
    const runs = fc.sample(arbitraryChoices(30), { numRuns: 300, seed: 2 });
    expect(Math.max(...runs.map((r) => r.length))).toBeGreaterThan(20);
    for (const run of runs) expect(run.length).toBeLessThanOrEqual(30);
    expect(() => arbitraryChoices(-1)).toThrow(RangeError);
  });
});

describe('operationsFromChoices', () => {
  /** A model whose only effect is loading modules, to see which world each choice is mapped against. */
  const loadingModel: Model = {
    name: 'current',
    title: 'loads modules only',
    initial: initialWorld,
    step: (_set, world, op) => {
      const next = structuredClone(world) as World;
      if (op.type === 'insmod') {
        next.modules[op.module] = { name: moduleName(op.module), kind: 'target', params: {}, pointerIds: [] };
      }
      return { world: next, events: [] };
    },
  };

  it('maps each choice against the stepped world', () => {
    const { ops, trace } = operationsFromChoices(loadingModel, SET, [0, 0, 0]);
    expect(ops).toEqual([
      { type: 'insmod', module: 'klp_test_a', params: { replace: 0, pre_patch_ret: 0 } },
      { type: 'insmod', module: 'klp_test_b' },
      { type: 'insmod', module: 'klp_target_1' },
    ]);
    expect(trace.steps.map((s) => s.op)).toEqual(ops);
    expect(trace.steps[1]!.before).toBe(trace.steps[0]!.after);
    expect(trace.initial).toBe(trace.steps[0]!.before);
  });

  it('runs generated sets through the current model', () => {
    fc.assert(
      fc.property(arbitraryPatchSet(), arbitraryChoices(25), (set, choices) => {
        const { ops, trace } = operationsFromChoices(currentModel, set, choices);
        expect(ops).toHaveLength(choices.length);
        for (const step of trace.steps) {
          const listed = [...candidateOperations(set, step.before), ...refusedOperations(set, step.before)];
          expect(listed).toContainEqual(step.op);
        }
      }),
      { numRuns: 150, seed: 13 },
    );
  });

  it('never offers no-op candidates', () => {
    fc.assert(
      fc.property(arbitraryPatchSet(), arbitraryChoices(25), (set, choices) => {
        const { trace } = operationsFromChoices(currentModel, set, choices);
        for (const step of trace.steps) {
          const candidates = candidateOperations(set, step.before);
          const refused = refusedOperations(set, step.before);
          for (const op of refused) lacks(candidates, op);
          expect(candidateOperations(set, structuredClone(step.before))).toEqual(candidates);
          if (candidates.some((op) => JSON.stringify(op) === JSON.stringify(step.op))) {
            expect(step.events.filter((e) => e.type === 'noop')).toEqual([]);
          }
        }
      }),
      { numRuns: 150, seed: 19 },
    );
  });

  it('sees refusals where expected', () => {
    fc.assert(
      fc.property(arbitraryPatchSet(), arbitraryChoices(25), (set, choices) => {
        const { trace } = operationsFromChoices(currentModel, set, choices);
        for (const step of trace.steps) {
          const refused = refusedOperations(set, step.before).some((op) => JSON.stringify(op) === JSON.stringify(step.op));
          if (!refused) continue;
          const result = step.events.find((e) => e.type === 'result');
          expect(result).toBeDefined();
          expect(result?.type === 'result' ? result.errno : 0).toBeLessThan(0);
        }
      }),
      { numRuns: 150, seed: 17 },
    );
  });
});
