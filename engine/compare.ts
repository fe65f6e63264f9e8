/**
 * The comparison of the two designs. fast-check draws a current-API patch
 * set and a run of choices. The choices become operations against the world
 * of one design, the driver, which is drawn too, so that operations only one
 * design accepts come up from both sides. The operations then run on the set
 * under the current model and on its translation (model/translate.ts) under
 * the redesign, and every divergence is sorted into its class (divergence.ts).
 *
 * Of each class, the shortest sequence that shows it is shrunk the way
 * shrink.ts shrinks violations: operations are dropped, and modules that no
 * operation names, as long as a divergence of the same class remains. A
 * sequence whose divergence shows before any operation's result differs is
 * preferred, and shrinking keeps that property, so that the example is not
 * just a consequence of a load that one design refused. The engine returns
 * data only; render/compare.ts makes the text.
 */
import fc from 'fast-check';
import type { PatchSet } from '../model/definition.ts';
import type { Operation } from '../model/operations.ts';
import { type Model, type ModelName, runOperations } from '../model/trace.ts';
import { translatePatchSet } from '../model/translate.ts';
import type { Property } from '../properties/property.ts';
import { hashSeed } from './check.ts';
import { type ShrinkSearch, shrinkRun } from './shrink.ts';
import { type CompareFile, compareFileContent, writeCompareFile } from './compare-file.ts';
import type { WrittenFile } from './counterexample.ts';
import {
  type Design,
  DIVERGENCE_CLASSES,
  type DesignPair,
  type Divergence,
  type DivergenceClass,
  divergences,
  divergencesOfClass,
  independentDivergences,
  type PairedRun,
  resultDivergences,
  sharedProperties,
} from './divergence.ts';
import { arbitraryChoices, operationsFromChoices } from './generate-operations.ts';
import { arbitraryPatchSet, describePatchSet } from './generate-patch-set.ts';
import { compareEvents } from './replay.ts';

/**
 * Sequences of a `klpcheck compare` run. Each runs both models once, which is
 * cheaper than a check job's run per property, so the comparison can afford
 * more sequences than a single check job.
 */
export const DEFAULT_COMPARE_RUNS = 2000;
/** Sequences of the comparison that ends `klpcheck check`, per --runs of the check. */
export const COMPARE_RUNS_PER_CHECK_RUN = 4;

export interface CompareOptions {
  readonly models: DesignPair<Model>;
  /** Properties judged on both runs; those that apply to both designs give verdict divergences. */
  readonly properties: readonly Property[];
  /** Sequences to run, each with its own generated patch set. */
  readonly runs: number;
  readonly seed: number;
  readonly maxSteps: number;
  /** Current-API patch sets to draw from; the default is every author practice of generate-patch-set.ts. */
  readonly patchSets?: fc.Arbitrary<PatchSet>;
  /** Directory for compare files; null keeps the examples in memory only. */
  readonly out: string | null;
  readonly onProgress?: (event: CompareProgress) => void;
}

export type CompareProgress =
  | { readonly kind: 'start'; readonly runs: number }
  | { readonly kind: 'run'; readonly done: number; readonly runs: number }
  | { readonly kind: 'shrink'; readonly class: DivergenceClass; readonly index: number; readonly classes: number };

/** A minimised sequence that shows a divergence of one class. */
export interface CompareExample {
  readonly class: DivergenceClass;
  /** The design whose worlds the choices were turned into operations against. */
  readonly driver: Design;
  /** 0-based index of the sequence of the search that this example was shrunk from. */
  readonly run: number;
  readonly fastCheckSeed: number;
  /** Operations of that sequence before shrinking. */
  readonly foundLength: number;
  readonly paired: PairedRun;
  /**
   * The divergence shows before any operation's result differs between the
   * designs (for refusal and errno: it is the first such operation).
   */
  readonly independent: boolean;
  /** The divergences of this class in the minimised run; only the independent ones when `independent` is set. */
  readonly divergences: readonly Divergence[];
  readonly file: WrittenFile | null;
}

export interface ClassSummary {
  readonly class: DivergenceClass;
  /** Sequences of the search that showed a divergence of this class. */
  readonly sequences: number;
  /** Of those, the sequences that showed one before any operation's result differed. */
  readonly independentSequences: number;
  readonly example: CompareExample | null;
}

/** Sequences in which a property shared by both designs is violated on one design only. */
export interface VerdictSplit {
  readonly property: string;
  readonly violatedIn: ModelName;
  readonly sequences: number;
  /** Of those, the sequences where the verdicts split before any operation's result differed between the designs. */
  readonly independentSequences: number;
}

/** A model or property threw: a bug in klpcheck, not a finding. */
export interface CompareError {
  readonly run: number;
  readonly message: string;
  readonly stack: string | null;
}

export interface CompareResult {
  readonly seed: number;
  readonly fastCheckSeed: number;
  readonly runs: number;
  readonly maxSteps: number;
  /** Sequences run, and operations in them, counted once although each ran on both designs. */
  readonly sequences: number;
  readonly steps: number;
  /** Names of the properties judged for verdict divergences. */
  readonly properties: readonly string[];
  /** One per class, in DIVERGENCE_CLASSES order. */
  readonly classes: readonly ClassSummary[];
  /** For each property and design: the sequences whose operations violate it on that design only. */
  readonly verdictSplits: readonly VerdictSplit[];
  /** The first errors, at most MAX_ERRORS, and how many there were in all. */
  readonly errors: readonly CompareError[];
  readonly errorCount: number;
  readonly durationMs: number;
}

const MAX_ERRORS = 5;

// Running one sequence on both designs

/** Runs operations on a current-API set under the current model, and on its translation under the redesign. */
export function pairedRun(models: DesignPair<Model>, set: PatchSet, ops: readonly Operation[]): PairedRun {
  const translation = translatePatchSet(set);
  return {
    set,
    translation,
    ops,
    traces: { current: runOperations(models.current, set, ops), redesign: runOperations(models.redesign, translation.set, ops) },
  };
}

interface Input {
  readonly set: PatchSet;
  readonly choices: readonly number[];
  readonly driver: Design;
}

function inputArbitrary(options: CompareOptions): fc.Arbitrary<Input> {
  return fc.record({
    set: options.patchSets ?? arbitraryPatchSet(),
    choices: arbitraryChoices(options.maxSteps),
    driver: fc.constantFrom<Design>('current', 'redesign'),
  });
}

function operationsOf(models: DesignPair<Model>, input: Input): Operation[] {
  const set = input.driver === 'current' ? input.set : translatePatchSet(input.set).set;
  return operationsFromChoices(models[input.driver], set, input.choices).ops;
}

// Shrinking

/** The divergence a candidate of the shrinker must show: one of the class, independent of refusals when requested. */
export interface DivergenceTarget {
  readonly class: DivergenceClass;
  readonly independent: boolean;
}

/** Returns the divergences of the target's class in a run, only the independent ones when the target requests them. */
export function targetDivergences(run: PairedRun, properties: readonly Property[], target: DivergenceTarget): Divergence[] {
  const found = divergencesOfClass(run, properties, target.class);
  return target.independent ? independentDivergences(found, resultDivergences(run)) : found;
}

/** Runs both designs and returns the divergences of the target, or null when there are none or a model throws. */
function classDivergences(
  options: Pick<CompareOptions, 'models' | 'properties'>,
  set: PatchSet,
  ops: readonly Operation[],
  target: DivergenceTarget,
): { paired: PairedRun; found: Divergence[] } | null {
  try {
    const paired = pairedRun(options.models, set, ops);
    const found = targetDivergences(paired, options.properties, target);
    return found.length > 0 ? { paired, found } : null;
  } catch {
    return null;
  }
}

interface Candidate {
  readonly set: PatchSet;
  readonly ops: readonly Operation[];
  readonly paired: PairedRun;
  readonly found: Divergence[];
}

/**
 * Minimises a sequence while a divergence of the target remains, until no
 * single operation or unused module can be removed. Returns null when the
 * sequence shows no such divergence.
 */
export function shrinkDivergence(
  options: Pick<CompareOptions, 'models' | 'properties'>,
  set: PatchSet,
  ops: readonly Operation[],
  target: DivergenceTarget,
): Candidate | null {
  const search: ShrinkSearch<Candidate> = {
    attempt: (candidateSet, candidateOps) => {
      const shown = classDivergences(options, candidateSet, candidateOps, target);
      return shown ? { set: candidateSet, ops: candidateOps, ...shown } : null;
    },
    failingStep: (candidate) => Math.min(...candidate.found.map((d) => d.step)),
  };
  const start = search.attempt(set, ops);
  if (!start) return null;

  // Compared patch sets are always generated, so unused modules may go.
  const current = shrinkRun(search, start, { dropUnusedModules: true });
  // Dropped modules would leave the generator's description wrong.
  if (current.set === set) return current;
  const described: PatchSet = { ...current.set, description: describePatchSet(current.set) };
  return search.attempt(described, current.ops) ?? current;
}

// The search

interface Found {
  readonly run: number;
  readonly input: Input;
  readonly ops: readonly Operation[];
}

/** Fewer operations, then fewer modules; on a tie the earlier sequence stays. */
function smaller(a: Found, b: Found): boolean {
  if (a.ops.length !== b.ops.length) return a.ops.length < b.ops.length;
  return a.input.set.modules.length < b.input.set.modules.length;
}

function errorOf(run: number, error: unknown): CompareError {
  if (error instanceof Error) return { run, message: error.message, stack: error.stack ?? null };
  return { run, message: String(error), stack: null };
}

/** Lets timers (a progress bar's redraw) run between stages. */
function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Derives the fast-check seed of a comparison from the run seed, so the same seed gives the same sequences. */
export function compareSeed(seed: number): number {
  return hashSeed(`${seed}/compare`);
}

/**
 * Runs `runs` sequences on both designs, counts the sequences that show each
 * class of divergence, and shrinks the shortest of each class.
 */
export async function runCompare(options: CompareOptions): Promise<CompareResult> {
  const started = performance.now();
  const fastCheckSeed = compareSeed(options.seed);
  const inputs = fc.sample(inputArbitrary(options), { seed: fastCheckSeed, numRuns: options.runs });
  const counts = new Map<DivergenceClass, number>(DIVERGENCE_CLASSES.map((cls) => [cls, 0]));
  const independentCounts = new Map<DivergenceClass, number>(DIVERGENCE_CLASSES.map((cls) => [cls, 0]));
  const best = new Map<DivergenceClass, Found>();
  const bestIndependent = new Map<DivergenceClass, Found>();
  const keep = (map: Map<DivergenceClass, Found>, cls: DivergenceClass, candidate: Found): void => {
    const previous = map.get(cls);
    if (!previous || smaller(candidate, previous)) map.set(cls, candidate);
  };
  const splits = new Map<string, VerdictSplit>();
  const errors: CompareError[] = [];
  let errorCount = 0;
  let steps = 0;
  const reportEvery = Math.max(1, Math.floor(options.runs / 20));
  options.onProgress?.({ kind: 'start', runs: options.runs });

  for (const [run, input] of inputs.entries()) {
    try {
      const ops = operationsOf(options.models, input);
      steps += ops.length;
      const found = divergences(pairedRun(options.models, input.set, ops), options.properties);
      const independent = independentDivergences(found, found.filter((d) => d.class === 'refusal' || d.class === 'errno'));
      const candidate = { run, input, ops };
      for (const cls of new Set(found.map((d) => d.class))) {
        counts.set(cls, (counts.get(cls) ?? 0) + 1);
        keep(best, cls, candidate);
      }
      for (const divergence of found) {
        if (divergence.class !== 'verdict') continue;
        const key = `${divergence.property}/${divergence.violatedIn}`;
        const previous = splits.get(key);
        splits.set(key, {
          property: divergence.property,
          violatedIn: divergence.violatedIn,
          sequences: (previous?.sequences ?? 0) + 1,
          independentSequences: (previous?.independentSequences ?? 0) + (independent.includes(divergence) ? 1 : 0),
        });
      }
      for (const cls of new Set(independent.map((d) => d.class))) {
        independentCounts.set(cls, (independentCounts.get(cls) ?? 0) + 1);
        keep(bestIndependent, cls, candidate);
      }
    } catch (error) {
      errorCount++;
      if (errors.length < MAX_ERRORS) errors.push(errorOf(run, error));
    }
    if ((run + 1) % reportEvery === 0) {
      options.onProgress?.({ kind: 'run', done: run + 1, runs: options.runs });
      await yieldToEventLoop();
    }
  }

  const classes: ClassSummary[] = [];
  for (const [index, cls] of DIVERGENCE_CLASSES.entries()) {
    options.onProgress?.({ kind: 'shrink', class: cls, index, classes: DIVERGENCE_CLASSES.length });
    const independent = bestIndependent.get(cls);
    const any = best.get(cls);
    let example: CompareExample | null = null;
    if (independent) example = minimise(options, { class: cls, independent: true }, independent, fastCheckSeed);
    else if (any) example = minimise(options, { class: cls, independent: false }, any, fastCheckSeed);
    classes.push({
      class: cls,
      sequences: counts.get(cls) ?? 0,
      independentSequences: independentCounts.get(cls) ?? 0,
      example,
    });
    await yieldToEventLoop();
  }

  return {
    seed: options.seed,
    fastCheckSeed,
    runs: options.runs,
    maxSteps: options.maxSteps,
    sequences: inputs.length,
    steps,
    properties: sharedProperties(options.properties).map((p) => p.name),
    classes,
    verdictSplits: [...splits.values()].sort(
      (a, b) => a.property.localeCompare(b.property) || a.violatedIn.localeCompare(b.violatedIn),
    ),
    errors,
    errorCount,
    durationMs: performance.now() - started,
  };
}

function minimise(options: CompareOptions, target: DivergenceTarget, found: Found, fastCheckSeed: number): CompareExample {
  const shrunk = shrinkDivergence(options, found.input.set, found.ops, target);
  if (!shrunk) {
    throw new Error(
      `replaying sequence ${found.run} of the comparison (${found.ops.length} operations) showed no ${target.class} ` +
        'divergence: the search and the shrinker disagree',
    );
  }
  const example: CompareExample = {
    class: target.class,
    independent: target.independent,
    driver: found.input.driver,
    run: found.run,
    fastCheckSeed,
    foundLength: found.ops.length,
    paired: shrunk.paired,
    divergences: shrunk.found,
    file: null,
  };
  if (options.out === null) return example;
  return { ...example, file: writeCompareFile(options.out, compareFileContent(example, options.seed)) };
}

// Replay of compare files

export interface CompareReplay {
  readonly file: CompareFile;
  readonly paired: PairedRun;
  /** Divergences of the stored class now; only the independent ones when the file's example is independent. */
  readonly divergences: readonly Divergence[];
  /** A divergence of the stored class still shows. */
  readonly reproduced: boolean;
  /** Index of the first operation whose events differ from the stored ones, per design; null when equal. */
  readonly firstEventDifference: DesignPair<number | null>;
}

/** Runs a compare file's operations on both designs again and checks that its class of divergence still shows. */
export function replayCompareFile(file: CompareFile, options: Pick<CompareOptions, 'models' | 'properties'>): CompareReplay {
  const paired = pairedRun(options.models, file.patchSet, file.operations);
  const now = targetDivergences(paired, options.properties, { class: file.class, independent: file.independent });
  const difference = (design: Design) =>
    compareEvents(
      file.events[design],
      paired.traces[design].steps.map((step) => step.events),
    ).firstDifference;
  return {
    file,
    paired,
    divergences: now,
    reproduced: now.length > 0,
    firstEventDifference: { current: difference('current'), redesign: difference('redesign') },
  };
}
