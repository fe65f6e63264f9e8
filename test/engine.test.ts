/**
 * Contract tests of the random engine, the shrinker, classification and the
 * counterexample file format, run against the current model and catalogue,
 * and of the patch sets each model is checked on.
 */
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';

import { type CheckResult, checkOptions, runCheck, verdictChanges } from '../engine/check.ts';
import { classifyViolation } from '../engine/classify.ts';
import {
  canonicalJson,
  counterexampleFileName,
  type CounterexampleFile,
  InputFileError,
  parseInputFile,
  type ParseContext,
  writeCounterexample,
  writeFileAtomically,
} from '../engine/counterexample.ts';
import { arbitraryChoices, operationsFromChoices } from '../engine/generate-operations.ts';
import { arbitraryRedesignPatchSet, REDESIGN_AUTHOR_PRACTICES } from '../engine/generate-redesign-patch-set.ts';
import { compareEvents, ModelMismatchError, replayFile } from '../engine/replay.ts';
import { shrinkViolation, violatingRun } from '../engine/shrink.ts';
import { defaultSources, redesignRuns, translatedForRedesign, translatedSources } from '../engine/sources.ts';
import { CATALOGUE } from '../model/catalogue/index.ts';
import { shadowIdsUsed } from '../model/code.ts';
import type { PatchModuleDef, PatchSet, StateDef } from '../model/definition.ts';
import { MODELS } from '../model/index.ts';
import type { Operation } from '../model/operations.ts';
import { REDESIGN_CATALOGUE } from '../model/redesign-catalogue/index.ts';
import type { Model } from '../model/trace.ts';
import { ALL_PROPERTIES } from '../properties/index.ts';
import type { Property } from '../properties/property.ts';
import { catalogue, property } from './lookup.ts';

const current = MODELS.current as Model;


/** Violated as soon as any patch finishes a patching transition: easy to hit, with a known minimum. */
const noPatchingCompletes: Property<null> = {
  name: 'no-patching-completes',
  title: 'No patching transition completes',
  rule: 'A patching transition never completes.',
  appliesTo: () => true,
  init: () => null,
  check: (state, step) => {
    const done = step.events.some((e) => e.type === 'klp' && e.msg === 'complete' && e.dir === 'patching');
    return done ? { state, violation: { explanation: 'a patching transition completed', steps: [step.index] } } : { state };
  },
};

const throwing: Property<null> = {
  name: 'throws',
  title: 'Throws',
  rule: 'Throws on the first step.',
  appliesTo: () => true,
  init: () => null,
  check: () => {
    throw new Error('property bug');
  },
};

const notForCurrent: Property<null> = {
  ...noPatchingCompletes,
  name: 'not-for-current',
  appliesTo: (model) => (model === 'current' ? 'only the redesign has this' : true),
};

/** The parts of a result that must not depend on timing. */
function stableView(result: CheckResult): unknown {
  return result.pairs.map((pair) => {
    const verdict = pair.verdict;
    if (verdict.status === 'not-applicable') return [pair.model, pair.property.name, verdict];
    const found = verdict.status === 'violated' ? verdict.counterexamples : [];
    return [
      pair.model,
      pair.property.name,
      verdict.status,
      verdict.explored,
      found.map((f) => [f.classification, f.source, f.fastCheckSeed, f.fastCheckPath, f.ops, f.step, f.violation]),
    ];
  });
}

describe('random engine', () => {
  const small = (seed: number) =>
    checkOptions({
      models: [current],
      properties: [property('shadow-leak'), property('callback-pairing'), noPatchingCompletes],
      patchSets: CATALOGUE,
      runs: 30,
      seed,
      out: null,
    });

  test('same seed gives the same result', async () => {
    const first = await runCheck(small(7));
    const second = await runCheck(small(7));
    expect(canonicalJson(stableView(second))).toBe(canonicalJson(stableView(first)));
  });

  test('different seeds explore different sequences', async () => {
    const first = await runCheck(small(7));
    const second = await runCheck(small(8));
    expect(canonicalJson(stableView(second))).not.toBe(canonicalJson(stableView(first)));
  });

  test('finds the minimal counterexample of an easy property', async () => {
    const result = await runCheck(small(1));
    const pair = result.pairs.find((p) => p.property.name === 'no-patching-completes');
    expect(pair?.verdict.status).toBe('violated');
    if (pair?.verdict.status !== 'violated') return;
    for (const found of pair.verdict.counterexamples) {
      expect(found.ops.map((op) => op.type)).toEqual(['insmod', 'transition_work']);
      expect(found.ops.length).toBeLessThanOrEqual(found.fastCheckLength);
    }
  });

  test('thrown errors become error verdicts', async () => {
    const result = await runCheck({ ...small(1), properties: [throwing, noPatchingCompletes] });
    const [broken, working] = result.pairs;
    expect(broken?.verdict.status).toBe('error');
    if (broken?.verdict.status === 'error') expect(broken.verdict.errors[0].message).toBe('property bug');
    expect(working?.verdict.status).toBe('violated');
  });

  test('inapplicable property is not run', async () => {
    const result = await runCheck({ ...small(1), properties: [notForCurrent] });
    expect(result.pairs[0]?.verdict).toEqual({ status: 'not-applicable', reason: 'only the redesign has this' });
  });

  test('progress reports every pair', async () => {
    const events: string[] = [];
    await runCheck({ ...small(1), onProgress: (event) => events.push(event.kind) });
    expect(events[0]).toBe('start');
    expect(events.filter((kind) => kind === 'pair')).toHaveLength(3);
  });

  test('counterexamples are written once per content', async () => {
    const out = mkdtempSync(join(tmpdir(), 'klpcheck-engine-'));
    const options = { ...small(1), properties: [noPatchingCompletes], out };
    const first = await runCheck(options);
    const filesAfterFirst = readdirSync(out).sort();
    const second = await runCheck(options);

    expect(filesAfterFirst.length).toBeGreaterThan(0);
    expect(readdirSync(out).sort()).toEqual(filesAfterFirst);
    const created = (result: CheckResult) =>
      result.pairs.flatMap((p) => (p.verdict.status === 'violated' ? p.verdict.counterexamples : [])).map((f) => f.file?.created);
    expect(created(first).every((c) => c === true)).toBe(true);
    expect(created(second).every((c) => c === false)).toBe(true);
  });
});

describe('shrinking', () => {
  const set = catalogue('selftest-state');

  test('shrinking never lengthens a counterexample', () => {
    const pairing = property('callback-pairing');
    fc.assert(
      fc.property(arbitraryChoices(20), (choices) => {
        const { ops } = operationsFromChoices(current, set, choices);
        for (const prop of [noPatchingCompletes, pairing]) {
          const shrunk = shrinkViolation(current, prop, set, ops, { dropUnusedModules: true });
          if (!shrunk) {
            expect(violatingRun(current, prop, set, ops)).toBeNull();
            continue;
          }
          expect(shrunk.ops.length).toBeLessThanOrEqual(ops.length);
          expect(shrunk.set.modules.length).toBeLessThanOrEqual(set.modules.length);
          expect(violatingRun(current, prop, shrunk.set, shrunk.ops)).not.toBeNull();
        }
      }),
      { seed: 3, numRuns: 40 },
    );
  });

  test('shrinking removes every unneeded operation', () => {
    const ops: Operation[] = [
      { type: 'insmod', module: 'test_klp_state' },
      { type: 'write_enabled', patch: 'test_klp_state', value: 0 },
      { type: 'write_enabled', patch: 'test_klp_state', value: 1 },
      { type: 'transition_work' },
      { type: 'insmod', module: 'test_klp_state2' },
      { type: 'transition_work' },
    ];
    const shrunk = shrinkViolation(current, noPatchingCompletes, set, ops, { dropUnusedModules: false });
    expect(shrunk?.ops).toEqual([{ type: 'insmod', module: 'test_klp_state' }, { type: 'transition_work' }]);
    expect(shrunk?.set).toBe(set);
  });

  test('unused modules are dropped only when asked', () => {
    const ops: Operation[] = [{ type: 'insmod', module: 'test_klp_state' }, { type: 'transition_work' }];
    const kept = shrinkViolation(current, noPatchingCompletes, set, ops, { dropUnusedModules: false });
    const dropped = shrinkViolation(current, noPatchingCompletes, set, ops, { dropUnusedModules: true });
    expect(kept?.set.modules.map((m) => m.name)).toEqual(set.modules.map((m) => m.name));
    expect(dropped?.set.modules.map((m) => m.name)).toEqual(['test_klp_state']);
  });

  test('input that holds is not shrunk', () => {
    expect(shrinkViolation(current, noPatchingCompletes, set, [], { dropUnusedModules: false })).toBeNull();
  });
});

describe('classification', () => {
  const set = catalogue('selftest-state');
  const insmod = (module: string): Operation => ({ type: 'insmod', module });

  test('best-practice modules only is an API flaw', () => {
    expect(classifyViolation(set, [insmod('test_klp_state2'), insmod('test_klp_state3')])).toBe('api-flaw');
  });

  test('a deviating module makes an author error', () => {
    expect(classifyViolation(set, [insmod('test_klp_state'), insmod('test_klp_state2')])).toBe('author-error');
  });

  test('kernel-module practice counts only without the three APIs', () => {
    const plain = catalogue('selftest-livepatch');
    const withCallbacks = catalogue('selftest-callbacks');
    const plainPatch = plain.modules.find((m) => m.kind === 'livepatch') as PatchModuleDef;
    const demo = withCallbacks.modules.find((m) => m.name === 'test_klp_callbacks_demo') as PatchModuleDef;
    expect(plainPatch.practice).toBe('kernel-module');
    expect(demo.practice).toBe('kernel-module');
    expect(classifyViolation(plain, [insmod(plainPatch.name)])).toBe('api-flaw');
    expect(classifyViolation(withCallbacks, [insmod(demo.name)])).toBe('author-error');
  });
});

// Counterexample files

const context: ParseContext = { propertyNames: ALL_PROPERTIES.map((p) => p.name), catalogue: CATALOGUE };

function sampleCounterexample(): CounterexampleFile {
  const set = catalogue('selftest-state');
  const ops: Operation[] = [{ type: 'insmod', module: 'test_klp_state' }, { type: 'transition_work' }];
  const run = violatingRun(current, noPatchingCompletes, set, ops);
  if (!run) throw new Error('the sample operations do not violate the test property');
  return {
    format: 'klpcheck-counterexample',
    version: 1,
    model: 'current',
    property: 'shadow-leak',
    seed: 42,
    fastCheckSeed: -5,
    path: '3:1',
    date: '2026-01-01T00:00:00.000Z',
    patchSet: set,
    operations: ops,
    events: run.trace.steps.map((s) => s.events),
    verdict: {
      property: 'shadow-leak',
      rule: 'rule',
      explanation: 'explanation',
      steps: [1],
      classification: 'author-error',
    },
  };
}

function parseError(text: string): string {
  try {
    parseInputFile(text, 'bad.json', context);
  } catch (error) {
    if (error instanceof InputFileError) return error.message;
    throw error;
  }
  throw new Error('the text parsed without error');
}

function scenarioText(edit: (scenario: Record<string, unknown>) => void): string {
  const scenario: Record<string, unknown> = {
    format: 'klpcheck-scenario',
    version: 1,
    model: 'current',
    patchSet: 'selftest-state',
    operations: [{ type: 'insmod', module: 'test_klp_state' }],
  };
  edit(scenario);
  return JSON.stringify(scenario, null, 2);
}

describe('counterexample files', () => {
  test('name is stable across key order', () => {
    const content = sampleCounterexample();
    const reordered = JSON.parse(canonicalJson(content)) as CounterexampleFile;
    expect(counterexampleFileName(reordered)).toBe(counterexampleFileName(content));
    expect(counterexampleFileName(content)).toMatch(/^shadow-leak-current-[0-9a-f]{12}\.json$/);
  });

  test('name ignores seed, path and date', () => {
    const content = sampleCounterexample();
    const other = { ...content, seed: 1, path: null, date: '2030-01-01T00:00:00.000Z' };
    expect(counterexampleFileName(other)).toBe(counterexampleFileName(content));
  });

  test('name changes with the operations', () => {
    const content = sampleCounterexample();
    const other = { ...content, operations: content.operations.slice(0, 1) };
    expect(counterexampleFileName(other)).not.toBe(counterexampleFileName(content));
  });

  test('existing file is never rewritten', () => {
    const dir = mkdtempSync(join(tmpdir(), 'klpcheck-cx-'));
    const content = sampleCounterexample();
    const first = writeCounterexample(dir, content);
    const text = readFileSync(first.path, 'utf8');
    const second = writeCounterexample(dir, { ...content, date: '2031-01-01T00:00:00.000Z' });

    expect(first.created).toBe(true);
    expect(second).toEqual({ path: first.path, created: false });
    expect(readFileSync(first.path, 'utf8')).toBe(text);
    expect(readdirSync(dir)).toEqual([counterexampleFileName(content)]);
  });

  test('atomic write leaves no temporary files', () => {
    const dir = mkdtempSync(join(tmpdir(), 'klpcheck-atomic-'));
    const path = join(dir, 'reports', 'summary.md');
    writeFileAtomically(path, 'one\n');
    writeFileAtomically(path, 'two\n');
    expect(readFileSync(path, 'utf8')).toBe('two\n');
    expect(readdirSync(join(dir, 'reports'))).toEqual(['summary.md']);
  });

  test('written file parses back to the same content', () => {
    const dir = mkdtempSync(join(tmpdir(), 'klpcheck-parse-'));
    const content = sampleCounterexample();
    const { path } = writeCounterexample(dir, content);
    const parsed = parseInputFile(readFileSync(path, 'utf8'), path, context);
    expect(parsed.kind).toBe('counterexample');
    expect(canonicalJson(parsed.content)).toBe(canonicalJson(content));
  });
});

describe('malformed files', () => {
  test('invalid JSON names the line and column', () => {
    const message = parseError('{\n  "format": "klpcheck-scenario",\n  "version": 1,,\n}');
    expect(message).toMatch(/^bad\.json: invalid JSON at line 3, column \d+/);
  });

  test('unknown format lists the valid ones', () => {
    const message = parseError(scenarioText((s) => (s.format = 'klpcheck')));
    expect(message).toContain('bad.json: $.format: expected "klpcheck-counterexample" or "klpcheck-scenario"');
    expect(message).toContain('found "klpcheck"');
  });

  test('unknown model lists the valid ones', () => {
    const message = parseError(scenarioText((s) => (s.model = 'curent')));
    expect(message).toContain('$.model: expected a model name: current, redesign');
    expect(message).toContain('Did you mean "current"?');
  });

  test('unknown property lists the valid ones', () => {
    const message = parseError(scenarioText((s) => (s.property = 'no-such-property')));
    expect(message).toContain('$.property: expected a property name: ');
    expect(message).toContain('shadow-leak');
  });

  test('unknown catalogue name lists the valid ones', () => {
    const message = parseError(scenarioText((s) => (s.patchSet = 'selftest-stat')));
    expect(message).toContain('$.patchSet: expected a catalogue patch set name: ');
    expect(message).toContain('Did you mean "selftest-state"?');
  });

  test('bad operation type names its path', () => {
    const message = parseError(scenarioText((s) => (s.operations = [{ type: 'insmod', module: 'x' }, { type: 'rmod', module: 'x' }])));
    expect(message).toContain('$.operations[1].type: expected "insmod", "rmmod"');
    expect(message).toContain('found "rmod". Did you mean "rmmod"?');
  });

  test('missing key names its path', () => {
    const message = parseError(scenarioText((s) => (s.operations = [{ type: 'write_enabled', patch: 'p' }])));
    expect(message).toContain('$.operations[0].value: expected 0 or 1, found nothing');
  });

  test('unknown key names its path', () => {
    const message = parseError(scenarioText((s) => (s.operation = [])));
    expect(message).toContain('$.operation: expected no key of this name');
    expect(message).toContain('Did you mean "operations"?');
  });

  test('wrong value type inside a patch set', () => {
    const set = JSON.parse(JSON.stringify(catalogue('selftest-state'))) as { modules: { name: unknown }[] };
    if (set.modules[0]) set.modules[0].name = 7;
    const message = parseError(scenarioText((s) => (s.patchSet = set)));
    expect(message).toContain('$.patchSet.modules[0].name: expected a non-empty string, found 7');
  });

  test('events must match the operations', () => {
    const message = parseError(scenarioText((s) => (s.events = [[], []])));
    expect(message).toContain('$.events: expected one event list per operation (1)');
  });

  test('verdict steps must lie within the operations', () => {
    const content = { ...sampleCounterexample(), verdict: { ...sampleCounterexample().verdict, steps: [9] } };
    const message = parseError(JSON.stringify(content));
    expect(message).toContain('$.verdict.steps[0]: expected a step index below 2, found 9');
  });

  test('every error points to the format documentation or a fix', () => {
    const message = parseError(scenarioText((s) => (s.version = 2)));
    expect(message).toContain('$.version: expected 1, found 2');
    expect(message).toContain('docs/scenario-format.md');
  });
});

describe('replay', () => {
  const replayContext = { models: MODELS, properties: [...ALL_PROPERTIES, noPatchingCompletes] };
  const replayParse: ParseContext = { ...context, propertyNames: [...context.propertyNames, noPatchingCompletes.name] };

  function stored(overrides: Partial<CounterexampleFile['verdict']> = {}): CounterexampleFile {
    const content = sampleCounterexample();
    return {
      ...content,
      property: noPatchingCompletes.name,
      verdict: { ...content.verdict, property: noPatchingCompletes.name, ...overrides },
    };
  }

  test('reproduces the stored verdict', () => {
    const input = parseInputFile(JSON.stringify(stored()), 'cx.json', replayParse);
    const result = replayFile(input, replayContext);
    expect(result.reproduction?.reproduced).toBe(true);
    expect(result.events?.equal).toBe(true);
    expect(result.passed).toBe(true);
  });

  test('current file on the redesign runs the translation', () => {
    const input = parseInputFile(JSON.stringify(stored()), 'cx.json', replayParse);
    const result = replayFile(input, replayContext, 'redesign');
    expect(result.model).toBe('redesign');
    expect(result.modelOverridden).toBe(true);
    expect(result.set.name).toBe(`translated:${input.content.patchSet.name}`);
    expect(result.set.modules.some((def) => def.kind === 'livepatch' && (def.states ?? []).length > 0)).toBe(true);
  });

  test('redesign file on the current API is refused', () => {
    const content = { ...stored(), model: 'redesign' as const };
    const input = parseInputFile(JSON.stringify(content), 'cx.json', replayParse);
    expect(() => replayFile(input, replayContext, 'current')).toThrow(ModelMismatchError);
  });

  test('different step is not reproduced', () => {
    const input = parseInputFile(JSON.stringify(stored({ steps: [0] })), 'cx.json', replayParse);
    const result = replayFile(input, replayContext);
    expect(result.reproduction?.reproduced).toBe(false);
    expect(result.passed).toBe(false);
  });

  test('changed events are shown, both logs', () => {
    const content = stored();
    const edited = { ...content, events: [content.events[0] ?? [], []] };
    const input = parseInputFile(JSON.stringify(edited), 'cx.json', replayParse);
    const result = replayFile(input, replayContext);
    expect(result.events?.equal).toBe(false);
    expect(result.events?.firstDifference).toBe(1);
    expect(result.events?.stored[1]).toEqual([]);
    expect(result.events?.replayed[1]?.length).toBeGreaterThan(0);
  });

  test('scenario with wrong events fails', () => {
    const text = scenarioText((s) => (s.events = [[{ type: 'noop', reason: 'made up' }]]));
    const result = replayFile(parseInputFile(text, 'scenario.json', context), replayContext);
    expect(result.events?.equal).toBe(false);
    expect(result.passed).toBe(false);
  });

  test('event comparison ignores key order', () => {
    const events = [[{ type: 'result', errno: 0 } as const]];
    const reordered = JSON.parse('[[{"errno":0,"type":"result"}]]') as typeof events;
    expect(compareEvents(events, reordered).equal).toBe(true);
  });

  test('file written by the engine replays', async () => {
    const out = mkdtempSync(join(tmpdir(), 'klpcheck-replay-'));
    await runCheck(
      checkOptions({
        models: [current],
        properties: [property('callback-pairing')],
        patchSets: [catalogue('selftest-state')],
        generatedPatchSets: [],
        runs: 50,
        out,
      }),
    );
    const files = readdirSync(out);
    expect(files.length).toBeGreaterThan(0);
    for (const file of files) {
      const path = join(out, file);
      const result = replayFile(parseInputFile(readFileSync(path, 'utf8'), path, context), replayContext);
      expect(result.passed, path).toBe(true);
    }
    // A scenario made from a counterexample by dropping the verdict replays as well.
    const first = JSON.parse(readFileSync(join(out, files[0] ?? ''), 'utf8')) as Record<string, unknown>;
    for (const key of ['verdict', 'seed', 'fastCheckSeed', 'path', 'date']) delete first[key];
    first.format = 'klpcheck-scenario';
    writeFileSync(join(out, 'scenario.json'), JSON.stringify(first));
    const scenario = parseInputFile(readFileSync(join(out, 'scenario.json'), 'utf8'), 'scenario.json', context);
    expect(replayFile(scenario, replayContext).passed).toBe(true);
  });
});

// Patch-set sources per model

describe('per-model sources', () => {
  const structure = property('structure');
  const redesign = MODELS.redesign as Model;

  test('each model runs its own sets and runs', async () => {
    const result = await runCheck(
      checkOptions({
        models: [current, redesign],
        properties: [structure],
        patchSets: [catalogue('selftest-state')],
        generatedPatchSets: [],
        sourcesByModel: { redesign: { fixed: translatedSources([catalogue('selftest-state')]), generated: [], runs: 7 } },
        runs: 11,
        out: null,
      }),
    );
    const explored = (model: string) => {
      const verdict = result.pairs.find((p) => p.model === model)?.verdict;
      return verdict?.status === 'holds' || verdict?.status === 'violated' ? verdict.explored : null;
    };
    expect(explored('current')?.sequences).toBe(11);
    expect(explored('redesign')?.sequences).toBe(7);
    expect(explored('redesign')?.catalogueSets).toBe(1);
    expect(result.sources).toEqual([
      { model: 'current', runs: 11, fixed: ['selftest-state'], generated: [] },
      { model: 'redesign', runs: 7, fixed: ['translated:selftest-state'], generated: [] },
    ]);
  });

  test('default sources of both models', () => {
    const sources = defaultSources(100);
    expect(sources.current.fixed.map((f) => f.source.name)).toEqual(CATALOGUE.map((set) => set.name));
    expect(sources.current.generated.map((g) => g.name)).toEqual(['generated', 'generated-best-practice']);
    expect(sources.redesign.fixed.map((f) => f.source.name)).toEqual([
      ...REDESIGN_CATALOGUE.map((set) => set.name),
      ...CATALOGUE.map((set) => `translated:${set.name}`),
    ]);
    expect(sources.redesign.generated.map((g) => g.name)).toEqual([
      'translated:generated',
      'translated:generated-best-practice',
      'redesign-generated',
      'redesign-generated-best-practice',
    ]);
    expect(sources.current.runs).toBe(100);
    expect(sources.redesign.runs).toBe(redesignRuns(100));
    expect(redesignRuns(1)).toBeGreaterThanOrEqual(1);
  });

  test('translated best-practice modules are tagged', () => {
    for (const set of CATALOGUE) {
      const translated = translatedForRedesign(set);
      set.modules.forEach((def, index) => {
        const now = translated.modules[index];
        if (def.kind !== 'livepatch' || now?.kind !== 'livepatch') return;
        expect(now.practice, def.name).toBe(def.practice === 'best-practice' ? 'translated' : def.practice);
      });
    }
  });

  test('a translated best-practice violation is an author error', () => {
    const set = translatedForRedesign(catalogue('selftest-state'));
    expect(classifyViolation(set, [{ type: 'insmod', module: 'test_klp_state2' }])).toBe('author-error');
  });
});

describe('verdict changes between designs', () => {
  const violatedOn = (model: 'current' | 'redesign'): Property<null> => ({
    ...noPatchingCompletes,
    name: `violated-on-${model}`,
    check: (state, step, context) =>
      context.model === model ? { state, violation: { explanation: 'any step', steps: [step.index] } } : { state },
  });

  test('removed and introduced violations are computed', async () => {
    const result = await runCheck(
      checkOptions({
        models: [current, MODELS.redesign as Model],
        properties: [violatedOn('current'), violatedOn('redesign'), notForCurrent],
        patchSets: [catalogue('selftest-state')],
        generatedPatchSets: [],
        runs: 5,
        out: null,
      }),
    );
    const changes = verdictChanges(result);
    expect(changes.removed.map((c) => c.property.name)).toEqual(['violated-on-current']);
    expect(changes.introduced.map((c) => c.property.name)).toEqual(['violated-on-redesign']);
    expect(changes.flawsRemoved).toEqual([]);
    expect(changes.flawsIntroduced).toEqual([]);
  });

  test('one model gives no changes', async () => {
    const result = await runCheck(
      checkOptions({ models: [current], properties: [noPatchingCompletes], patchSets: [catalogue('selftest-state')], generatedPatchSets: [], runs: 5 }),
    );
    expect(verdictChanges(result)).toEqual({ removed: [], introduced: [], flawsRemoved: [], flawsIntroduced: [] });
  });
});

// Generated redesign patch sets

function livepatches(set: PatchSet): PatchModuleDef[] {
  return set.modules.filter((m): m is PatchModuleDef => m.kind === 'livepatch');
}

function functionShadowIds(def: PatchModuleDef): Set<number> {
  const ids = new Set<number>();
  for (const object of def.objects) for (const func of object.funcs) for (const id of shadowIdsUsed(func.body)) ids.add(id);
  return ids;
}

/** A state entry without the pre_patch_ret test hook, which may differ between patches. */
function comparableState(state: StateDef): unknown {
  const { pre_patch: _hook, ...callbacks } = state.callbacks ?? {};
  return { ...state, callbacks };
}

describe('generated redesign patch sets', () => {
  const samples = fc.sample(arbitraryRedesignPatchSet(), { seed: 11, numRuns: 300 });

  test('every practice occurs', () => {
    const practices = new Set(samples.flatMap((set) => livepatches(set).map((def) => def.practice)));
    expect([...practices].sort()).toEqual([...REDESIGN_AUTHOR_PRACTICES].sort());
  });

  test('both replace and non-replace patches occur', () => {
    const kinds = new Set(samples.flatMap((set) => livepatches(set).map((def) => (typeof def.replace === 'object' ? 'param' : String(def.replace)))));
    expect([...kinds].sort()).toEqual(['false', 'param', 'true']);
  });

  test('states carry is_shadow and block_disable', () => {
    const states = samples.flatMap((set) => livepatches(set).flatMap((def) => def.states ?? []));
    expect(states.some((s) => s.isShadow === true)).toBe(true);
    expect(states.some((s) => s.blockDisable === true)).toBe(true);
    expect(states.some((s) => s.shadowDtor !== undefined)).toBe(true);
  });

  test('patches share state ids', () => {
    const shared = samples.some((set) => {
      const ids = livepatches(set).flatMap((def) => [...new Set((def.states ?? []).map((s) => s.id))]);
      return new Set(ids).size < ids.length;
    });
    expect(shared).toBe(true);
  });

  test('best-practice authors declare every shadow id', () => {
    for (const set of samples) {
      for (const def of livepatches(set).filter((d) => d.practice === 'best-practice')) {
        const shadowStates = new Set((def.states ?? []).filter((s) => s.isShadow).map((s) => s.id));
        for (const id of functionShadowIds(def)) expect(shadowStates.has(id), `${def.name} id ${id}`).toBe(true);
        const ids = (def.states ?? []).map((s) => s.id);
        expect(new Set(ids).size, def.name).toBe(ids.length);
      }
    }
  });

  test('best-practice authors agree on shared ids', () => {
    for (const set of samples) {
      const entries = new Map<number, unknown>();
      for (const def of livepatches(set).filter((d) => d.practice === 'best-practice')) {
        for (const state of def.states ?? []) {
          const entry = canonicalJson(comparableState(state));
          if (!entries.has(state.id)) entries.set(state.id, entry);
          expect(entry, `${def.name} state ${state.id}`).toBe(entries.get(state.id));
        }
      }
    }
  });

  test('each deviation is really made', () => {
    for (const set of samples) {
      const patches = livepatches(set);
      for (const def of patches) {
        const ids = (def.states ?? []).map((s) => s.id);
        if (def.practice === 'duplicate-state-id') expect(new Set(ids).size, def.name).toBeLessThan(ids.length);
        if (def.practice === 'undeclared-shadow-id') {
          expect([...functionShadowIds(def)].some((id) => !ids.includes(id)), def.name).toBe(true);
        }
        if (def.practice === 'inconsistent-shared-state') {
          const differs = (def.states ?? []).some((state) =>
            patches.some((other) =>
              other !== def &&
              (other.states ?? []).some((s) => s.id === state.id && canonicalJson(comparableState(s)) !== canonicalJson(comparableState(state))),
            ),
          );
          expect(differs, def.name).toBe(true);
        }
      }
    }
  });

  test('best-practice option draws no deviation', () => {
    const only = fc.sample(arbitraryRedesignPatchSet({ practices: ['best-practice'] }), { seed: 3, numRuns: 100 });
    expect(only.every((set) => livepatches(set).every((def) => def.practice === 'best-practice'))).toBe(true);
  });

  test('invalid options are rejected', () => {
    expect(() => arbitraryRedesignPatchSet({ maxPatches: 0 })).toThrow('maxPatches must be an integer from 1 to 4, got 0');
    expect(() => arbitraryRedesignPatchSet({ practices: [] })).toThrow('practices must name at least one');
    expect(() => arbitraryRedesignPatchSet({ practices: ['no-state' as never] })).toThrow('unknown redesign author practice "no-state"');
  });

  test('sets run under the redesign model', () => {
    const redesign = MODELS.redesign as Model;
    fc.assert(
      fc.property(arbitraryRedesignPatchSet(), arbitraryChoices(25), (set, choices) => {
        const { trace } = operationsFromChoices(redesign, set, choices);
        expect(trace.steps.length).toBe(choices.length);
      }),
      { seed: 4, numRuns: 200 },
    );
  });

  test('same seed gives the same sets', () => {
    const again = fc.sample(arbitraryRedesignPatchSet(), { seed: 11, numRuns: 300 });
    expect(canonicalJson(again)).toBe(canonicalJson(samples));
  });
});
