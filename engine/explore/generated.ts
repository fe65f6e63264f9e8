/**
 * The explorer over generated patch sets. Draws distinct patch sets from the
 * model's own generator, deterministically for a seed and within a bound on
 * livepatch and target modules, and runs the breadth-first search of
 * `explore` (or `exploreParallel`) on each. Returns each set's result and
 * their aggregate: per property the sets that violate it and the shortest
 * counterexample over all of them, and the merged coverage.
 */
import fc from 'fast-check';
import type { PatchSet } from '../../model/definition.ts';
import { patchModules } from '../../model/definition.ts';
import type { ModelName } from '../../model/trace.ts';
import type { Property } from '../../properties/property.ts';
import { hashSeed } from '../check.ts';
import { canonicalJson } from '../counterexample.ts';
import { arbitraryPatchSet, MAX_PATCHES, TARGET_MODULE_NAMES } from '../generate-patch-set.ts';
import { arbitraryRedesignPatchSet, REDESIGN_GENERATED_SET_NAME } from '../generate-redesign-patch-set.ts';
import { type Coverage, COVERAGE_KINDS, type CoverageCounts, CoverageRecorder } from './coverage.ts';
import { CHART_IMPLEMENTATIONS, explore, type ExploreResult, patchSetSize, type ShortestViolation } from './explore.ts';
import { exploreParallel } from './parallel.ts';

/** Ranges of the options; the generators write 1 to 4 livepatch modules and 1 or 2 target modules. */
export const GENERATED_LIMITS = {
  count: { min: 1, max: 10_000 },
  maxPatches: { min: 1, max: MAX_PATCHES },
  maxTargets: { min: 1, max: TARGET_MODULE_NAMES.length },
} as const;

export const DEFAULT_MAX_PATCHES = 3;
export const DEFAULT_MAX_TARGETS = 2;
/**
 * Depth when none is given. Two generated sets of 3 livepatch modules and 2
 * target modules (seed 7) took 2 to 5 s each at depth 6 and about 30 s each
 * at depth 8. They were measured with tsx on the 2-core development machine
 * at a load average near 4.
 */
export const DEFAULT_GENERATED_DEPTH = 6;
/** Draws per requested set after which drawing ends, even with fewer distinct sets than requested. */
export const MAX_DRAWS_PER_SET = 20;

export interface GeneratorBounds {
  readonly model: ModelName;
  readonly maxPatches: number;
  readonly maxTargets: number;
}

/**
 * Returns the generator of the model's own patch sets within the bounds:
 * authors of every practice (engine/generate-patch-set.ts) for the current
 * API, sets written for the redesign (engine/generate-redesign-patch-set.ts)
 * for the redesign. Sets with too many target modules are filtered out,
 * because the generators have no bound on them.
 */
export function generatedPatchSets(bounds: GeneratorBounds): { name: string; arbitrary: fc.Arbitrary<PatchSet> } {
  const options = { maxPatches: bounds.maxPatches };
  const base =
    bounds.model === 'current'
      ? { name: 'generated', arbitrary: arbitraryPatchSet(options) }
      : { name: REDESIGN_GENERATED_SET_NAME, arbitrary: arbitraryRedesignPatchSet(options) };
  if (bounds.maxTargets >= GENERATED_LIMITS.maxTargets.max) return base;
  return { name: base.name, arbitrary: base.arbitrary.filter((set) => patchSetSize(set).targets <= bounds.maxTargets) };
}

/**
 * Returns the identity of a set for finding duplicates: its modules, vmlinux
 * functions and system variables as canonical JSON, without the set's name
 * and description.
 * NOTE: livepatch modules are compared without their names and in sorted
 * order, so two sets count as equal when one is the other with its livepatch
 * modules in another order, and so with the generated names klp_gen_a,
 * klp_gen_b, ... given to other modules. Target modules keep their names,
 * so sets that differ only by which target is klp_target_1 count as distinct.
 */
export function patchSetKey(set: PatchSet): string {
  const patches = patchModules(set)
    .map(({ name: _name, ...content }) => canonicalJson(content))
    .sort();
  const others = set.modules.filter((def) => def.kind !== 'livepatch');
  return canonicalJson({ patches, others, vmlinuxFunctions: set.vmlinuxFunctions, systemVariables: set.systemVariables });
}

export interface DrawnPatchSets {
  readonly sets: readonly PatchSet[];
  /** Sets drawn from the arbitrary, the duplicates included. */
  readonly draws: number;
  readonly duplicates: number;
}

/**
 * Draws sets until `count` distinct ones are found or `count *
 * MAX_DRAWS_PER_SET` were drawn. The draws are those of fast-check runs with
 * `seed`, so a longer draw starts with the sets of a shorter one.
 */
export function drawDistinctPatchSets(arbitrary: fc.Arbitrary<PatchSet>, count: number, seed: number): DrawnPatchSets {
  const maxDraws = count * MAX_DRAWS_PER_SET;
  let batch = count;
  for (;;) {
    const drawn = fc.sample(arbitrary, { seed, numRuns: batch });
    const seen = new Set<string>();
    const sets: PatchSet[] = [];
    let draws = 0;
    for (const set of drawn) {
      if (sets.length === count) break;
      draws++;
      const key = patchSetKey(set);
      if (seen.has(key)) continue;
      seen.add(key);
      sets.push(set);
    }
    if (sets.length === count || batch === maxDraws) return { sets, draws, duplicates: draws - sets.length };
    batch = Math.min(maxDraws, batch * 2);
  }
}

export interface GeneratedExploreOptions extends GeneratorBounds {
  /** Distinct patch sets to explore. */
  readonly count: number;
  readonly seed: number;
  readonly properties: readonly Property[];
  readonly depth: number;
  /** Worker threads per set; 1 runs each search on the main thread. */
  readonly workers: number;
  /** Polled between sets and inside each search; true ends the run, and the sets not started stay unexplored. */
  readonly shouldStop?: () => boolean;
  /** Called after each set's search. */
  readonly onSetExplored?: (outcome: GeneratedSetOutcome, total: number) => void;
}

/** How far a set was explored: to the depth, stopped before it, or not at all. */
export type GeneratedSetStatus = 'explored' | 'stopped' | 'not-explored';

export interface GeneratedSetOutcome {
  /** Position among the distinct sets, from 1. */
  readonly index: number;
  readonly set: PatchSet;
  /** null when the run stopped before this set. */
  readonly result: ExploreResult | null;
}

/** A property violated on at least one set, with the shortest counterexample over all sets. */
export interface GeneratedViolation {
  readonly property: Property;
  /** Sets on which the property is violated. */
  readonly sets: number;
  /** The set of the shortest counterexample; the first such set when several are equally short. */
  readonly outcome: GeneratedSetOutcome & { readonly result: ExploreResult };
  readonly found: ShortestViolation;
}

export interface GeneratedExploreResult extends GeneratorBounds {
  readonly count: number;
  readonly seed: number;
  readonly depth: number;
  readonly draws: number;
  readonly duplicates: number;
  /** Every distinct set drawn, in order, with its result. */
  readonly outcomes: readonly GeneratedSetOutcome[];
  /** True when a stop request ended the run before every set was explored to the depth. */
  readonly stopped: boolean;
  /** Distinct states and transitions summed over every set searched, the stopped ones included. */
  readonly states: number;
  readonly transitions: number;
  readonly properties: readonly Property[];
  readonly notApplicable: readonly { readonly property: Property; readonly reason: string }[];
  readonly violations: readonly GeneratedViolation[];
  readonly coverage: Coverage;
  readonly durationMs: number;
}

export function setStatus(outcome: GeneratedSetOutcome): GeneratedSetStatus {
  if (!outcome.result) return 'not-explored';
  return outcome.result.stopped ? 'stopped' : 'explored';
}

/** Sums the distinct states and transitions of the sets that were searched. */
export function totals(outcomes: readonly GeneratedSetOutcome[]): { states: number; transitions: number } {
  let states = 0;
  let transitions = 0;
  for (const { result } of outcomes) {
    states += result?.states ?? 0;
    transitions += result?.transitions ?? 0;
  }
  return { states, transitions };
}

/** Draws the distinct sets of the options, named `<generator>-<index>`, without searching them. */
export function drawGeneratedSets(options: GeneratorBounds & { readonly count: number; readonly seed: number }): DrawnPatchSets {
  const generator = generatedPatchSets(options);
  // The seed is hashed with a fixed label, so that it is a 32-bit fast-check seed for every --seed value.
  const drawn = drawDistinctPatchSets(generator.arbitrary, options.count, hashSeed(`${options.seed}/explore/generated`));
  return { ...drawn, sets: drawn.sets.map((set, i) => ({ ...set, name: `${generator.name}-${i + 1}` })) };
}

/** Draws the sets, runs the search on each in turn, and aggregates the results. */
export async function exploreGenerated(options: GeneratedExploreOptions): Promise<GeneratedExploreResult> {
  const started = performance.now();
  const drawn = drawGeneratedSets(options);
  const outcomes: GeneratedSetOutcome[] = [];
  let stopRequested = false;

  for (const [i, set] of drawn.sets.entries()) {
    stopRequested ||= options.shouldStop?.() === true;
    if (stopRequested) {
      outcomes.push({ index: i + 1, set, result: null });
      continue;
    }
    const result = await exploreOne(options, set);
    // A search that stopped for lack of heap was not asked to stop, so the next, possibly smaller, set still runs.
    stopRequested = result.stopped && result.memory === null;
    const outcome = { index: i + 1, set, result };
    outcomes.push(outcome);
    options.onSetExplored?.(outcome, drawn.sets.length);
  }

  const { checked, notApplicable } = applicableTo(options.model, options.properties);
  return {
    model: options.model,
    maxPatches: options.maxPatches,
    maxTargets: options.maxTargets,
    count: options.count,
    seed: options.seed,
    depth: options.depth,
    draws: drawn.draws,
    duplicates: drawn.duplicates,
    outcomes,
    stopped: stopRequested,
    ...totals(outcomes),
    properties: checked,
    notApplicable,
    violations: aggregateViolations(checked, outcomes),
    coverage: mergedCoverage(options.model, outcomes),
    durationMs: performance.now() - started,
  };
}

/** Splits the properties into those checked on the model and those that do not apply, with the reason; as `explore` does. */
function applicableTo(model: ModelName, properties: readonly Property[]) {
  const checked: Property[] = [];
  const notApplicable: { property: Property; reason: string }[] = [];
  for (const property of properties) {
    const applies = property.appliesTo(model);
    if (applies === true) checked.push(property);
    else notApplicable.push({ property, reason: applies });
  }
  return { checked, notApplicable };
}

function exploreOne(options: GeneratedExploreOptions, set: PatchSet): Promise<ExploreResult> {
  const search = { model: options.model, set, properties: options.properties, depth: options.depth, shouldStop: options.shouldStop };
  return options.workers > 1 ? exploreParallel({ ...search, workers: options.workers }) : explore(search);
}

/** Finds, per property, the sets that violate it and the shortest counterexample over all of them. */
export function aggregateViolations(properties: readonly Property[], outcomes: readonly GeneratedSetOutcome[]): GeneratedViolation[] {
  const violations: GeneratedViolation[] = [];
  for (const property of properties) {
    let sets = 0;
    let shortest: Omit<GeneratedViolation, 'property' | 'sets'> | null = null;
    for (const outcome of outcomes) {
      const found = outcome.result?.violations.find((v) => v.property === property);
      if (!found || !outcome.result) continue;
      sets++;
      if (!shortest || found.ops.length < shortest.found.ops.length) shortest = { outcome: { ...outcome, result: outcome.result }, found };
    }
    if (shortest) violations.push({ property, sets, ...shortest });
  }
  return violations;
}

/** Adds the coverage of every searched set; an item is never exercised only when no set exercised it. */
export function mergedCoverage(model: ModelName, outcomes: readonly GeneratedSetOutcome[]): Coverage {
  const recorder = new CoverageRecorder(CHART_IMPLEMENTATIONS[model]);
  for (const { result } of outcomes) if (result) recorder.merge(coverageCounts(result.coverage));
  return recorder.coverage();
}

function coverageCounts(coverage: Coverage): CoverageCounts {
  const counts = {} as Record<(typeof COVERAGE_KINDS)[number], [string, number][]>;
  for (const kind of COVERAGE_KINDS) counts[kind] = Object.entries(coverage[kind].exercised);
  return counts;
}
