/**
 * Shrink quality for the benchmark: for each catalogue patch set and property
 * of the current model, the length of the random engine's shrunk
 * counterexample against the explorer's shortest one. The explorer searches
 * each set to the given depth, or to the longest shrunk counterexample of
 * the set when that is longer, so every row has an explorer length. Rows
 * include properties that the random engine found holding. A ratio of 1.00
 * means shrinking reached a shortest counterexample. `klpcheck check`
 * measures each of its own counterexamples with engine/shrink-quality.ts.
 */
import { checkOptions, runCheck } from '../engine/check.ts';
import { explore } from '../engine/explore/explore.ts';
import { shrinkRatio } from '../engine/shrink-quality.ts';
import { CATALOGUE } from '../model/catalogue/index.ts';
import { currentModel } from '../model/current/index.ts';
import { ALL_PROPERTIES } from '../properties/index.ts';

export interface ShrinkComparison {
  readonly set: string;
  readonly property: string;
  /** Length of the random engine's shortest stored counterexample, or null when it found none. */
  readonly random: number | null;
  /** Length of the explorer's shortest counterexample, or null when none exists up to the depth. */
  readonly shortest: number | null;
  /** Depth the explorer searched the set to. */
  readonly depth: number;
}

/** Runs both engines on every catalogue set and returns one row per (set, property) that either found violated. */
export async function compareShrinking(options: { readonly depth: number; readonly runs: number }): Promise<ShrinkComparison[]> {
  const properties = ALL_PROPERTIES.filter((p) => p.appliesTo('current') === true);
  const rows: ShrinkComparison[] = [];
  for (const set of CATALOGUE) {
    const checked = await runCheck(
      checkOptions({ models: [currentModel], properties, patchSets: [set], generatedPatchSets: [], runs: options.runs }),
    );
    const lengths = checked.pairs.map((pair) =>
      pair.verdict.status === 'violated' ? Math.min(...pair.verdict.counterexamples.map((c) => c.ops.length)) : null,
    );
    const depth = Math.max(options.depth, ...lengths.map((length) => length ?? 0));
    const explored = await explore({ model: 'current', set, properties, depth });
    checked.pairs.forEach((pair, i) => {
      const random = lengths[i] ?? null;
      const shortest = explored.violations.find((v) => v.property === pair.property)?.ops.length ?? null;
      if (random !== null || shortest !== null) rows.push({ set: set.name, property: pair.property.name, random, shortest, depth });
    });
  }
  return rows;
}

/** Formats the rows as lines: lengths and the ratio of random to shortest. */
export function shrinkLines(rows: readonly ShrinkComparison[]): string[] {
  return rows.map((row) => {
    const shortest = row.shortest === null ? `none up to ${row.depth}` : String(row.shortest);
    const random = row.random === null ? 'not found' : String(row.random);
    const ratio = row.random !== null && row.shortest !== null ? `, ratio ${shrinkRatio(row.random, row.shortest).toFixed(2)}` : '';
    return `  ${row.set} / ${row.property}: random engine ${random}, explorer ${shortest}${ratio}`;
  });
}
