/** The closing hint of `klpcheck check`: what it counts where no violation was found. */
import { describe, expect, test } from 'vitest';
import type { CheckResult, PairResult } from '../engine/check.ts';
import type { ModelName } from '../model/trace.ts';
import { hintLine } from '../render/terminal.ts';

/** Returns a pair with only the fields hintLine reads. */
function pair(model: ModelName, property: string, status: 'holds' | 'violated', sequences: number): PairResult {
  const verdict = { status, explored: { sequences, steps: sequences * 10 } };
  return { model, property: { name: property }, verdict, durationMs: 1 } as unknown as PairResult;
}

function result(pairs: PairResult[]): CheckResult {
  return { pairs, maxSteps: 30 } as unknown as CheckResult;
}

describe('hintLine', () => {
  test('both designs count pairs', () => {
    const pairs = [
      pair('current', 'structure', 'holds', 100),
      pair('current', 'shadow-leak', 'holds', 100),
      pair('current', 'callback-pairing', 'violated', 100),
      pair('redesign', 'structure', 'holds', 50),
    ];
    expect(hintLine(result(pairs))).toBe(
      'no violation in 3 property/design pairs (2 properties) in 250 sequences of up to 30 operations; ' +
        'raise --runs or --max-steps to search further',
    );
  });

  test('one design counts properties', () => {
    const pairs = [pair('current', 'structure', 'holds', 1000), pair('current', 'shadow-leak', 'holds', 500)];
    expect(hintLine(result(pairs))).toBe(
      'no violation of 2 properties on current in 1,500 sequences of up to 30 operations; raise --runs or --max-steps to search further',
    );
  });

  test('holding only on one of two designs', () => {
    const pairs = [pair('current', 'structure', 'violated', 10), pair('redesign', 'structure', 'holds', 10)];
    expect(hintLine(result(pairs))).toMatch(/^no violation of 1 property on redesign in 10 sequences/);
  });

  test('nothing holds', () => {
    const pairs = [pair('current', 'structure', 'violated', 10)];
    expect(hintLine(result(pairs))).toBe('every checked property was violated or failed; see the report for details');
  });
});
