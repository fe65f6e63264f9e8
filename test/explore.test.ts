/**
 * The exhaustive explorer: shortest counterexamples, canonical fingerprints,
 * stable bound certificates, coverage, and the hand-written world copy the
 * search relies on.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { benchPatchSet } from '../bench/patch-set.ts';
import { operationsFromChoices } from '../engine/generate-operations.ts';
import { explorerCounterexampleFile } from '../engine/explore/counterexample.ts';
import { coverageFromTraces } from '../engine/explore/coverage.ts';
import { CHART_IMPLEMENTATIONS, checkMemory, explore } from '../engine/explore/explore.ts';
import { exploreParallel } from '../engine/explore/parallel.ts';
import { Renamer } from '../engine/explore/canonical-text.ts';
import { REDESIGN_CATALOGUE } from '../model/redesign-catalogue/index.ts';
import { FINGERPRINTED_FIELDS, StateFingerprinter } from '../engine/explore/fingerprint.ts';
import { SELFTEST_CALLBACKS } from '../model/catalogue/selftest-callbacks.ts';
import { currentModel } from '../model/current/index.ts';
import type { Operation } from '../model/operations.ts';
import { runOperations } from '../model/trace.ts';
import type { World } from '../model/world.ts';
import { cloneWorld } from '../model/world.ts';
import { parseExplore } from '../cli/explore.ts';
import { callbackPairing } from '../properties/callback-pairing.ts';
import { shadowLeak } from '../properties/shadow-leak.ts';
import { ALL_PROPERTIES } from '../properties/index.ts';
import { judge } from '../properties/property.ts';

const ROOT = join(import.meta.dirname, '..');
const DEMO = 'test_klp_callbacks_demo';
const DEMO2 = 'test_klp_callbacks_demo2';

/** Loads klp_gen_a, completes its transition, then allocates a shadow variable through its new vm_obj_alloc. */
const SHADOW_RUN: readonly Operation[] = [
  { type: 'insmod', module: 'klp_gen_a' },
  { type: 'transition_work' },
  { type: 'call', object: null, func: 'vm_obj_alloc', parent: 'vm_obj1' },
  { type: 'insmod', module: 'klp_target_1' },
];

function finalWorld(ops: readonly Operation[]): World {
  const trace = runOperations(currentModel, benchPatchSet(), ops);
  return cloneWorld(trace.steps[trace.steps.length - 1]?.after ?? trace.initial);
}

describe('shortest counterexamples', () => {
  test('replaced patch breaks callback pairing in 4', async () => {
    const result = await explore({ model: 'current', set: SELFTEST_CALLBACKS, properties: [callbackPairing], depth: 4 });
    const [found] = result.violations;
    expect(found?.property.name).toBe('callback-pairing');
    expect(found?.ops.map((op) => op.type)).toEqual(['insmod', 'transition_work', 'insmod', 'transition_work']);
    expect(found?.ops[0]).toMatchObject({ type: 'insmod', module: DEMO });
    expect(found?.ops[2]).toEqual({ type: 'insmod', module: DEMO2, params: { replace: 1 } });
  });

  test('no callback-pairing violation within 3', async () => {
    const result = await explore({ model: 'current', set: SELFTEST_CALLBACKS, properties: [callbackPairing], depth: 3 });
    expect(result.violations).toEqual([]);
    expect(result.properties.map((p) => p.name)).toEqual(['callback-pairing']);
  });

  test('counterexample file replays its violation', async () => {
    const result = await explore({ model: 'current', set: SELFTEST_CALLBACKS, properties: [callbackPairing], depth: 4 });
    const found = result.violations[0];
    if (!found) throw new Error('expected a violation');
    const file = explorerCounterexampleFile(currentModel, result, found);
    expect(file.operations).toEqual(found.ops);
    expect(file.events).toHaveLength(4);
    expect(file.verdict.steps.at(-1)).toBe(3);
    expect(judge(callbackPairing, runOperations(currentModel, file.patchSet, file.operations)).status).toBe('violated');
  });
});

describe('canonical fingerprints', () => {
  const fingerprinter = new StateFingerprinter(benchPatchSet());

  test('pointer names do not count', () => {
    const world = finalWorld(SHADOW_RUN);
    expect(world.shadows.length).toBeGreaterThan(0);
    const renamed = JSON.parse(
      JSON.stringify(world)
        .replace(/\bshadow(\d+)\b/g, (_m, n: string) => `shadow${Number(n) + 40}`)
        .replace(/\bbuf(\d+)\b/g, (_m, n: string) => `buf${Number(n) + 40}`),
    ) as World;
    renamed.nextPointer += 40;
    expect(JSON.stringify(renamed)).not.toBe(JSON.stringify(world));
    expect(fingerprinter.fingerprint('idle', renamed, [])).toBe(fingerprinter.fingerprint('idle', world, []));
  });

  test('patch load numbers do not count', () => {
    const world = finalWorld(SHADOW_RUN);
    const renamed = JSON.parse(JSON.stringify(world).replace(/klp_gen_a#1/g, 'klp_gen_a#5')) as World;
    renamed.loads = { ...renamed.loads, klp_gen_a: 5 };
    expect(fingerprinter.fingerprint('idle', renamed, [])).toBe(fingerprinter.fingerprint('idle', world, []));
  });

  test('freed patch instances do not count', () => {
    const loadedAndRemoved = finalWorld([
      { type: 'insmod', module: 'klp_gen_a' },
      { type: 'transition_work' },
      { type: 'write_enabled', patch: 'klp_gen_a', value: 0 },
      { type: 'transition_work' },
      { type: 'free_work', patch: 'klp_gen_a' },
      { type: 'rmmod', module: 'klp_gen_a' },
    ]);
    const [id, patch] = Object.entries(loadedAndRemoved.patches)[0] ?? [];
    expect(patch?.phase).toBe('released');
    const without = cloneWorld(loadedAndRemoved);
    delete without.patches[id as string];
    expect(fingerprinter.canonical('idle', loadedAndRemoved, [])).toBe(fingerprinter.canonical('idle', without, []));
  });

  test('a changed field counts', () => {
    const world = finalWorld(SHADOW_RUN);
    const changed = cloneWorld(world);
    const parent = changed.parents['vm_obj1'];
    if (!parent) throw new Error('expected parent vm_obj1');
    parent.alive = !parent.alive;
    expect(fingerprinter.fingerprint('idle', changed, [])).not.toBe(fingerprinter.fingerprint('idle', world, []));
  });

  test('monitor states count', () => {
    const world = finalWorld(SHADOW_RUN);
    expect(fingerprinter.fingerprint('idle', world, [{ open: 1 }])).not.toBe(fingerprinter.fingerprint('idle', world, [{ open: 2 }]));
  });

  test('renaming follows first appearance', () => {
    const pattern = /\b(?:(demo)#\d+|(shadow|buf)\d+)\b/g;
    expect('["demo#4","shadow9","demo#2","demo#4","buf3"]'.replace(pattern, new Renamer().replace)).toBe(
      '["demo#1","shadow1","demo#2","demo#1","buf2"]',
    );
  });

  test('every instance field is fingerprinted', () => {
    const world = finalWorld([...SHADOW_RUN, { type: 'insmod', module: 'klp_gen_b', params: { replace: 1 } }]);
    const patch = Object.values(world.patches).find((p) => p.objects.some((o) => o.dynamic || o.funcs.length > 0));
    const object = patch?.objects[0];
    expect(Object.keys(patch ?? {}).sort()).toEqual(FINGERPRINTED_FIELDS.patch);
    expect(Object.keys(object ?? {}).sort()).toEqual(FINGERPRINTED_FIELDS.object);
    expect(Object.keys(object?.funcs[0] ?? {}).sort()).toEqual(FINGERPRINTED_FIELDS.func);
    expect(Object.keys(patch?.states[0] ?? {}).sort()).toEqual(FINGERPRINTED_FIELDS.state);
  });
});

describe('bound certificate', () => {
  test('counts are stable for a fixed bound', async () => {
    const result = await explore({ model: 'current', set: SELFTEST_CALLBACKS, properties: ALL_PROPERTIES, depth: 5 });
    expect(result.states).toBe(1184);
    expect(result.transitions).toBe(4805);
    expect(result.statesPerDepth).toEqual([1, 6, 27, 92, 276, 782]);
    expect(result.completedDepth).toBe(5);
    expect(result.stopped).toBe(false);
  });

  test('stop request ends the search early', async () => {
    let polls = 0;
    const result = await explore({
      model: 'current',
      set: SELFTEST_CALLBACKS,
      properties: ALL_PROPERTIES,
      depth: 6,
      shouldStop: () => ++polls > 200,
    });
    expect(result.stopped).toBe(true);
    expect(result.completedDepth).toBeLessThan(6);
  });
});

describe('parallel explorer', () => {
  test('two workers match the serial search', async () => {
    const options = { model: 'current', set: SELFTEST_CALLBACKS, properties: ALL_PROPERTIES, depth: 5 } as const;
    const serial = await explore(options);
    const parallel = await exploreParallel({ ...options, workers: 2 });
    expect(parallel.statesPerDepth).toEqual(serial.statesPerDepth);
    expect(parallel.transitions).toBe(serial.transitions);
    expect(parallel.violations.map((v) => [v.property.name, v.ops.length])).toEqual(
      serial.violations.map((v) => [v.property.name, v.ops.length]),
    );
    expect(parallel.coverage).toEqual(serial.coverage);
  });

  test('stop request ends the parallel search', async () => {
    const result = await exploreParallel({
      model: 'current',
      set: benchPatchSet(),
      properties: ALL_PROPERTIES,
      depth: 12,
      workers: 2,
      shouldStop: () => true,
    });
    expect(result.stopped).toBe(true);
    expect(result.completedDepth).toBeLessThan(12);
  });
});

describe('memory estimate', () => {
  const MiB = 2 ** 20;
  const summary = { depth: 5, maxDepth: 9, newStates: 1000, previousNewStates: 100, states: 1200, heapUsedBytes: 50 * MiB };
  // 10,000 new states at depth 6, each frontier state costing what one costs now (50 MiB / 1,000), plus their fingerprints.
  const nextDepthBytes = Math.round(50 * MiB + 10_000 * 160 + (10_000 * 50 * MiB) / 1000);

  test('next depth too large stops', () => {
    const estimate = checkMemory(summary, nextDepthBytes - 1);
    expect(estimate).toMatchObject({ depth: 6, estimatedBytes: nextDepthBytes, extrapolated: false, fittingDepth: 6 });
  });

  test('the last depth keeps fingerprints only', () => {
    expect(checkMemory({ ...summary, maxDepth: 6 }, 50 * MiB + 10_000 * 160)).toBeNull();
    expect(checkMemory({ ...summary, maxDepth: 6 }, 50 * MiB + 10_000 * 160 - 1)?.depth).toBe(6);
  });

  test('stops early when the whole bound, extrapolated, is far above the limit', () => {
    const limit = 4 * nextDepthBytes;
    const estimate = checkMemory(summary, limit);
    expect(estimate?.extrapolated).toBe(true);
    expect(estimate?.depth).toBe(9);
    expect(estimate?.estimatedBytes).toBeGreaterThan(2 * limit);
    // Depth 7 as the last depth expands the 10,000 worlds of depth 6 (about 0.5 GiB), so it fits.
    // Depth 8 expands the 100,000 worlds of depth 7 (about 5 GiB), so it does not.
    expect(estimate?.fittingDepth).toBe(7);
  });

  test('goes on when the bound fits', () => {
    expect(checkMemory(summary, 100 * 2 ** 30)).toBeNull();
  });
});

describe('coverage', () => {
  test('explorer lists unexercised items', async () => {
    const result = await explore({ model: 'current', set: SELFTEST_CALLBACKS, properties: [callbackPairing], depth: 3 });
    const { coverage } = result;
    expect(coverage.operations.exercised).toHaveProperty('insmod');
    expect(coverage.operations.never).toContain('call');
    expect(coverage.chartTransitions.never).toContain('idle insmod [isUnknownModule]');
    expect(coverage.chartTransitions.exercised).toHaveProperty(['idle insmod [default]']);
    expect(coverage.refusals.exercised).toHaveProperty(['insmod -17']);
    expect(coverage.callbacks.exercised).toHaveProperty(['pre_patch LIVE']);
    // The current API has no klp_state callbacks, so none of them is listed as missed.
    expect(coverage.stateCallbacks.never).toEqual([]);
    expect(coverage.stateCallbacks.exercised).toEqual({});
    expect(coverage.controlStates.never).toEqual([]);
    // Three operations reach every phase: loads, completions, reversals both ways, force, cancel, module notifiers.
    expect(coverage.transitionPhases.never).toEqual([]);
    expect(coverage.transitionPhases.exercised).toHaveProperty(['reversing from unpatching']);
  });

  test('redesign lists no per-object callbacks', async () => {
    const set = REDESIGN_CATALOGUE.find((candidate) => candidate.name === 'redesign-selftest-state');
    if (!set) throw new Error('redesign catalogue set redesign-selftest-state is missing');
    const { coverage } = await explore({ model: 'redesign', set, properties: [], depth: 2 });
    expect(coverage.callbacks.never).toEqual([]);
    expect(coverage.stateCallbacks.exercised).toHaveProperty('pre_patch');
  });

  test('one operation only starts transitions', async () => {
    const { coverage } = await explore({ model: 'current', set: SELFTEST_CALLBACKS, properties: [], depth: 1 });
    expect(coverage.transitionPhases.exercised).toHaveProperty(['initializing patching']);
    expect(coverage.transitionPhases.never).toContain('forcing');
    expect(coverage.transitionPhases.never).toContain('patching complete');
    expect(coverage.transitionPhases.never).toContain('reversing from patching');
  });

  test('random engine traces give coverage', () => {
    const set = benchPatchSet();
    const traces = [[0, 5, 12, 3, 9, 40], [1, 2, 3, 4, 5, 6, 7, 8], [19, 29, 39]].map(
      (choices) => operationsFromChoices(currentModel, set, choices).trace,
    );
    const coverage = coverageFromTraces(CHART_IMPLEMENTATIONS.current, traces);
    const steps = traces.reduce((sum, trace) => sum + trace.steps.length, 0);
    const counted = Object.values(coverage.operations.exercised).reduce((sum, n) => sum + n, 0);
    expect(counted).toBe(steps);
    expect(coverage.chartTransitions.never.length).toBeGreaterThan(0);
  });
});

describe('cloneWorld', () => {
  /** Collects every object and array reachable from a value. */
  function objectsOf(value: unknown, found = new Set<object>()): Set<object> {
    if (typeof value !== 'object' || value === null || found.has(value)) return found;
    found.add(value);
    for (const child of Object.values(value)) objectsOf(child, found);
    return found;
  }

  test('copy equals and shares only objects whose fields are all readonly', () => {
    const world = finalWorld([...SHADOW_RUN, { type: 'insmod', module: 'klp_gen_b', params: { replace: 0 } }]);
    const copy = cloneWorld(world);
    expect(copy).toEqual(structuredClone(world));
    const readonlyObjects = new Set<object>([
      ...Object.values(world.funcStacks).flat(),
      ...Object.values(world.systemVariables).flatMap((variable) => (variable.changedBy ? [variable.changedBy] : [])),
    ]);
    expect(Object.values(world.funcStacks).flat().length).toBeGreaterThan(0);
    const original = objectsOf(world);
    const shared = [...objectsOf(copy)].filter((object) => original.has(object));
    expect(shared.filter((object) => !readonlyObjects.has(object))).toEqual([]);
  });
});

describe('explore arguments', () => {
  test('scenario gives patch set and model', () => {
    const doc = readFileSync(join(ROOT, 'docs', 'scenario-format.md'), 'utf8');
    const scenario = /```json\n([\s\S]*?)```/.exec(doc)?.[1];
    if (!scenario) throw new Error('docs/scenario-format.md has no ```json block');
    const file = join(mkdtempSync(join(tmpdir(), 'klpcheck-explore-')), 'leak.json');
    writeFileSync(file, scenario);
    const command = parseExplore(['--scenario', file, '--depth', '3', '--property', 'shadow-leak']);
    expect(command?.set.name).toBe('demo-shadow');
    expect(command?.model.name).toBe('current');
    expect(command?.depth).toBe(3);
    expect(command?.properties.map((p) => p.name)).toEqual(['shadow-leak']);
    // The scenario is written for the current API; on the redesign its translation is explored.
    const onRedesign = parseExplore(['--scenario', file, '--model', 'redesign']);
    expect(onRedesign?.model.name).toBe('redesign');
    expect(onRedesign?.set.name).toBe('translated:demo-shadow');
  });

  test('shadow leak of the scenario within 4', async () => {
    const doc = readFileSync(join(ROOT, 'docs', 'scenario-format.md'), 'utf8');
    const scenario = JSON.parse(/```json\n([\s\S]*?)```/.exec(doc)?.[1] ?? '{}');
    const result = await explore({ model: 'current', set: scenario.patchSet, properties: [shadowLeak], depth: 4 });
    // Load, reverse the patching transition, allocate from a task still patched, complete the unpatching.
    expect(result.violations[0]?.ops.map((op) => op.type)).toEqual(['insmod', 'write_enabled', 'call', 'transition_work']);
    expect(result.violations[0]?.ops[2]).toMatchObject({ task: 'patched' });
  });

  test('rejects depth out of range', () => {
    expect(() => parseExplore(['--set', 'selftest-callbacks', '--depth', '0'])).toThrow('invalid value "0" for --depth');
  });

  test('set runs on its own design', () => {
    expect(parseExplore(['--set', 'redesign-selftest-state'])?.model.name).toBe('redesign');
    expect(parseExplore(['--set', 'selftest-state'])?.model.name).toBe('current');
    const translated = parseExplore(['--set', 'translated:selftest-state']);
    expect(translated?.model.name).toBe('redesign');
    expect(translated?.set.name).toBe('translated:selftest-state');
  });

  test('rejects a set on the other design', () => {
    expect(() => parseExplore(['--set', 'selftest-callbacks', '--model', 'redesign'])).toThrow(
      'patch set "selftest-callbacks" is written for the current API, not for the redesign. Explore the redesign on its translation, as check does: --set translated:selftest-callbacks.',
    );
    expect(() => parseExplore(['--set', 'redesign-selftest-state', '--model', 'current'])).toThrow('is written for the redesign, not for the current API');
  });

  test('suggests a close set name', () => {
    expect(() => parseExplore(['--set', 'selftest-callback'])).toThrow('Did you mean "selftest-callbacks"?');
  });
});

describe('klpcheck explore', () => {
  test('writes certificate, JSON and counterexample', () => {
    const dir = mkdtempSync(join(tmpdir(), 'klpcheck-explore-'));
    const report = join(dir, 'explore.json');
    const run = spawnSync(
      process.execPath,
      ['bin/klpcheck.mjs', 'explore', '--set', 'selftest-callbacks', '--depth', '4', '--out', join(dir, 'cx'), '--report', report],
      { cwd: ROOT, encoding: 'utf8', timeout: 110_000 },
    );
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('Every sequence of up to 4 operations over these 2 patches and 2 target modules');
    expect(run.stdout).toContain('Violated: callback-pairing (shortest length 4)');
    const json = JSON.parse(readFileSync(report, 'utf8'));
    expect(json.violated[0].length).toBe(4);
    expect(json.coverage.operations.never).toContain('call');
    expect(readFileSync(join(dir, 'explore.md'), 'utf8')).toContain('## Exhaustive exploration');
    expect(readdirSync(join(dir, 'cx'))).toHaveLength(1);
  });

  test('time limit still writes results', () => {
    const dir = mkdtempSync(join(tmpdir(), 'klpcheck-explore-'));
    const report = join(dir, 'explore.json');
    const run = spawnSync(
      process.execPath,
      ['bin/klpcheck.mjs', 'explore', '--set', 'bench-3-patches-2-targets', '--depth', '9', '--time-limit', '2', '--report', report, '--out', dir],
      { cwd: ROOT, encoding: 'utf8', timeout: 110_000 },
    );
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('The search stopped before depth 9');
    expect(run.stdout).toContain('Stopped by the time limit of 2 s');
    const json = JSON.parse(readFileSync(report, 'utf8'));
    expect(json.stopped).toBe(true);
    expect(json.stoppedBy).toBe('time-limit');
    expect(json.completedDepth).toBeLessThan(9);
    // The certificate counts the completed depths only, not the states of the depth the stop cut short.
    const sum = json.statesPerDepth.reduce((total: number, n: number) => total + n, 0);
    expect(json.states).toBe(sum);
  });

  test('Ctrl-C writes results and exits 130', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'klpcheck-explore-'));
    const report = join(dir, 'explore.json');
    const child = spawn(
      process.execPath,
      ['bin/klpcheck.mjs', 'explore', '--set', 'bench-3-patches-2-targets', '--depth', '9', '--report', report, '--out', dir],
      { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    // Wait for the first depth's progress line: the search, and its signal handler, are running by then.
    await new Promise<void>((resolve) => {
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
        if (stderr.includes('depth 1:')) resolve();
      });
    });
    child.kill('SIGINT');
    const status = await new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    expect(status).toBe(130);
    expect(stdout).toContain('Stopped by Ctrl-C (SIGINT)');
    expect(JSON.parse(readFileSync(report, 'utf8')).stoppedBy).toBe('interrupt');
  });

  test('bound too large exits 3', () => {
    const dir = mkdtempSync(join(tmpdir(), 'klpcheck-explore-'));
    const report = join(dir, 'explore.json');
    const run = spawnSync(
      process.execPath,
      ['--max-old-space-size=150', 'bin/klpcheck.mjs', 'explore', '--set', 'bench-3-patches-2-targets', '--depth', '14', '--report', report, '--out', dir],
      { cwd: ROOT, encoding: 'utf8', timeout: 110_000 },
    );
    expect(run.status).toBe(3);
    const stopped = /The search stopped after depth (\d+): depth 14 would need about [\d,]+ MiB of heap \(extrapolated from the depths done\)/.exec(run.stdout);
    expect(stopped, run.stdout).not.toBeNull();
    expect(Number(stopped?.[1])).toBeLessThan(8);
    const fits = /Depth (\d+) fits: rerun with --depth \1/.exec(run.stdout);
    expect(Number(fits?.[1])).toBeGreaterThanOrEqual(Number(stopped?.[1]));
    expect(Number(fits?.[1])).toBeLessThan(14);
    expect(JSON.parse(readFileSync(report, 'utf8')).stopped).toBe(true);
  });

  test('rejects a missing patch set', () => {
    const run = spawnSync(process.execPath, ['bin/klpcheck.mjs', 'explore', '--depth', '3'], { cwd: ROOT, encoding: 'utf8' });
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('needs exactly one of --set NAME and --scenario FILE');
  });
});
