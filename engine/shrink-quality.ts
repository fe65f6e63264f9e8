/**
 * Shrinking quality: how far each counterexample of a check run is from a
 * shortest one. The explorer searches the counterexample's own patch set and
 * model, with only its property, breadth first up to the shrunk length. Its
 * first violation is a shortest sequence among the operations it generates,
 * so shrunk length / shortest length is 1 when shrinking reached a minimum.
 * Data in, data out: rendering is in render/shrink-quality.ts.
 */
import type { PatchSet } from '../model/definition.ts';
import type { Operation } from '../model/operations.ts';
import type { ModelName } from '../model/trace.ts';
import type { Property } from '../properties/property.ts';
import { type CheckResult, sourceLabel } from './check.ts';
import type { Classification } from './counterexample.ts';
import { explore } from './explore/explore.ts';

/** Maximum depth, in operations, that the explorer searches for one counterexample. */
export const DEFAULT_DEPTH_CAP = 8;
/** Wall time the explorer may spend on one counterexample. */
export const DEFAULT_ROW_BUDGET_MS = 5_000;
/** Wall time for all counterexamples of a run; later ones are not explored. */
export const DEFAULT_TOTAL_BUDGET_MS = 20_000;

export interface ShrinkQualityOptions {
  readonly depthCap: number;
  readonly rowBudgetMs: number;
  readonly totalBudgetMs: number;
}

export const DEFAULT_SHRINK_QUALITY_OPTIONS: ShrinkQualityOptions = {
  depthCap: DEFAULT_DEPTH_CAP,
  rowBudgetMs: DEFAULT_ROW_BUDGET_MS,
  totalBudgetMs: DEFAULT_TOTAL_BUDGET_MS,
};

/** One shrunk counterexample to measure. */
export interface ShrinkCase {
  readonly property: Property;
  readonly model: ModelName;
  /** Source name of the patch set: a catalogue set, a translated set or a generator. */
  readonly patchSet: string;
  readonly classification: Classification;
  /** Path of the counterexample file, or null when the run stored none. */
  readonly file: string | null;
  readonly set: PatchSet;
  readonly ops: readonly Operation[];
}

/** Outcome of the explorer's search within its depth. */
export type ShrinkQualityOutcome =
  /** A shortest violation; exact, because every shorter depth was searched completely. */
  | { readonly kind: 'shortest'; readonly shortest: number; readonly ratio: number }
  /**
   * No violation within the full shrunk length, although the shrunk sequence
   * has one. So the explorer does not generate some operation of it, or it
   * merged states that the property distinguishes.
   */
  | { readonly kind: 'discrepancy' }
  /** No violation up to the depth cap, which is below the shrunk length. */
  | { readonly kind: 'depth-cap' }
  /** The row's time budget ran out after `completedDepth` complete depths, with no violation found. */
  | { readonly kind: 'time-budget'; readonly completedDepth: number }
  /** The explorer stopped because its next depth would not fit in the heap. */
  | { readonly kind: 'heap-limit'; readonly completedDepth: number }
  /** The run's total budget was spent before this counterexample. */
  | { readonly kind: 'not-run' };

export interface ShrinkQualityRow {
  readonly case: ShrinkCase;
  /** Operations of the shrunk counterexample. */
  readonly shrunk: number;
  /** Depth the explorer was asked for: the shrunk length, at most the cap. */
  readonly depth: number;
  /** Distinct states the explorer reached, and its transitions; 0 when not run. */
  readonly states: number;
  readonly transitions: number;
  readonly outcome: ShrinkQualityOutcome;
  readonly durationMs: number;
}

export interface ShrinkQualityResult {
  readonly options: ShrinkQualityOptions;
  readonly rows: readonly ShrinkQualityRow[];
  readonly durationMs: number;
}

/** Lists every counterexample of a check result, in the order of its pairs: those the report shows. */
export function shrinkCases(result: CheckResult): ShrinkCase[] {
  return result.pairs.flatMap((pair) => {
    if (pair.verdict.status !== 'violated') return [];
    return pair.verdict.counterexamples.map((found) => ({
      property: pair.property,
      model: pair.model,
      patchSet: sourceLabel(found.source),
      classification: found.classification,
      file: found.file?.path ?? null,
      set: found.set,
      ops: found.ops,
    }));
  });
}

/** Returns shrunk length / shortest length. */
export function shrinkRatio(shrunk: number, shortest: number): number {
  return shrunk / shortest;
}

/** Explores one counterexample's patch set for its property, up to its shrunk length or the cap, within `budgetMs`. */
export async function measureShrinkCase(
  shrinkCase: ShrinkCase,
  options: Pick<ShrinkQualityOptions, 'depthCap'> & { readonly budgetMs: number },
): Promise<ShrinkQualityRow> {
  const shrunk = shrinkCase.ops.length;
  const depth = Math.min(shrunk, options.depthCap);
  const deadline = performance.now() + options.budgetMs;
  const explored = await explore({
    model: shrinkCase.model,
    set: shrinkCase.set,
    properties: [shrinkCase.property],
    depth,
    shouldStop: () => performance.now() >= deadline,
  });

  const found = explored.violations.find((v) => v.property === shrinkCase.property);
  let outcome: ShrinkQualityOutcome;
  if (found) outcome = { kind: 'shortest', shortest: found.ops.length, ratio: shrinkRatio(shrunk, found.ops.length) };
  else if (explored.memory) outcome = { kind: 'heap-limit', completedDepth: explored.completedDepth };
  else if (explored.stopped) outcome = { kind: 'time-budget', completedDepth: explored.completedDepth };
  else if (depth < shrunk) outcome = { kind: 'depth-cap' };
  else outcome = { kind: 'discrepancy' };

  return {
    case: shrinkCase,
    shrunk,
    depth,
    states: explored.states,
    transitions: explored.transitions,
    outcome,
    durationMs: explored.durationMs,
  };
}

function notRun(shrinkCase: ShrinkCase, depthCap: number): ShrinkQualityRow {
  const shrunk = shrinkCase.ops.length;
  return { case: shrinkCase, shrunk, depth: Math.min(shrunk, depthCap), states: 0, transitions: 0, outcome: { kind: 'not-run' }, durationMs: 0 };
}

/**
 * Measures every case in order. Each gets the row budget, or what is left of
 * the total budget when that is less. Once the total is spent, the remaining
 * cases are returned as not run.
 */
export async function measureShrinking(
  cases: readonly ShrinkCase[],
  options: ShrinkQualityOptions = DEFAULT_SHRINK_QUALITY_OPTIONS,
): Promise<ShrinkQualityResult> {
  const started = performance.now();
  const rows: ShrinkQualityRow[] = [];
  for (const shrinkCase of cases) {
    const left = options.totalBudgetMs - (performance.now() - started);
    if (left <= 0) {
      rows.push(notRun(shrinkCase, options.depthCap));
      continue;
    }
    const budgetMs = Math.min(options.rowBudgetMs, left);
    rows.push(await measureShrinkCase(shrinkCase, { depthCap: options.depthCap, budgetMs }));
  }
  return { options, rows, durationMs: performance.now() - started };
}
