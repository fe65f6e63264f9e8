/**
 * The canonical text is written in one pass (engine/explore/canonical-text.ts).
 * Its definition is simpler to read as two steps: JSON.stringify of a compact
 * form of the world, then one renaming over the whole text. This file keeps
 * that definition as a reference and checks that both give the same text on
 * every state of random runs over every catalogue set of both designs.
 */
import { describe, expect, test } from 'vitest';
import { benchPatchSet } from '../bench/patch-set.ts';
import { MonitorBank, VIOLATED } from '../engine/explore/expand.ts';
import { madeUpNamePattern, StateFingerprinter } from '../engine/explore/fingerprint.ts';
import { operationsFromChoices } from '../engine/generate-operations.ts';
import { CATALOGUE } from '../model/catalogue/index.ts';
import type { PatchSet } from '../model/definition.ts';
import { currentModel } from '../model/current/index.ts';
import { redesignModel } from '../model/redesign/index.ts';
import { REDESIGN_CATALOGUE } from '../model/redesign-catalogue/index.ts';
import type { Model } from '../model/trace.ts';
import type { PatchInstance, World } from '../model/world.ts';
import { ALL_PROPERTIES } from '../properties/index.ts';
import { monitorFingerprint } from '../properties/property.ts';

function isFreedInstance(world: Readonly<World>, patch: Readonly<PatchInstance>): boolean {
  if (patch.phase !== 'released' && patch.phase !== 'failed') return false;
  if (patch.objects.length > 0) return false;
  return !Object.values(world.modules).some((module) => module.patch === patch.id);
}

/** Orders strings by UTF-16 code units, as Array.prototype.sort does without a comparator. */
function compareCodeUnits(a: string, b: string): number {
  if (a < b) return -1;
  return a > b ? 1 : 0;
}

function sortedRecord<T>(record: Readonly<Record<string, T>>): [string, T][] {
  return Object.keys(record)
    .sort()
    .map((key) => [key, record[key] as T]);
}

function compactPatch(patch: Readonly<PatchInstance>, rank: number): unknown[] {
  return [
    patch.id,
    patch.module,
    patch.replace,
    rank,
    patch.enabled,
    patch.forced,
    patch.phase,
    patch.objects.map((object) => [
      object.name,
      object.dynamic,
      object.defIndex,
      object.loaded,
      object.patched,
      object.postUnpatchEnabled,
      object.funcs.map((func) =>
        func.nop ? [func.oldName, func.sympos, func.patched, func.transition] : [func.defIndex, func.patched, func.transition],
      ),
    ]),
    patch.states.map((state) => [state.id, state.version, state.data, state.blockDisable, state.isShadow, state.prePatchSucceeded, state.defIndex]),
  ];
}

function compactWorld(world: Readonly<World>): unknown {
  const unfreed = Object.values(world.patches).filter((patch) => !isFreedInstance(world, patch));
  const orders = unfreed
    .map((patch) => patch.enableOrder)
    .filter((order) => order >= 0)
    .sort((a, b) => a - b);
  const patches = unfreed
    .sort((a, b) => compareCodeUnits(a.id, b.id))
    .map((patch) => compactPatch(patch, patch.enableOrder < 0 ? -1 : orders.indexOf(patch.enableOrder)));
  return [
    patches,
    world.klpPatches,
    world.transition,
    sortedRecord(world.modules),
    sortedRecord(world.funcStacks),
    world.shadows,
    sortedRecord(world.systemVariables),
    sortedRecord(world.buffers),
    sortedRecord(world.parents),
    world.warnedOnce,
    world.preUnpatchReplacedCalled,
  ];
}

/** Renames made-up names in order of first appearance over the whole text. */
function renameText(text: string, pattern: RegExp): string {
  const names = new Map<string, string>();
  const loads = new Map<string, number>();
  let pointers = 0;
  return text.replace(pattern, (whole: string, module: string | undefined, prefix: string | undefined) => {
    let name = names.get(whole);
    if (name !== undefined) return name;
    if (module !== undefined) {
      const load = (loads.get(module) ?? 0) + 1;
      loads.set(module, load);
      name = `${module}#${load}`;
    } else {
      pointers += 1;
      name = `${prefix}${pointers}`;
    }
    names.set(whole, name);
    return name;
  });
}

function referenceText(set: PatchSet, control: string, world: Readonly<World>, monitors: readonly unknown[]): string {
  return renameText(JSON.stringify([control, compactWorld(world), monitors]), madeUpNamePattern(set));
}

/** Checks every state of `runs` random runs of 30 operations, with the monitor fingerprints of every property. */
function compareOn(model: Model, set: PatchSet, runs: number): number {
  const properties = ALL_PROPERTIES.filter((property) => property.appliesTo(model.name) === true);
  const bank = new MonitorBank(properties, { model: model.name, set });
  const fingerprinter = new StateFingerprinter(set);
  let compared = 0;
  for (let run = 1; run <= runs; run++) {
    let seed = run * 7919;
    const choices = Array.from({ length: 30 }, () => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % 5000;
    });
    const { trace } = operationsFromChoices(model, set, choices);
    let monitors = bank.initial();
    for (const step of trace.steps) {
      monitors = bank.advance(monitors, step).monitors;
      const parts = monitors.map((state, i) => (state === VIOLATED ? 'violated' : monitorFingerprint(properties[i]!, state)));
      const control = step.after.transition ? 'transition.patching' : 'idle';
      expect(fingerprinter.canonical(control, step.after, parts)).toBe(referenceText(set, control, step.after, parts));
      compared++;
    }
  }
  return compared;
}

describe('canonical text', () => {
  for (const set of [...CATALOGUE, benchPatchSet()]) {
    test(`equals the reference on the current model, ${set.name}`, () => {
      expect(compareOn(currentModel, set, 60)).toBeGreaterThan(0);
    });
  }
  for (const set of REDESIGN_CATALOGUE) {
    test(`equals the reference on the redesign, ${set.name}`, () => {
      expect(compareOn(redesignModel, set, 60)).toBeGreaterThan(0);
    });
  }

  test('escapes strings and renames names inside them as the reference does', () => {
    const set = benchPatchSet();
    const world = { ...currentModel.initial(set), warnedOnce: ['quote " klp_gen_a#7', 'line\nbuf9 shadow3', 'tab\tklp_gen_b#2'] };
    const monitors = [{ 'klp_gen_a#7|vmlinux': ['Live'] }, ['buf9']];
    expect(new StateFingerprinter(set).canonical('idle', world, monitors)).toBe(referenceText(set, 'idle', world, monitors));
  });
});
