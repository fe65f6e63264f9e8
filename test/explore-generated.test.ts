/**
 * `klpcheck explore --generated`: the drawn sets (deterministic, within the
 * size bound, without duplicates), the aggregate of the per-set searches,
 * counterexample files that replay, stop requests, and the usage errors.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { parseExploreArguments } from '../cli/explore.ts';
import { COVERAGE_KINDS } from '../engine/explore/coverage.ts';
import { explore, patchSetSize } from '../engine/explore/explore.ts';
import {
  drawDistinctPatchSets,
  drawGeneratedSets,
  exploreGenerated,
  MAX_DRAWS_PER_SET,
  patchSetKey,
  setStatus,
} from '../engine/explore/generated.ts';
import type { ModuleDef, PatchSet } from '../model/definition.ts';
import { moduleName } from '../model/ids.ts';
import { currentModel } from '../model/current/index.ts';
import { runOperations } from '../model/trace.ts';
import { ALL_PROPERTIES } from '../properties/index.ts';
import { judge } from '../properties/property.ts';
import { generatedCertificateLines } from '../render/explore-generated.ts';

const ROOT = join(import.meta.dirname, '..');

function klpcheck(...args: string[]) {
  return spawnSync(process.execPath, ['bin/klpcheck.mjs', ...args], { cwd: ROOT, encoding: 'utf8', timeout: 110_000 });
}

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'klpcheck-explore-generated-'));
}

/** Returns the set with its livepatch modules in reverse order, each renamed to the name of its new position. */
function reversePatches(set: PatchSet): PatchSet {
  const patches = set.modules.filter((m) => m.kind === 'livepatch');
  const names = patches.map((m) => m.name);
  const reversed = [...patches].reverse().map((m, i): ModuleDef => ({ ...m, name: moduleName(names[i] as string) }));
  return { ...set, modules: [...reversed, ...set.modules.filter((m) => m.kind !== 'livepatch')] };
}

/** Finds the first set of seed 42 with two different livepatch modules, so that reordering them changes the set. */
function twoPatchSet(): PatchSet {
  const { sets } = drawGeneratedSets({ model: 'current', maxPatches: 2, maxTargets: 1, count: 20, seed: 42 });
  const found = sets.find((set) => JSON.stringify(reversePatches(set).modules) !== JSON.stringify(set.modules));
  if (!found) throw new Error('expected a set with two different livepatch modules among the first 20 of seed 42');
  return found;
}

describe('drawn sets', () => {
  test('same seed gives same sets', () => {
    const options = { model: 'current', maxPatches: 3, maxTargets: 2, count: 8, seed: 5 } as const;
    const first = drawGeneratedSets(options);
    const second = drawGeneratedSets(options);
    expect(second).toEqual(first);
    expect(drawGeneratedSets({ ...options, seed: 6 }).sets).not.toEqual(first.sets);
  });

  test('names number the sets', () => {
    const { sets } = drawGeneratedSets({ model: 'redesign', maxPatches: 2, maxTargets: 2, count: 3, seed: 1 });
    expect(sets.map((set) => set.name)).toEqual(['redesign-generated-1', 'redesign-generated-2', 'redesign-generated-3']);
  });

  test.each([
    ['current', 1, 1],
    ['current', 2, 1],
    ['redesign', 1, 2],
    ['redesign', 3, 1],
  ] as const)('%s sets within %i patches and %i targets', (model, maxPatches, maxTargets) => {
    const { sets } = drawGeneratedSets({ model, maxPatches, maxTargets, count: 40, seed: 3 });
    expect(sets).toHaveLength(40);
    for (const set of sets) {
      const { patches, targets } = patchSetSize(set);
      expect(patches).toBeGreaterThanOrEqual(1);
      expect(patches).toBeLessThanOrEqual(maxPatches);
      expect(targets).toBeGreaterThanOrEqual(1);
      expect(targets).toBeLessThanOrEqual(maxTargets);
    }
  });

  test('bound is reached', () => {
    const { sets } = drawGeneratedSets({ model: 'current', maxPatches: 3, maxTargets: 2, count: 40, seed: 3 });
    expect(sets.some((set) => patchSetSize(set).patches === 3)).toBe(true);
    expect(sets.some((set) => patchSetSize(set).targets === 2)).toBe(true);
  });
});

describe('duplicate sets', () => {
  test('reordered patches have one key', () => {
    const set = twoPatchSet();
    const reordered = reversePatches(set);
    expect(JSON.stringify(reordered.modules)).not.toBe(JSON.stringify(set.modules));
    expect(patchSetKey(reordered)).toBe(patchSetKey(set));
    expect(patchSetKey({ ...set, name: 'other', description: 'other' })).toBe(patchSetKey(set));
    expect(patchSetKey({ ...set, systemVariables: { ...set.systemVariables, sysctl_other: 1 } })).not.toBe(patchSetKey(set));
  });

  test('reordered patches explore the same', async () => {
    // The key treats the two sets as one, which is sound only if the search does not depend on the order.
    const set = twoPatchSet();
    const options = { model: 'current', properties: ALL_PROPERTIES, depth: 4 } as const;
    const original = await explore({ ...options, set });
    const reordered = await explore({ ...options, set: reversePatches(set) });
    expect(reordered.statesPerDepth).toEqual(original.statesPerDepth);
    expect(reordered.transitions).toBe(original.transitions);
    expect(reordered.violations.map((v) => [v.property.name, v.ops.length])).toEqual(
      original.violations.map((v) => [v.property.name, v.ops.length]),
    );
  });

  test('duplicates are skipped', () => {
    const set = twoPatchSet();
    const other = { ...set, modules: set.modules.slice(1) };
    const arbitrary = fc.constantFrom(set, reversePatches(set), other);
    // Seed 1 draws a duplicate before the second distinct set; the assertion below checks it.
    const drawn = drawDistinctPatchSets(arbitrary, 2, 1);
    const raw = fc.sample(arbitrary, { seed: 1, numRuns: drawn.draws });
    expect(drawn.duplicates).toBeGreaterThan(0);
    expect(drawn.draws).toBe(drawn.sets.length + drawn.duplicates);
    expect(drawn.sets).toHaveLength(2);
    expect(new Set(drawn.sets.map(patchSetKey)).size).toBe(2);
    expect(drawn.sets[0]).toBe(raw[0]);
    expect(drawn.sets[1]).toBe(raw.at(-1));
  });

  test('drawing ends at the draw limit', () => {
    const set = twoPatchSet();
    const drawn = drawDistinctPatchSets(fc.constant(set), 3, 9);
    expect(drawn.sets).toHaveLength(1);
    expect(drawn.draws).toBe(3 * MAX_DRAWS_PER_SET);
    expect(drawn.duplicates).toBe(3 * MAX_DRAWS_PER_SET - 1);
  });
});

describe('aggregate', () => {
  test('totals equal single-set searches', async () => {
    const result = await exploreGenerated({
      model: 'current',
      count: 4,
      maxPatches: 2,
      maxTargets: 2,
      seed: 42,
      properties: ALL_PROPERTIES,
      depth: 4,
      workers: 1,
    });
    expect(result.outcomes).toHaveLength(4);
    expect(result.stopped).toBe(false);
    const singles = [];
    for (const outcome of result.outcomes) {
      singles.push(await explore({ model: 'current', set: outcome.set, properties: ALL_PROPERTIES, depth: 4 }));
    }
    expect(result.states).toBe(singles.reduce((sum, single) => sum + single.states, 0));
    expect(result.transitions).toBe(singles.reduce((sum, single) => sum + single.transitions, 0));

    for (const violation of result.violations) {
      const violating = singles.flatMap((single) => single.violations.filter((v) => v.property === violation.property));
      expect(violation.sets).toBe(violating.length);
      expect(violation.found.ops.length).toBe(Math.min(...violating.map((v) => v.ops.length)));
    }
    const violatedAnywhere = new Set(singles.flatMap((single) => single.violations.map((v) => v.property)));
    expect(result.violations.map((v) => v.property)).toEqual(result.properties.filter((p) => violatedAnywhere.has(p)));

    for (const kind of COVERAGE_KINDS) {
      const exercised = Object.values(result.coverage[kind].exercised).reduce((sum, n) => sum + n, 0);
      const summed = singles.reduce((sum, single) => sum + Object.values(single.coverage[kind].exercised).reduce((s, n) => s + n, 0), 0);
      expect(exercised).toBe(summed);
    }
  });

  test('stop request leaves later sets unexplored', async () => {
    let explored = 0;
    const result = await exploreGenerated({
      model: 'redesign',
      count: 3,
      maxPatches: 2,
      maxTargets: 1,
      seed: 42,
      properties: ALL_PROPERTIES,
      depth: 3,
      workers: 1,
      shouldStop: () => explored >= 1,
      onSetExplored: () => explored++,
    });
    expect(result.stopped).toBe(true);
    expect(result.outcomes.map(setStatus)).toEqual(['explored', 'not-explored', 'not-explored']);
    expect(result.states).toBe(result.outcomes[0]?.result?.states);
    const lines = generatedCertificateLines(result, new Map());
    expect(lines[0]).toContain('on each of 1 generated patch set ');
    expect(lines).toContain('Not explored (2 sets): redesign-generated-2 and redesign-generated-3.');
  });
});

describe('klpcheck explore --generated', () => {
  test('writes certificate, report and replayable file', () => {
    const dir = tempDir();
    const report = join(dir, 'generated.json');
    const out = join(dir, 'cx');
    const run = klpcheck('explore', '--generated', '3', '--depth', '4', '--property', 'callback-pairing', '--out', out, '--report', report);
    expect(run.status).toBe(0);
    expect(run.stderr).toContain('set 3 of 3: generated-3');
    expect(run.stdout).toContain(
      'Every sequence of up to 4 operations on each of 3 generated patch sets (model current, seed 42, ' +
        'at most 3 livepatch modules and 2 target modules)',
    );
    expect(run.stdout).toMatch(/Violated: callback-pairing on \d+ sets?, shortest counterexample 4 operations on generated-\d/);

    const json = JSON.parse(readFileSync(report, 'utf8'));
    expect(json.format).toBe('klpcheck-explore-generated');
    expect(json.sets).toHaveLength(3);
    expect(json.states).toBe(json.sets.reduce((sum: number, set: { states: number }) => sum + set.states, 0));
    expect(json.violated[0].property).toBe('callback-pairing');
    expect(readFileSync(join(dir, 'generated.md'), 'utf8')).toContain('## Exhaustive exploration of generated patch sets');

    const files = readdirSync(out);
    expect(files).toHaveLength(1);
    const path = join(out, files[0] as string);
    expect(json.violated[0].file).toBe(path);
    const stored = JSON.parse(readFileSync(path, 'utf8'));
    expect(stored.patchSet.name).toBe(json.violated[0].patchSet);
    const trace = runOperations(currentModel, stored.patchSet, stored.operations);
    const callbackPairing = ALL_PROPERTIES.find((p) => p.name === 'callback-pairing');
    if (!callbackPairing) throw new Error('expected the callback-pairing property');
    expect(judge(callbackPairing, trace).status).toBe('violated');
    const replay = klpcheck('replay', path);
    expect(replay.status).toBe(0);
    expect(replay.stdout).toContain('replay: passed');
  });

  test('conflicting flags exit 2', () => {
    const run = klpcheck('explore', '--generated', '3', '--set', 'selftest-callbacks');
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('--generated cannot be combined with --set');
    expect(run.stderr).toContain('Remove --set, or remove --generated');
  });
});

describe('explore --generated arguments', () => {
  test('defaults', () => {
    const command = parseExploreArguments(['--generated', '5']);
    expect(command).toMatchObject({ kind: 'generated', count: 5, maxPatches: 3, maxTargets: 2, seed: 42, depth: 6 });
    expect(command?.report).toBe('reports/explore-generated.json');
  });

  test('negative seed accepted', () => {
    expect(parseExploreArguments(['--generated', '1', '--seed', '-7'])).toMatchObject({ seed: -7 });
  });

  test.each([
    [['--generated', '2', '--scenario', 'x.json'], '--generated cannot be combined with --scenario'],
    [['--generated', '2', '--set', 'selftest-callbacks', '--scenario', 'x.json'], 'combined with --set and --scenario'],
    [['--generated', '0'], 'invalid value "0" for --generated: expected a whole number from 1 to 10000.'],
    [['--generated', 'many'], 'invalid value "many" for --generated'],
    [['--generated', '2', '--max-patches', '5'], 'invalid value "5" for --max-patches: expected a whole number from 1 to 4.'],
    [['--generated', '2', '--max-patches', '0'], 'invalid value "0" for --max-patches'],
    [['--generated', '2', '--max-targets', '3'], 'invalid value "3" for --max-targets: expected a whole number from 1 to 2.'],
    [['--generated', '2', '--seed', '1.5'], 'invalid value "1.5" for --seed'],
    [['--set', 'selftest-callbacks', '--max-targets', '1'], 'flag --max-targets applies only with --generated N'],
    [['--depth', '3'], 'or --generated N'],
  ])('rejects %j', (argv, message) => {
    expect(() => parseExploreArguments(argv)).toThrow(message);
  });
});
