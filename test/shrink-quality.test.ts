/**
 * Shrinking quality: each counterexample of a real check run is compared with
 * the explorer's shortest one on the same patch set, and rows the explorer
 * cannot confirm are shown as such.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';

import { type CheckResult, checkOptions, runCheck } from '../engine/check.ts';
import { explore } from '../engine/explore/explore.ts';
import { shrinkViolation, violatingRun } from '../engine/shrink.ts';
import {
  DEFAULT_SHRINK_QUALITY_OPTIONS,
  measureShrinking,
  type ShrinkCase,
  shrinkCases,
  type ShrinkQualityResult,
  type ShrinkQualityRow,
} from '../engine/shrink-quality.ts';
import { ERRNO } from '../model/errno.ts';
import { moduleName } from '../model/ids.ts';
import { MODELS } from '../model/index.ts';
import type { Model } from '../model/trace.ts';
import type { Property } from '../properties/property.ts';
import { shrinkQualitySection } from '../render/shrink-quality.ts';
import { shrinkQualityLine } from '../render/terminal.ts';
import { catalogue, property } from './lookup.ts';

const ROOT = join(import.meta.dirname, '..');
const current = MODELS.current as Model;


/** Violated by a load of a module that the patch set does not have, an operation the explorer never tries. */
const noUnknownModuleLoad: Property<null> = {
  name: 'no-unknown-module-load',
  title: 'No load of an unknown module',
  rule: 'insmod never fails with ENOENT.',
  appliesTo: () => true,
  init: () => null,
  check: (state, step) => {
    const notFound = step.op.type === 'insmod' && step.events.some((e) => e.type === 'result' && e.errno === -ERRNO.ENOENT);
    return notFound ? { state, violation: { explanation: 'insmod failed with ENOENT', steps: [step.index] } } : { state };
  },
};

/** Replaces the durations in report text, which vary between runs. */
function withoutTimings(text: string): string {
  return text.replace(/\b\d+(\.\d+)? (ms|s)\b/g, '<duration>');
}

function rowsText(quality: ShrinkQualityResult): string[] {
  return shrinkQualitySection(quality).filter((line) => line.startsWith('| `'));
}

/** A one-operation counterexample whose operation the explorer never generates. */
const unreachable: ShrinkCase = {
  property: noUnknownModuleLoad,
  model: 'current',
  patchSet: 'selftest-state',
  classification: 'author-error',
  file: null,
  set: catalogue('selftest-state'),
  ops: [{ type: 'insmod', module: moduleName('no_such_module') }],
};

/** callback-pairing on selftest-state: violated within 200 sequences of this seed. */
async function knownViolation(): Promise<CheckResult> {
  return runCheck(
    checkOptions({
      models: [current],
      properties: [property('callback-pairing')],
      patchSets: [catalogue('selftest-state')],
      generatedPatchSets: [],
      runs: 200,
      maxSteps: 20,
      seed: 4,
    }),
  );
}

describe('shrinking quality of a check run', () => {
  let result: CheckResult;
  let cases: ShrinkCase[];
  let quality: ShrinkQualityResult;

  beforeAll(async () => {
    result = await knownViolation();
    cases = shrinkCases(result);
    quality = await measureShrinking(cases);
  });

  test('one case per counterexample', () => {
    const pair = result.pairs[0];
    if (pair?.verdict.status !== 'violated') throw new Error('callback-pairing must be violated on selftest-state');
    expect(cases.map((c) => c.ops)).toEqual(pair.verdict.counterexamples.map((c) => c.ops));
    expect(cases.every((c) => c.patchSet === 'selftest-state' && c.model === 'current')).toBe(true);
  });

  test('ratio is shrunk over explored shortest', async () => {
    expect(quality.rows.length).toBe(cases.length);
    for (const row of quality.rows) {
      const explored = await explore({ model: 'current', set: row.case.set, properties: [row.case.property], depth: row.shrunk });
      const shortest = explored.violations[0]?.ops.length;
      if (shortest === undefined) throw new Error(`the explorer finds no violation within ${row.shrunk} operations`);

      expect(row.shrunk).toBe(row.case.ops.length);
      expect(row.depth).toBe(row.shrunk);
      expect(row.states).toBe(explored.states);
      expect(row.outcome).toEqual({ kind: 'shortest', shortest, ratio: row.shrunk / shortest });
    }
  });

  test('ratio of a known violation is at least 1', () => {
    for (const row of quality.rows) {
      if (row.outcome.kind !== 'shortest') throw new Error(`outcome ${row.outcome.kind}, expected a shortest length`);
      expect(row.outcome.ratio).toBeGreaterThanOrEqual(1);
    }
  });

  test('depth cap below the shrunk length', async () => {
    const capped = await measureShrinking(cases, { ...DEFAULT_SHRINK_QUALITY_OPTIONS, depthCap: 2 });
    const [row] = capped.rows;
    expect(row?.shrunk).toBeGreaterThan(2);
    expect(row?.depth).toBe(2);
    expect(row?.outcome).toEqual({ kind: 'depth-cap' });
    expect(rowsText(capped)[0]).toContain('none up to 2 operations; cut short by the depth cap');
  });

  test('spent budgets are shown', async () => {
    const noRowBudget = await measureShrinking(cases, { ...DEFAULT_SHRINK_QUALITY_OPTIONS, rowBudgetMs: 0 });
    const noTotalBudget = await measureShrinking(cases, { ...DEFAULT_SHRINK_QUALITY_OPTIONS, totalBudgetMs: 0 });
    expect(noRowBudget.rows[0]?.outcome).toEqual({ kind: 'time-budget', completedDepth: 0 });
    expect(rowsText(noRowBudget)[0]).toContain('cut short by the time budget');
    expect(noTotalBudget.rows.every((row) => row.outcome.kind === 'not-run')).toBe(true);
    expect(rowsText(noTotalBudget)[0]).toContain('not run: the total time budget was spent');
  });
});

describe('forced discrepancy', () => {
  const { set, ops } = unreachable;

  test('operations really violate the property', () => {
    const run = violatingRun(current, noUnknownModuleLoad, set, ops);
    expect(run?.step).toBe(0);
    expect(shrinkViolation(current, noUnknownModuleLoad, set, ops, { dropUnusedModules: false })?.ops).toEqual(ops);
  });

  test('row says DISCREPANCY', async () => {
    const quality = await measureShrinking([unreachable]);
    const [row] = quality.rows;
    const section = shrinkQualitySection(quality).join('\n');
    expect(row?.outcome).toEqual({ kind: 'discrepancy' });
    expect(rowsText(quality)[0]).toContain('DISCREPANCY: none within 1 operation');
    expect(section).toContain('1 discrepancy');
    expect(section).toContain('**DISCREPANCY** means');
  });
});

describe('report text', () => {
  test('section snapshot', async () => {
    const cases = shrinkCases(await knownViolation());
    const measured = await measureShrinking(cases);
    const capped = await measureShrinking(cases, { ...DEFAULT_SHRINK_QUALITY_OPTIONS, depthCap: 2 });
    const unconfirmed = await measureShrinking([unreachable]);
    const quality: ShrinkQualityResult = { ...measured, rows: [...measured.rows, ...capped.rows, ...unconfirmed.rows] };
    expect(withoutTimings(shrinkQualitySection(quality).join('\n'))).toMatchSnapshot();
  });

  test('skipped step says so', () => {
    expect(shrinkQualitySection(null).join('\n')).toContain('Not measured in this run: `--no-shrink-quality` skipped it.');
  });
});

describe('check command', () => {
  function check(dir: string, ...flags: string[]): string {
    const report = join(dir, `${flags.length}.md`);
    const args = ['check', '--runs', '20', '--model', 'current', '--property', 'callback-pairing', '--out', join(dir, 'cx'), '--report', report];
    const run = spawnSync(process.execPath, ['bin/klpcheck.mjs', ...args, ...flags], { cwd: ROOT, encoding: 'utf8', timeout: 110_000 });
    expect(run.status, run.stderr).toBe(0);
    return readFileSync(report, 'utf8');
  }

  test('help lists --no-shrink-quality', () => {
    const run = spawnSync(process.execPath, ['bin/klpcheck.mjs', 'help', 'check'], { cwd: ROOT, encoding: 'utf8' });
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('--no-shrink-quality');
  });

  test('--no-shrink-quality skips the step', () => {
    const dir = mkdtempSync(join(tmpdir(), 'klpcheck-shrink-'));
    const measured = check(dir);
    const skipped = check(dir, '--no-shrink-quality');
    expect(measured).toContain('## Shrinking quality');
    expect(measured).not.toContain('Not measured in this run');
    expect(skipped).toContain('Not measured in this run: `--no-shrink-quality` skipped it.');
    expect(skipped).toContain('## Coverage of the random search');
  });
});

describe('terminal line of shrinking quality', () => {
  function row(outcome: ShrinkQualityRow['outcome']): ShrinkQualityRow {
    return { case: {} as ShrinkQualityRow['case'], shrunk: 4, depth: 4, states: 10, transitions: 20, outcome, durationMs: 1 };
  }

  test('counts each kind of row', () => {
    const line = shrinkQualityLine({
      options: DEFAULT_SHRINK_QUALITY_OPTIONS,
      durationMs: 5,
      rows: [
        row({ kind: 'shortest', shortest: 4, ratio: 1 }),
        row({ kind: 'shortest', shortest: 4, ratio: 1 }),
        row({ kind: 'shortest', shortest: 3, ratio: 4 / 3 }),
        row({ kind: 'discrepancy' }),
        row({ kind: 'time-budget', completedDepth: 2 }),
      ],
    });
    expect(line).toBe(
      "shrinking quality: 2 of 5 counterexamples as short as the explorer's shortest, 1 longer, 1 discrepancy, 1 cut short (see the report)",
    );
  });
});
