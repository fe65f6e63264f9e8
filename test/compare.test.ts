/**
 * The comparison of the two designs: every divergence class on a hand-made
 * scenario, determinism of the search, shrinking that keeps the class, and
 * compare files that replay.
 */
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';

import {
  type CompareOptions,
  type CompareResult,
  pairedRun,
  replayCompareFile,
  runCompare,
  shrinkDivergence,
  targetDivergences,
} from '../engine/compare.ts';
import { compareFileName, parseCompareFile, readCompareFile } from '../engine/compare-file.ts';
import { canonicalJson, InputFileError } from '../engine/counterexample.ts';
import {
  type CallbackKey,
  DIVERGENCE_CLASSES,
  type Divergence,
  type DivergenceClass,
  divergences,
  divergencesOfClass,
  independentDivergences,
  type PairedRun,
} from '../engine/divergence.ts';
import { generatedTarget, VMLINUX_FUNCTIONS } from '../engine/generate-patch-set.ts';
import { catalogueSet } from '../model/catalogue/index.ts';
import type { PatchModuleDef, PatchSet } from '../model/definition.ts';
import type { KernelEvent } from '../model/events.ts';
import { moduleName, type PatchId } from '../model/ids.ts';
import { MODELS } from '../model/index.ts';
import type { Operation } from '../model/operations.ts';
import type { Model, Trace } from '../model/trace.ts';
import { translatePatchSet } from '../model/translate.ts';
import { ALL_PROPERTIES } from '../properties/index.ts';

const models = { current: MODELS.current as Model, redesign: MODELS.redesign as Model };
const options: Pick<CompareOptions, 'models' | 'properties'> = { models, properties: ALL_PROPERTIES };

function catalogue(name: string): PatchSet {
  const set = catalogueSet(name);
  if (!set) throw new Error(`catalogue patch set ${name} is missing`);
  return set;
}

const TARGET = moduleName('klp_target_1');
const SHADOW_ID = 16;

/**
 * One livepatch whose vmlinux function allocates shadow variables and whose
 * callbacks sit on the module object klp_target_1: post_patch changes a
 * system variable, and post_unpatch frees the shadow variables. The current
 * API runs these callbacks when klp_target_1 loads or unloads; the redesign
 * runs them when the patch's state comes or goes.
 */
function handMadeSet(): PatchSet {
  const patch: PatchModuleDef = {
    kind: 'livepatch',
    name: moduleName('lp'),
    replace: false,
    objects: [
      { name: null, funcs: [{ oldName: 'vm_obj_alloc', body: [{ op: 'shadowGetOrAlloc', id: SHADOW_ID, obj: { kind: 'parent' } }] }] },
      {
        name: TARGET,
        funcs: [],
        callbacks: {
          post_patch: [{ op: 'varSet', name: 'sysctl_state_1', value: 3 }],
          post_unpatch: [{ op: 'shadowFreeAll', id: SHADOW_ID }],
        },
      },
    ],
    practice: 'best-practice',
    source: 'hand-made test livepatch',
  };
  return {
    name: 'hand-made',
    modules: [patch, generatedTarget(TARGET)],
    vmlinuxFunctions: VMLINUX_FUNCTIONS,
    systemVariables: { sysctl_state_1: 0 },
  };
}

const insmod = (module: string): Operation => ({ type: 'insmod', module });
const rmmod = (module: string): Operation => ({ type: 'rmmod', module });
const work: Operation = { type: 'transition_work' };
const alloc: Operation = { type: 'call', object: null, func: 'vm_obj_alloc', parent: 'vm_obj1' };

/** Loads the target, enables lp, attaches a shadow variable, removes the target. */
const UNLOAD_TARGET: Operation[] = [insmod(TARGET), insmod('lp'), work, alloc, rmmod(TARGET)];

function classOf(set: PatchSet, ops: readonly Operation[], cls: DivergenceClass): Divergence[] {
  return divergencesOfClass(pairedRun(models, set, ops), ALL_PROPERTIES, cls);
}

describe('divergence classes on hand-made scenarios', () => {
  const state = catalogue('selftest-state');

  test('refusal: an older version is refused by the current API only', () => {
    const found = classOf(state, [insmod('test_klp_state2'), work, insmod('test_klp_state')], 'refusal');
    expect(found).toEqual([
      { class: 'refusal', step: 2, op: insmod('test_klp_state'), errno: { current: -22, redesign: 0 } },
    ]);
  });

  test('errno: incompatible in the current API, busy in the redesign', () => {
    const found = classOf(state, [insmod('test_klp_state2'), insmod('test_klp_state')], 'errno');
    expect(found).toEqual([{ class: 'errno', step: 1, op: insmod('test_klp_state'), errno: { current: -22, redesign: -16 } }]);
  });

  test('cleanup: the redesign runs the replaced patch pre_unpatch', () => {
    const found = classOf(state, [insmod('test_klp_state'), work, insmod('test_klp_state2')], 'cleanup');
    const key: CallbackKey = { module: moduleName('test_klp_state'), owner: { kind: 'object', object: null }, callback: 'pre_unpatch' };
    expect(found).toContainEqual({ class: 'cleanup', step: 2, cleanup: { kind: 'callback', key }, steps: { current: [], redesign: [2] } });
  });

  test('cleanup: only the current API frees at module unload', () => {
    const found = classOf(handMadeSet(), UNLOAD_TARGET, 'cleanup');
    expect(found).toContainEqual({
      class: 'cleanup',
      step: 4,
      cleanup: { kind: 'shadowFree', obj: 'vm_obj1', id: SHADOW_ID },
      steps: { current: [4], redesign: [] },
    });
  });

  test('setup: the redesign runs callbacks of an unloaded object', () => {
    const found = classOf(handMadeSet(), [insmod('lp'), work], 'setup');
    const key: CallbackKey = { module: moduleName('lp'), owner: { kind: 'object', object: TARGET }, callback: 'post_patch' };
    expect(found).toEqual([{ class: 'setup', step: 1, callback: key, steps: { current: [], redesign: [1] } }]);
  });

  test('setup: a callback at another step counts from that step', () => {
    const found = classOf(handMadeSet(), [insmod('lp'), work, insmod(TARGET)], 'setup');
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ step: 1, steps: { current: [2], redesign: [1] } });
  });

  test('shadow-left: the variable stays in the redesign only', () => {
    const found = classOf(handMadeSet(), UNLOAD_TARGET, 'shadow-left');
    expect(found).toEqual([{ class: 'shadow-left', step: 4, obj: 'vm_obj1', id: SHADOW_ID, leftIn: 'redesign' }]);
  });

  test('system-variable: changed in the redesign only', () => {
    const found = classOf(handMadeSet(), [insmod('lp'), work], 'system-variable');
    expect(found).toEqual([
      {
        class: 'system-variable',
        step: 1,
        name: 'sysctl_state_1',
        original: 0,
        value: { current: 0, redesign: 3 },
        changedIn: 'redesign',
      },
    ]);
  });

  test('verdict: a premature free in the current API only', () => {
    const found = classOf(handMadeSet(), UNLOAD_TARGET, 'verdict');
    expect(found).toContainEqual(expect.objectContaining({ class: 'verdict', property: 'shadow-premature-free', violatedIn: 'current', step: 4 }));
  });

  test('no divergence without operations', () => {
    expect(divergences(pairedRun(models, handMadeSet(), []), ALL_PROPERTIES)).toEqual([]);
  });
});

// callback-order: the translation keeps each patch's callbacks in object
// order, so the two models agree within every step seen so far. The detector
// is checked on two traces that differ only in the order of one step's callbacks.

function callbackEvent(patch: string, object: string | null, callback: CallbackKey['callback']): KernelEvent {
  return { type: 'callback', patch: patch as PatchId, object: object === null ? null : moduleName(object), callback, moduleState: 'LIVE' };
}

function traceOf(model: 'current' | 'redesign', set: PatchSet, events: readonly KernelEvent[]): Trace {
  const initial = models[model].initial(set);
  return { model, set, initial, steps: [{ index: 0, op: insmod('lp'), before: initial, after: initial, events }] };
}

describe('callback-order detector', () => {
  const set = handMadeSet();
  const first = callbackEvent('lp#1', null, 'pre_patch');
  const second = callbackEvent('lp#1', TARGET, 'pre_patch');
  const extra = callbackEvent('lp#1', TARGET, 'post_patch');

  function run(current: readonly KernelEvent[], redesign: readonly KernelEvent[]): PairedRun {
    return {
      set,
      translation: translatePatchSet(set),
      ops: [insmod('lp')],
      traces: { current: traceOf('current', set, current), redesign: traceOf('redesign', set, redesign) },
    };
  }

  test('swapped callbacks in one step', () => {
    const found = divergencesOfClass(run([first, second], [extra, second, first]), [], 'callback-order');
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ class: 'callback-order', step: 0, position: 0 });
  });

  test('callbacks of one design only do not count', () => {
    expect(divergencesOfClass(run([first, second], [first, extra, second]), [], 'callback-order')).toEqual([]);
  });
});

describe('independent divergences', () => {
  const refusalAt = (step: number): Divergence => ({ class: 'refusal', step, op: work, errno: { current: -22, redesign: 0 } });
  const left = (step: number): Divergence => ({ class: 'shadow-left', step, obj: 'o', id: 1, leftIn: 'current' });

  test('before the first refusal only', () => {
    const found = [refusalAt(2), refusalAt(4), left(1), left(2), left(5)];
    expect(independentDivergences(found, [refusalAt(2), refusalAt(4)])).toEqual([refusalAt(2), left(1)]);
  });

  test('all of them without a refusal', () => {
    expect(independentDivergences([left(3)], [])).toEqual([left(3)]);
  });
});

// The search

/** The parts of a result that must not depend on timing or file writes. */
function stableView(result: CompareResult): unknown {
  return result.classes.map((summary) => [
    summary.class,
    summary.sequences,
    summary.independentSequences,
    summary.example && [summary.example.run, summary.example.independent, summary.example.paired.ops, summary.example.divergences],
  ]);
}

function smallCompare(seed: number, out: string | null = null): Promise<CompareResult> {
  return runCompare({ ...options, runs: 150, seed, maxSteps: 20, out });
}

describe('comparison search', () => {
  test('same seed gives the same result', async () => {
    const first = await smallCompare(5);
    const second = await smallCompare(5);
    expect(canonicalJson(stableView(second))).toBe(canonicalJson(stableView(first)));
  });

  test('different seeds explore different sequences', async () => {
    const first = await smallCompare(5);
    const second = await smallCompare(6);
    expect(canonicalJson(stableView(second))).not.toBe(canonicalJson(stableView(first)));
  });

  test('reports every class once, in order', async () => {
    const result = await smallCompare(5);
    expect(result.classes.map((c) => c.class)).toEqual([...DIVERGENCE_CLASSES]);
    expect(result.sequences).toBe(150);
    expect(result.errorCount).toBe(0);
    for (const summary of result.classes) {
      expect(summary.independentSequences).toBeLessThanOrEqual(summary.sequences);
      expect(summary.example === null).toBe(summary.sequences === 0);
    }
  });

  test('examples are shrunk and keep their class', async () => {
    const result = await smallCompare(5);
    const examples = result.classes.flatMap((c) => (c.example ? [c.example] : []));
    expect(examples.length).toBeGreaterThanOrEqual(5);
    for (const example of examples) {
      const target = { class: example.class, independent: example.independent };
      expect(example.paired.ops.length, example.class).toBeLessThanOrEqual(example.foundLength);
      expect(example.divergences.length, example.class).toBeGreaterThan(0);
      expect(example.divergences.every((d) => d.class === example.class)).toBe(true);
      const rerun = pairedRun(models, example.paired.set, example.paired.ops);
      expect(targetDivergences(rerun, ALL_PROPERTIES, target), example.class).toEqual(example.divergences);
    }
  });

  test('progress covers the runs and every class', async () => {
    const kinds: string[] = [];
    await runCompare({ ...options, runs: 40, seed: 1, maxSteps: 10, out: null, onProgress: (e) => kinds.push(e.kind) });
    expect(kinds[0]).toBe('start');
    expect(kinds.filter((k) => k === 'run')).toHaveLength(20);
    expect(kinds.filter((k) => k === 'shrink')).toHaveLength(DIVERGENCE_CLASSES.length);
  });
});

describe('shrinking a divergence', () => {
  const padded: Operation[] = [
    insmod(TARGET),
    { type: 'call', object: null, func: 'vm_obj_alloc', parent: 'vm_obj7' },
    insmod('lp'),
    work,
    { type: 'call', object: TARGET, func: 'klp_target_1_obj_alloc', parent: 'klp_target_1_obj1' },
    alloc,
    { type: 'call', object: null, func: 'vm_obj_use', parent: 'vm_obj1' },
    rmmod(TARGET),
    work,
  ];

  test.each(['cleanup', 'shadow-left', 'verdict'] as const)('%s keeps its class and loses padding', (cls) => {
    const target = { class: cls, independent: true };
    expect(targetDivergences(pairedRun(models, handMadeSet(), padded), ALL_PROPERTIES, target).length).toBeGreaterThan(0);
    const shrunk = shrinkDivergence(options, handMadeSet(), padded, target);
    expect(shrunk).not.toBeNull();
    expect(shrunk!.ops.length).toBeLessThan(padded.length);
    expect(shrunk!.found.every((d) => d.class === cls)).toBe(true);
    expect(targetDivergences(pairedRun(models, shrunk!.set, shrunk!.ops), ALL_PROPERTIES, target)).toEqual(shrunk!.found);
  });

  test('shadow-left shrinks to the unload scenario', () => {
    const shrunk = shrinkDivergence(options, handMadeSet(), padded, { class: 'shadow-left', independent: true });
    // The transition need not complete: a call during it attaches the variable too.
    expect(shrunk?.ops).toEqual(UNLOAD_TARGET.filter((op) => op !== work));
  });

  test('no divergence of the class gives null', () => {
    expect(shrinkDivergence(options, handMadeSet(), [insmod('lp')], { class: 'shadow-left', independent: false })).toBeNull();
  });
});

// Compare files

describe('compare files', () => {
  test('search writes files that replay', async () => {
    const out = mkdtempSync(join(tmpdir(), 'klpcheck-compare-'));
    const result = await smallCompare(5, out);
    const written = result.classes.flatMap((c) => (c.example?.file ? [c.example.file] : []));
    expect(written.length).toBeGreaterThan(0);
    expect(readdirSync(out).sort()).toEqual(written.map((f) => f.path.slice(out.length + 1)).sort());

    for (const { path } of written) {
      const file = readCompareFile(path);
      expect(compareFileName(file)).toBe(path.slice(out.length + 1));
      const replay = replayCompareFile(file, options);
      expect(replay.reproduced, path).toBe(true);
      expect(replay.firstEventDifference).toEqual({ current: null, redesign: null });
    }
  });

  test('second search writes no new file', async () => {
    const out = mkdtempSync(join(tmpdir(), 'klpcheck-compare-'));
    await smallCompare(5, out);
    const before = readdirSync(out).sort();
    const again = await smallCompare(5, out);
    expect(readdirSync(out).sort()).toEqual(before);
    expect(again.classes.every((c) => !c.example?.file || c.example.file.created === false)).toBe(true);
  });

  test('edited events are reported, divergence still reproduced', async () => {
    const out = mkdtempSync(join(tmpdir(), 'klpcheck-compare-'));
    const result = await smallCompare(5, out);
    const path = result.classes.find((c) => c.example?.file)?.example?.file?.path ?? '';
    const content = JSON.parse(readFileSync(path, 'utf8')) as { events: { redesign: unknown[][] } };
    content.events.redesign[0] = [];
    const replay = replayCompareFile(parseCompareFile(JSON.stringify(content), 'edited.json'), options);
    expect(replay.reproduced).toBe(true);
    expect(replay.firstEventDifference.redesign).toBe(0);
  });

  test('a class that no longer shows is not reproduced', async () => {
    const out = mkdtempSync(join(tmpdir(), 'klpcheck-compare-'));
    const result = await smallCompare(5, out);
    const path = result.classes.find((c) => c.class === 'setup')?.example?.file?.path;
    expect(path).toBeDefined();
    const content = JSON.parse(readFileSync(path ?? '', 'utf8')) as Record<string, unknown>;
    const edited = { ...content, operations: [], events: { current: [], redesign: [] } };
    expect(replayCompareFile(parseCompareFile(JSON.stringify(edited), 'edited.json'), options).reproduced).toBe(false);
  });

  test('malformed file names the path and key', () => {
    const dir = mkdtempSync(join(tmpdir(), 'klpcheck-compare-'));
    const file = join(dir, 'bad.json');
    writeFileSync(file, JSON.stringify({ format: 'klpcheck-compare', version: 1, class: 'refusl' }));
    expect(() => readCompareFile(file)).toThrow(InputFileError);
    expect(() => readCompareFile(file)).toThrow(/\$\.class: expected "refusal", "errno"/);
  });

  test('missing file says so', () => {
    expect(() => readCompareFile('no/such/compare.json')).toThrow('no/such/compare.json: file not found');
  });
});
