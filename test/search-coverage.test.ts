/**
 * Coverage of the random search: the engine records every sequence it
 * generates, with the explorer's kinds and item names, and the report lists
 * the items no sequence exercised.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';

import { checkOptions, runCheck } from '../engine/check.ts';
import { type Coverage, coverageFromTraces, CoverageRecorder } from '../engine/explore/coverage.ts';
import { CHART_IMPLEMENTATIONS } from '../engine/explore/explore.ts';
import { arbitraryChoices, operationsFromChoices } from '../engine/generate-operations.ts';
import { JobCoverage, mergeSearchCoverage } from '../engine/search-coverage.ts';
import { CATALOGUE } from '../model/catalogue/index.ts';
import type { ChartImplementation } from '../model/chart/chart.ts';
import { interpretStep } from '../model/chart/interpreter.ts';
import type { PatchSet } from '../model/definition.ts';
import { MODELS } from '../model/index.ts';
import { REDESIGN_CATALOGUE } from '../model/redesign-catalogue/index.ts';
import type { Model, Trace } from '../model/trace.ts';
import { searchCoverageSection } from '../render/coverage.ts';
import { catalogue, property } from './lookup.ts';

const current = MODELS.current as Model;
const redesign = MODELS.redesign as Model;


function randomTraces(model: Model, sets: readonly PatchSet[], seed: number): Trace[] {
  const choices = fc.sample(arbitraryChoices(20), { seed, numRuns: 40 });
  return sets.flatMap((set) => choices.map((c) => operationsFromChoices(model, set, c).trace));
}

/**
 * Coverage recorded from the steps the interpreter runs again, with the
 * transitions it reports taking: the reference that locating transitions by
 * guards alone must match.
 */
function interpretedCoverage(impl: ChartImplementation, traces: readonly Trace[]): Coverage {
  const recorder = new CoverageRecorder(impl);
  for (const trace of traces) {
    recorder.recordStart(impl.controlState(trace.initial));
    for (const step of trace.steps) {
      const { taken } = interpretStep(impl, trace.set, step.before, step.op);
      recorder.record(impl.controlState(step.before), step.op, step.events, impl.controlState(step.after), taken);
    }
  }
  return recorder.coverage();
}

describe('JobCoverage', () => {
  test.each([
    ['current', current, CATALOGUE],
    ['redesign', redesign, REDESIGN_CATALOGUE],
  ])('matches the interpreted steps on the %s model', (_name, model, sets) => {
    const traces = randomTraces(model, sets, 5);
    const job = new JobCoverage(model.name);
    for (const trace of traces) job.record(trace);
    const [searched] = mergeSearchCoverage([model.name], [job]);

    expect(job.sequences).toBe(traces.length);
    expect(searched?.sequences).toBe(traces.length);
    expect(searched?.coverage).toEqual(interpretedCoverage(CHART_IMPLEMENTATIONS[model.name], traces));
    expect(searched?.coverage).toEqual(coverageFromTraces(CHART_IMPLEMENTATIONS[model.name], traces));
  });

  test('merging jobs adds their counts', () => {
    const traces = randomTraces(current, CATALOGUE, 6);
    const half = Math.floor(traces.length / 2);
    const first = new JobCoverage('current');
    const second = new JobCoverage('current');
    for (const trace of traces.slice(0, half)) first.record(trace);
    for (const trace of traces.slice(half)) second.record(trace);
    const [merged] = mergeSearchCoverage(['current'], [first, second]);

    expect(merged?.sequences).toBe(traces.length);
    expect(merged?.coverage).toEqual(coverageFromTraces(CHART_IMPLEMENTATIONS.current, traces));
  });
});

describe('search coverage in a check run', () => {
  const oneSet = (maxSteps: number) =>
    checkOptions({
      models: [current],
      properties: [property('shadow-leak')],
      patchSets: [catalogue('selftest-callbacks')],
      generatedPatchSets: [],
      runs: 30,
      seed: 4,
      maxSteps,
    });

  test('counts only the sequences of the search', async () => {
    const result = await runCheck({
      ...oneSet(20),
      properties: [property('callback-pairing')],
      patchSets: [catalogue('selftest-state')],
      runs: 200,
    });
    const [coverage] = result.coverage;
    const pair = result.pairs[0];
    if (pair?.verdict.status !== 'violated') throw new Error('callback-pairing must be violated on selftest-state');
    const steps = Object.values(coverage?.coverage.operations.exercised ?? {}).reduce((sum, n) => sum + n, 0);

    // Shrinking ran on the violation; had it been recorded, both counts would be larger.
    expect(coverage?.model).toBe('current');
    expect(coverage?.sequences).toBe(pair.verdict.explored.sequences);
    expect(steps).toBe(pair.verdict.explored.steps);
  });

  test('section lists an item the search cannot reach', async () => {
    // With one operation per sequence no module is ever loaded, so no rmmod is drawn.
    const short = await runCheck(oneSet(1));
    const longer = await runCheck(oneSet(10));
    expect(short.coverage[0]?.coverage.operations.never).toContain('rmmod');
    expect(longer.coverage[0]?.coverage.operations.never).not.toContain('rmmod');

    const section = searchCoverageSection(short.coverage).join('\n');
    const row = section.split('\n').find((line) => line.startsWith('| operation types |'));
    expect(section).toContain('## Coverage of the random search');
    expect(section).toContain('klpcheck explore');
    expect(row).toContain('`rmmod`');
    expect(row).toMatch(/\| \d of 8 \|/);
  });

  test('one table per model checked', async () => {
    const result = await runCheck({ ...oneSet(5), models: [current, redesign], patchSets: [catalogue('selftest-callbacks')] });
    const section = searchCoverageSection(result.coverage).join('\n');
    expect(result.coverage.map((c) => c.model)).toEqual(['current', 'redesign']);
    expect(section).toContain('### current API:');
    expect(section).toContain('### redesign:');
  });
});
