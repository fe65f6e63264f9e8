/**
 * The translation of every current catalogue patch set into the redesign:
 * state ids are kept, every object's callbacks land in a state of their own,
 * nothing is dropped without a listed loss, and the result runs under the
 * redesign model.
 */
import { describe, expect, test } from 'vitest';

import { CATALOGUE } from '../model/catalogue/index.ts';
import type { Code } from '../model/code.ts';
import { shadowIdsUsed } from '../model/code.ts';
import { CALLBACK_NAMES, patchModules } from '../model/definition.ts';
import type { PatchModuleDef } from '../model/definition.ts';
import type { Operation } from '../model/operations.ts';
import { redesignModel } from '../model/redesign/index.ts';
import { runOperations } from '../model/trace.ts';
import { CALLBACK_STATE_ID_BASE, callbackStateId, translatePatchSet } from '../model/translate.ts';
import type { CodeLocation, TranslationLoss } from '../model/translate.ts';

/** Every piece of code of a patch module, with where it sits. */
function allCode(def: PatchModuleDef): { location: CodeLocation; code: Code }[] {
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
  for (const [name, ctor] of Object.entries(def.ctors ?? {})) if (ctor.body) pieces.push({ location: { kind: 'ctor', name }, code: ctor.body });
  for (const [name, dtor] of Object.entries(def.dtors ?? {})) if (dtor.body) pieces.push({ location: { kind: 'dtor', name }, code: dtor.body });
  return pieces;
}

/** Whether a piece of code touches klp_state data, found by its JSON text. */
function usesStateData(code: Code): boolean {
  return /"op":"(stateDataAlloc|stateDataTakeOver|stateDataFree|varSave|varRestore)"|"kind":"stateData"/.test(JSON.stringify(code));
}

function lossesOf<K extends TranslationLoss['kind']>(losses: readonly TranslationLoss[], kind: K) {
  return losses.filter((loss): loss is Extract<TranslationLoss, { kind: K }> => loss.kind === kind);
}

describe('translation to the redesign', () => {
  for (const set of CATALOGUE) {
    describe(set.name, () => {
      const translation = translatePatchSet(set);
      const originals = patchModules(set);

      test('translates every livepatch module', () => {
        expect(translation.patches.map((p) => p.module)).toEqual(originals.map((def) => def.name));
        expect(translation.set.modules.map((m) => m.name)).toEqual(set.modules.map((m) => m.name));
        expect(translation.set.vmlinuxFunctions).toEqual(set.vmlinuxFunctions);
      });

      test('keeps target modules unchanged', () => {
        for (const def of set.modules.filter((m) => m.kind === 'target')) {
          expect(translation.set.modules.find((m) => m.name === def.name)).toBe(def);
        }
      });

      originals.forEach((original, moduleIndex) => {
        const patch = translation.patches[moduleIndex]!;

        test(`${original.name}: keeps every state id`, () => {
          for (const state of original.states ?? []) {
            const translated = patch.def.states?.find((s) => s.id === state.id);
            expect(translated, `state ${state.id}`).toBeDefined();
            expect(translated?.whenParam).toBe(state.whenParam);
            expect(translated?.unlessParam).toBe(state.unlessParam);
            expect(patch.states).toContainEqual(
              expect.objectContaining({ id: state.id, origin: { kind: 'klpState', version: state.version } }),
            );
          }
        });

        test(`${original.name}: lists every version as a loss`, () => {
          const versions = lossesOf(patch.losses, 'version').map((loss) => [loss.state, loss.version]);
          expect(versions).toEqual((original.states ?? []).map((state) => [state.id, state.version]));
        });

        test(`${original.name}: moves each callback set into its own state`, () => {
          expect(patch.def.objects.every((object) => object.callbacks === undefined)).toBe(true);
          original.objects.forEach((object, objectIndex) => {
            const names = CALLBACK_NAMES.filter((name) => object.callbacks?.[name]);
            const state = patch.def.states?.find((s) => s.id === callbackStateId(moduleIndex, objectIndex));
            if (names.length === 0) {
              expect(state, `object ${objectIndex}`).toBeUndefined();
              return;
            }
            expect(Object.keys(state?.callbacks ?? {}).sort()).toEqual([...names].sort());
            expect(state?.isShadow).toBe(false);
            expect(state?.blockDisable).toBe(false);
          });
        });

        test(`${original.name}: lists module callbacks as losses`, () => {
          const withCallbacks = original.objects.filter(
            (object) => object.name !== null && CALLBACK_NAMES.some((name) => object.callbacks?.[name]),
          );
          expect(lossesOf(patch.losses, 'moduleLoadCallbacks').map((loss) => loss.object)).toEqual(
            withCallbacks.map((object) => object.name),
          );
          expect(lossesOf(patch.losses, 'perObjectGranularity').map((loss) => loss.object)).toEqual(
            withCallbacks.map((object) => object.name),
          );
        });

        test(`${original.name}: lists every use of state data`, () => {
          const listed = lossesOf(patch.losses, 'data').map((loss) => loss.location);
          const using = allCode(original)
            .filter((piece) => usesStateData(piece.code))
            .map((piece) => piece.location);
          expect(new Set(listed.map((l) => JSON.stringify(l)))).toEqual(new Set(using.map((l) => JSON.stringify(l))));
        });

        test(`${original.name}: makes declared shadow ids is_shadow`, () => {
          const used = new Set(allCode(original).flatMap((piece) => [...shadowIdsUsed(piece.code)]));
          for (const state of original.states ?? []) {
            expect(patch.def.states?.find((s) => s.id === state.id)?.isShadow, `state ${state.id}`).toBe(used.has(state.id));
          }
          const declared = new Set((original.states ?? []).map((s) => s.id));
          expect(patch.unownedShadowIds).toEqual([...used].filter((id) => !declared.has(id)).sort((a, b) => a - b));
        });

        test(`${original.name}: uses distinct state ids`, () => {
          const ids = (patch.def.states ?? []).map((s) => s.id);
          expect(new Set(ids).size).toBe(ids.length);
          for (const state of patch.states) {
            if (state.origin.kind === 'objectCallbacks') expect(state.id).toBeGreaterThanOrEqual(CALLBACK_STATE_ID_BASE);
            else expect(state.id).toBeLessThan(CALLBACK_STATE_ID_BASE);
          }
        });

        test(`${original.name}: enables and disables under the redesign`, () => {
          const ops: Operation[] = [
            { type: 'insmod', module: original.name },
            { type: 'transition_work' },
            { type: 'write_enabled', patch: original.name, value: 0 },
            { type: 'transition_work' },
            { type: 'free_work', patch: original.name },
            { type: 'rmmod', module: original.name },
          ];
          const trace = runOperations(redesignModel, translation.set, ops);
          const results = trace.steps.map((step) => step.events.filter((event) => event.type === 'result'));
          expect(results).toEqual(ops.map(() => [{ type: 'result', errno: 0 }]));
        });
      });
    });
  }

  test('callback states of different patches differ', () => {
    const ids = CATALOGUE.flatMap((set) =>
      translatePatchSet(set).patches.flatMap((patch) =>
        patch.states.filter((state) => state.origin.kind === 'objectCallbacks').map((state) => `${set.name}:${state.id}`),
      ),
    );
    expect(new Set(ids).size).toBe(ids.length);
  });

  test('callback trace lines print the live module text', () => {
    const set = CATALOGUE.find((s) => s.name === 'selftest-callbacks');
    expect(set).toBeDefined();
    const patch = translatePatchSet(set!).patches.find((p) => p.module === 'test_klp_callbacks_demo');
    const moduleState = patch?.def.states?.find((s) => s.id === callbackStateId(0, 1));
    expect(moduleState?.callbacks?.post_patch).toEqual([
      { op: 'print', text: 'post_patch_callback: test_klp_callbacks_mod -> [MODULE_STATE_LIVE] Normal state' },
    ]);
  });
});
