/**
 * The random engine. For each model and property in scope, fast-check
 * generates operation sequences over the model's fixed patch sets and over
 * generated patch sets (sources.ts), and the engine judges the property on
 * each trace. The first violation of each job is shrunk and stored as a
 * counterexample file. The engine returns data only: progress goes to a
 * callback, and printing is left to the caller.
 */
import fc from 'fast-check';
import type { PatchSet } from '../model/definition.ts';
import type { Operation } from '../model/operations.ts';
import type { Model, ModelName, Trace } from '../model/trace.ts';
import { judge, type Property, type Violation } from '../properties/property.ts';
import { classifyViolation } from './classify.ts';
import {
  type Classification,
  COUNTEREXAMPLE_FORMAT,
  type CounterexampleFile,
  FORMAT_VERSION,
  writeCounterexample,
  type WrittenFile,
} from './counterexample.ts';
import { arbitraryChoices, operationsFromChoices } from './generate-operations.ts';
import { describePatchSet } from './generate-patch-set.ts';
import { describeRedesignPatchSet } from './generate-redesign-patch-set.ts';
import { JobCoverage, mergeSearchCoverage, type SearchCoverage } from './search-coverage.ts';
import { shrinkViolation } from './shrink.ts';
import {
  DEFAULT_GENERATED,
  type FixedPatchSet,
  type GeneratedPatchSets,
  type ModelSources,
  type PatchSetSource,
} from './sources.ts';

export { DEFAULT_GENERATED, type GeneratedPatchSets, type ModelSources, type PatchSetSource, type SearchCoverage };

/** Generator of operation sequences: random choices, turned into operations against a model's world. */
export interface SequenceGenerator<C> {
  arbitraryChoices(maxSteps: number): fc.Arbitrary<C>;
  operationsFromChoices(model: Model, set: PatchSet, choices: C): { ops: Operation[]; trace: Trace };
}

export const DEFAULT_SEQUENCES: SequenceGenerator<unknown> = {
  arbitraryChoices: arbitraryChoices as (maxSteps: number) => fc.Arbitrary<unknown>,
  operationsFromChoices: operationsFromChoices as SequenceGenerator<unknown>['operationsFromChoices'],
};

export const DEFAULT_SEED = 42;
/**
 * Runs per patch-set job of the current model. The redesign's jobs get
 * REDESIGN_RUNS_SHARE of it (sources.ts). The README gives the measured time
 * of `npm start` at this default.
 */
export const DEFAULT_RUNS = 500;
export const DEFAULT_MAX_STEPS = 30;
/**
 * Predicate calls fast-check may spend on shrinking one failure. Later
 * candidates pass without running, which ends fast-check's shrinking; the
 * engine's own shrinker (shrink.ts) then minimises the operations further.
 */
const MAX_FAST_CHECK_SHRINK_CALLS = 1000;

export interface CheckOptions {
  readonly models: readonly Model[];
  readonly properties: readonly Property[];
  /** Sequences per catalogue patch set, and generated patch sets per property and model. */
  readonly runs: number;
  readonly seed: number;
  readonly maxSteps: number;
  /** Fixed patch sets to check, usually the whole catalogue. */
  readonly patchSets: readonly PatchSet[];
  /** Named generators of further patch sets; empty checks the fixed ones only. */
  readonly generatedPatchSets: readonly GeneratedPatchSets[];
  /**
   * Patch sets and runs per model. A model without an entry is checked on
   * `patchSets` and `generatedPatchSets` with `runs` sequences per job.
   */
  readonly sourcesByModel?: Partial<Record<ModelName, ModelSources>>;
  /** Directory for counterexample files; null keeps them in memory only. */
  readonly out: string | null;
  readonly sequences?: SequenceGenerator<unknown>;
  readonly onProgress?: (event: CheckProgress) => void;
}

/** Fills in the default runs, seed, maximum steps and generated patch sets; counterexample files stay in memory unless `out` is set. */
export function checkOptions(
  scope: Pick<CheckOptions, 'models' | 'properties' | 'patchSets'> & Partial<CheckOptions>,
): CheckOptions {
  return {
    runs: DEFAULT_RUNS,
    seed: DEFAULT_SEED,
    maxSteps: DEFAULT_MAX_STEPS,
    generatedPatchSets: DEFAULT_GENERATED,
    out: null,
    ...scope,
  };
}

export interface Exploration {
  /** Operation sequences run before a violation stopped the search (or all of them). */
  readonly sequences: number;
  /** Operations run in those sequences. */
  readonly steps: number;
  /** Fixed patch sets checked: catalogue sets and translated catalogue sets. */
  readonly catalogueSets: number;
  /** Generated patch sets tried; each generated sequence comes with its own set. */
  readonly generatedSets: number;
  readonly maxSteps: number;
}

/** A minimised violation, stored in a counterexample file. */
export interface Counterexample {
  readonly classification: Classification;
  readonly source: PatchSetSource;
  readonly fastCheckSeed: number;
  readonly fastCheckPath: string | null;
  /** Operations of fast-check's shrunk counterexample, before the engine's own shrinking. */
  readonly fastCheckLength: number;
  readonly set: PatchSet;
  readonly ops: readonly Operation[];
  readonly trace: Trace;
  readonly violation: Violation;
  readonly step: number;
  /** The stored file; null when the run writes no files. */
  readonly file: WrittenFile | null;
  /**
   * Set when another property's counterexample of the same model, shrunk again
   * for this property, revealed the violation (see crossCheck).
   */
  readonly revealedBy?: string;
}

/** The model or the property threw: a bug in klpcheck, not a finding. */
export interface EngineError {
  readonly source: PatchSetSource;
  readonly message: string;
  readonly stack: string | null;
  readonly fastCheckSeed: number;
  readonly fastCheckPath: string | null;
}

type NonEmpty<T> = readonly [T, ...T[]];

export type CheckVerdict =
  | { readonly status: 'holds'; readonly explored: Exploration }
  | {
      readonly status: 'violated';
      readonly explored: Exploration;
      /** At most one per classification, the API flaw first; each the shortest of its kind. */
      readonly counterexamples: NonEmpty<Counterexample>;
      /** Errors in other patch sets of the same check. */
      readonly errors: readonly EngineError[];
    }
  | { readonly status: 'error'; readonly explored: Exploration; readonly errors: NonEmpty<EngineError> }
  | { readonly status: 'not-applicable'; readonly reason: string };

export interface PairResult {
  readonly model: ModelName;
  readonly property: Property;
  readonly verdict: CheckVerdict;
  readonly durationMs: number;
}

/** The patch sets and runs one model was checked on. */
export interface SourceSummary {
  readonly model: ModelName;
  /** Sequences per job. */
  readonly runs: number;
  /** Source names of the fixed patch sets, and of the generators. */
  readonly fixed: readonly string[];
  readonly generated: readonly string[];
}

export interface CheckResult {
  readonly models: readonly ModelName[];
  readonly properties: readonly string[];
  readonly seed: number;
  readonly runs: number;
  readonly maxSteps: number;
  /** Names of the fixed patch sets of the options, which models without their own sources use. */
  readonly catalogue: readonly string[];
  readonly generated: boolean;
  /** One per model, in the order of the options' models. */
  readonly sources: readonly SourceSummary[];
  /** One per (model, property), in the order of the options' models and properties. */
  readonly pairs: readonly PairResult[];
  /** Coverage of the sequences the search generated, one per model in the order of the options' models. */
  readonly coverage: readonly SearchCoverage[];
  readonly durationMs: number;
}

export type CheckProgress =
  | { readonly kind: 'start'; readonly jobs: number; readonly pairs: number; readonly runs: number }
  | {
      readonly kind: 'job';
      readonly job: number;
      readonly jobs: number;
      readonly model: ModelName;
      readonly property: string;
      readonly source: PatchSetSource;
      /** Sequences run so far in this job, and the job's total. */
      readonly done: number;
      readonly runs: number;
    }
  | {
      readonly kind: 'pair';
      readonly pair: number;
      readonly pairs: number;
      /** Jobs finished so far, over all pairs. */
      readonly jobsDone: number;
      readonly result: PairResult;
    };

// Seeds

/** FNV-1a over a string, as a signed 32-bit fast-check seed. */
export function hashSeed(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash | 0;
}

export function sourceLabel(source: PatchSetSource): string {
  return source.name;
}

/** Returns the patch sets and runs of one model: its own entry of the options, or the options' shared ones. */
export function modelSources(options: CheckOptions, model: ModelName): Required<ModelSources> {
  const own = options.sourcesByModel?.[model];
  if (own) return { fixed: own.fixed, generated: own.generated, runs: own.runs ?? options.runs };
  const fixed: FixedPatchSet[] = options.patchSets.map((set) => ({ source: { kind: 'catalogue', name: set.name }, set }));
  return { fixed, generated: options.generatedPatchSets, runs: options.runs };
}

/** Derives the fast-check seed of one job, so every job gets its own sequences and the same run seed gives the same ones. */
export function jobSeed(seed: number, model: ModelName, property: string, source: PatchSetSource): number {
  return hashSeed(`${seed}/${model}/${property}/${sourceLabel(source)}`);
}

// One job: one property, one model, one source of patch sets

interface Input {
  readonly set: PatchSet;
  readonly choices: unknown;
}

type JobOutcome =
  | { readonly kind: 'holds'; readonly sequences: number; readonly steps: number }
  | { readonly kind: 'violated'; readonly sequences: number; readonly steps: number; readonly found: Counterexample }
  | { readonly kind: 'error'; readonly sequences: number; readonly steps: number; readonly error: EngineError };

interface Job {
  readonly index: number;
  readonly model: Model;
  readonly property: Property;
  readonly source: PatchSetSource;
  readonly arbitrary: fc.Arbitrary<Input>;
  readonly seed: number;
  /** Sequences to generate. */
  readonly runs: number;
  /** Records every sequence the search generates, not those of shrinking. */
  readonly coverage: JobCoverage;
}

function errorMessage(error: unknown): { message: string; stack: string | null } {
  if (error instanceof Error) return { message: error.message, stack: error.stack ?? null };
  return { message: String(error), stack: null };
}

/**
 * Runs fast-check on one job. The predicate remembers whether the first
 * failure was a violation or a thrown error, and treats failures of the other
 * kind as passes while shrinking, so fast-check cannot trade one for the other.
 */
function runJob(job: Job, options: CheckOptions, jobs: number): JobOutcome {
  const sequences = options.sequences ?? DEFAULT_SEQUENCES;
  let generated = 0;
  let steps = 0;
  let firstFailure: 'violated' | 'error' | null = null;
  let shrinkCalls = 0;
  const reportEvery = Math.max(1, Math.floor(job.runs / 20));

  const predicate = (input: Input): boolean => {
    if (firstFailure) {
      shrinkCalls++;
      if (shrinkCalls > MAX_FAST_CHECK_SHRINK_CALLS) return true;
    } else {
      generated++;
      if (generated % reportEvery === 0) {
        options.onProgress?.({
          kind: 'job',
          job: job.index,
          jobs,
          model: job.model.name,
          property: job.property.name,
          source: job.source,
          done: generated,
          runs: job.runs,
        });
      }
    }

    let failure: 'violated' | 'error' | null;
    let thrown: unknown;
    try {
      const { trace } = sequences.operationsFromChoices(job.model, input.set, input.choices);
      if (!firstFailure) {
        steps += trace.steps.length;
        job.coverage.record(trace);
      }
      failure = judge(job.property, trace).status === 'violated' ? 'violated' : null;
    } catch (error) {
      failure = 'error';
      thrown = error;
    }

    if (!failure) return true;
    if (firstFailure && failure !== firstFailure) return true;
    firstFailure = failure;
    if (failure === 'error') throw thrown;
    return false;
  };

  const details = fc.check(fc.property(job.arbitrary, predicate), { seed: job.seed, numRuns: job.runs });
  if (!details.failed || !details.counterexample) return { kind: 'holds', sequences: generated, steps };

  const [input] = details.counterexample;
  const path = details.counterexamplePath ?? null;
  if (firstFailure === 'error') {
    const { message, stack } = errorMessage(details.errorInstance);
    return {
      kind: 'error',
      sequences: generated,
      steps,
      error: { source: job.source, message, stack, fastCheckSeed: job.seed, fastCheckPath: path },
    };
  }
  try {
    return { kind: 'violated', sequences: generated, steps, found: minimise(job, input, path, options) };
  } catch (error) {
    const { message, stack } = errorMessage(error);
    return {
      kind: 'error',
      sequences: generated,
      steps,
      error: { source: job.source, message, stack, fastCheckSeed: job.seed, fastCheckPath: path },
    };
  }
}

/** Turns fast-check's counterexample into concrete operations, shrinks them further and writes the file. */
function minimise(job: Job, input: Input, path: string | null, options: CheckOptions): Counterexample {
  const sequences = options.sequences ?? DEFAULT_SEQUENCES;
  const { ops } = sequences.operationsFromChoices(job.model, input.set, input.choices);
  const run = shrinkViolation(job.model, job.property, input.set, ops, {
    dropUnusedModules: job.source.kind === 'generated',
  });
  if (!run) {
    throw new Error(
      `replaying the ${ops.length} operations that fast-check found for ${job.property.name} on ${job.model.name} ` +
        'gave no violation: operationsFromChoices and runOperations disagree',
    );
  }

  return {
    classification: classifyViolation(run.set, run.ops),
    source: job.source,
    fastCheckSeed: job.seed,
    fastCheckPath: path,
    fastCheckLength: ops.length,
    // Dropped modules would leave the generator's description wrong.
    set: run.set === input.set ? run.set : { ...run.set, description: describeSet(job.model.name, run.set) },
    ops: run.ops,
    trace: run.trace,
    violation: run.violation,
    step: run.step,
    file: null,
  };
}

/** Summarises a generated set: redesign sets show their states' flags, which the current API does not have. */
function describeSet(model: ModelName, set: PatchSet): string {
  return model === 'redesign' ? describeRedesignPatchSet(set) : describePatchSet(set);
}

export function counterexampleFile(
  found: Counterexample,
  job: { readonly model: Model; readonly property: Property },
  seed: number,
): CounterexampleFile {
  return {
    format: COUNTEREXAMPLE_FORMAT,
    version: FORMAT_VERSION,
    model: job.model.name,
    property: job.property.name,
    seed,
    fastCheckSeed: found.fastCheckSeed,
    path: found.fastCheckPath,
    date: new Date().toISOString(),
    patchSet: found.set,
    operations: found.ops,
    events: found.trace.steps.map((step) => step.events),
    verdict: {
      property: job.property.name,
      rule: job.property.rule,
      explanation: found.violation.explanation,
      steps: found.violation.steps,
      classification: found.classification,
    },
  };
}

// Combining the jobs of one (model, property)

function compareFound(a: Counterexample, b: Counterexample): number {
  return (
    a.ops.length - b.ops.length ||
    a.set.modules.length - b.set.modules.length ||
    sourceLabel(a.source).localeCompare(sourceLabel(b.source))
  );
}

/** Picks the shortest API flaw and the shortest author error, the API flaw first. */
function bestCounterexamples(found: readonly Counterexample[]): Counterexample[] {
  const best: Counterexample[] = [];
  for (const classification of ['api-flaw', 'author-error'] as const) {
    const [first] = found.filter((f) => f.classification === classification).sort(compareFound);
    if (first) best.push(first);
  }
  return best;
}

function verdictOf(outcomes: readonly JobOutcome[], explored: Exploration): CheckVerdict {
  const found = bestCounterexamples(outcomes.flatMap((o) => (o.kind === 'violated' ? [o.found] : [])));
  const errors = outcomes.flatMap((o) => (o.kind === 'error' ? [o.error] : []));
  const [firstFound, ...moreFound] = found;
  if (firstFound) return { status: 'violated', explored, counterexamples: [firstFound, ...moreFound], errors };
  const [firstError, ...moreErrors] = errors;
  if (firstError) return { status: 'error', explored, errors: [firstError, ...moreErrors] };
  return { status: 'holds', explored };
}

/** Stores the chosen counterexamples of a verdict, when the options name a directory. */
function withFiles(
  verdict: CheckVerdict,
  pair: { readonly model: Model; readonly property: Property },
  options: CheckOptions,
): CheckVerdict {
  const out = options.out;
  if (verdict.status !== 'violated' || out === null) return verdict;
  const [first, ...rest] = verdict.counterexamples.map((found) => ({
    ...found,
    file: writeCounterexample(out, counterexampleFile(found, pair, options.seed)),
  }));
  return { ...verdict, counterexamples: [first as Counterexample, ...rest] };
}

interface JobSource {
  readonly source: PatchSetSource;
  readonly arbitrary: fc.Arbitrary<Input>;
}

function sourcesOf(options: CheckOptions, model: ModelName): JobSource[] {
  const choices = (options.sequences ?? DEFAULT_SEQUENCES).arbitraryChoices(options.maxSteps);
  const { fixed, generated } = modelSources(options, model);
  const sources: JobSource[] = fixed.map(({ source, set }) => ({
    source,
    arbitrary: choices.map((c): Input => ({ set, choices: c })),
  }));
  for (const generator of generated) {
    sources.push({
      source: { kind: 'generated', name: generator.name },
      arbitrary: fc.tuple(generator.arbitrary, choices).map(([set, c]): Input => ({ set, choices: c })),
    });
  }
  return sources;
}

function explorationOf(outcomes: readonly JobOutcome[], sources: readonly JobSource[], maxSteps: number): Exploration {
  let generatedSets = 0;
  outcomes.forEach((outcome, index) => {
    if (sources[index]?.source.kind === 'generated') generatedSets += outcome.sequences;
  });
  return {
    sequences: outcomes.reduce((sum, o) => sum + o.sequences, 0),
    steps: outcomes.reduce((sum, o) => sum + o.steps, 0),
    catalogueSets: sources.filter((s) => s.source.kind !== 'generated').length,
    generatedSets,
    maxSteps,
  };
}

function sourceSummary(options: CheckOptions, model: ModelName): SourceSummary {
  const { fixed, generated, runs } = modelSources(options, model);
  return { model, runs, fixed: fixed.map((f) => sourceLabel(f.source)), generated: generated.map((g) => g.name) };
}

/** Lets timers (a progress bar's redraw) run between jobs. */
function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** The jobs of one applicable (model, property): one per patch-set source. */
interface PairJobs {
  readonly model: Model;
  readonly property: Property;
  readonly sources: readonly JobSource[];
  /** Index of the pair's first job in the whole run. */
  readonly firstJob: number;
  /** Jobs of the whole run, for progress events. */
  readonly jobs: number;
}

/** Runs the jobs of one pair and returns its verdict, with the coverage recorder of each job. */
async function runPairJobs(pair: PairJobs, options: CheckOptions): Promise<{ verdict: CheckVerdict; coverage: JobCoverage[] }> {
  const { model, property } = pair;
  const runs = modelSources(options, model.name).runs;
  const outcomes: JobOutcome[] = [];
  const coverage: JobCoverage[] = [];
  for (const [offset, { source, arbitrary }] of pair.sources.entries()) {
    const seed = jobSeed(options.seed, model.name, property.name, source);
    const job: Job = { index: pair.firstJob + offset, model, property, source, arbitrary, seed, runs, coverage: new JobCoverage(model.name) };
    outcomes.push(runJob(job, options, pair.jobs));
    coverage.push(job.coverage);
    await yieldToEventLoop();
  }
  const explored = explorationOf(outcomes, pair.sources, options.maxSteps);
  return { verdict: withFiles(verdictOf(outcomes, explored), { model, property }, options), coverage };
}

/** Checks every property of the options on every model, and returns one verdict per (model, property). */
export async function runCheck(options: CheckOptions): Promise<CheckResult> {
  const started = performance.now();
  const sourcesByModel = new Map(options.models.map((model) => [model.name, sourcesOf(options, model.name)]));
  const pairs = options.models.flatMap((model) => options.properties.map((property) => ({ model, property })));
  const applicable = pairs.filter(({ model, property }) => property.appliesTo(model.name) === true);
  const jobs = applicable.reduce((sum, { model }) => sum + (sourcesByModel.get(model.name)?.length ?? 0), 0);
  options.onProgress?.({ kind: 'start', jobs, pairs: pairs.length, runs: options.runs });

  const results: PairResult[] = [];
  const coverage: JobCoverage[] = [];
  let jobIndex = 0;
  for (const [pairIndex, { model, property }] of pairs.entries()) {
    const pairStarted = performance.now();
    const applies = property.appliesTo(model.name);
    let verdict: CheckVerdict;

    if (applies !== true) {
      verdict = { status: 'not-applicable', reason: applies };
    } else {
      const sources = sourcesByModel.get(model.name) ?? [];
      const ran = await runPairJobs({ model, property, sources, firstJob: jobIndex, jobs }, options);
      jobIndex += sources.length;
      coverage.push(...ran.coverage);
      verdict = ran.verdict;
    }

    const result: PairResult = { model: model.name, property, verdict, durationMs: performance.now() - pairStarted };
    results.push(result);
    options.onProgress?.({ kind: 'pair', pair: pairIndex + 1, pairs: pairs.length, jobsDone: jobIndex, result });
  }

  const checked = crossCheck(results, options);

  return {
    models: options.models.map((m) => m.name),
    properties: options.properties.map((p) => p.name),
    seed: options.seed,
    runs: options.runs,
    maxSteps: options.maxSteps,
    catalogue: options.patchSets.map((set) => set.name),
    generated: options.models.some((model) => modelSources(options, model.name).generated.length > 0),
    sources: options.models.map((model) => sourceSummary(options, model.name)),
    pairs: checked,
    coverage: mergeSearchCoverage(options.models.map((m) => m.name), coverage),
    durationMs: performance.now() - started,
  };
}

/**
 * Judges every property against the counterexamples that other properties of
 * the same model found, and shrinks each new violation for that property. A
 * sequence that breaks one rule often breaks another, which the property's own
 * random jobs may have missed. Without this step the report would show "holds"
 * for a property that a stored file violates.
 */
function crossCheck(results: readonly PairResult[], options: CheckOptions): PairResult[] {
  return results.map((pair) => {
    const model = options.models.find((m) => m.name === pair.model);
    const verdict = pair.verdict;
    if (!model || verdict.status === 'not-applicable' || verdict.status === 'error') return pair;
    const own = verdict.status === 'violated' ? verdict.counterexamples : [];
    const found: Counterexample[] = [...own];
    for (const other of results) {
      if (other.model !== pair.model || other === pair || other.verdict.status !== 'violated') continue;
      for (const candidate of other.verdict.counterexamples) {
        const run = shrinkViolation(model, pair.property, candidate.set, candidate.ops, {
          dropUnusedModules: candidate.source.kind === 'generated',
        });
        if (!run) continue;
        found.push({
          ...candidate,
          classification: classifyViolation(run.set, run.ops),
          set: run.set,
          ops: run.ops,
          trace: run.trace,
          violation: run.violation,
          step: run.step,
          file: null,
          // The path replays the other property's fast-check run, not a run of this property.
          fastCheckPath: null,
          revealedBy: other.property.name,
        });
      }
    }
    if (found.length === own.length) return pair;
    const [first, ...more] = bestCounterexamples(found);
    if (!first) return pair;
    const errors = verdict.status === 'violated' ? verdict.errors : [];
    const updated: CheckVerdict = { status: 'violated', explored: verdict.explored, counterexamples: [first, ...more], errors };
    return { ...pair, verdict: withFiles(updated, { model, property: pair.property }, options) };
  });
}

// Verdicts that differ between the designs

/** A property whose verdict on the current API differs from its verdict on the redesign in one run. */
export interface VerdictChange {
  readonly property: Property;
  readonly current: PairResult;
  readonly redesign: PairResult;
}

export interface VerdictChanges {
  /** Violated on the current API and holding on the redesign. */
  readonly removed: readonly VerdictChange[];
  /** Holding on the current API and violated on the redesign. */
  readonly introduced: readonly VerdictChange[];
  /** Violated in both, with an API flaw on the current API and only author errors on the redesign. */
  readonly flawsRemoved: readonly VerdictChange[];
  /** Violated in both, with an API flaw on the redesign and only author errors on the current API. */
  readonly flawsIntroduced: readonly VerdictChange[];
}

function hasApiFlaw(pair: PairResult): boolean {
  return pair.verdict.status === 'violated' && pair.verdict.counterexamples.some((c) => c.classification === 'api-flaw');
}

/** Compares each property's verdicts on the two designs; empty unless the run checked both. */
export function verdictChanges(result: CheckResult): VerdictChanges {
  const removed: VerdictChange[] = [];
  const introduced: VerdictChange[] = [];
  const flawsRemoved: VerdictChange[] = [];
  const flawsIntroduced: VerdictChange[] = [];
  for (const name of result.properties) {
    const current = result.pairs.find((p) => p.model === 'current' && p.property.name === name);
    const redesign = result.pairs.find((p) => p.model === 'redesign' && p.property.name === name);
    if (!current || !redesign) continue;
    const change = { property: current.property, current, redesign };
    const statuses = `${current.verdict.status}/${redesign.verdict.status}`;
    if (statuses === 'violated/holds') removed.push(change);
    if (statuses === 'holds/violated') introduced.push(change);
    if (statuses === 'violated/violated' && hasApiFlaw(current) && !hasApiFlaw(redesign)) flawsRemoved.push(change);
    if (statuses === 'violated/violated' && !hasApiFlaw(current) && hasApiFlaw(redesign)) flawsIntroduced.push(change);
  }
  return { removed, introduced, flawsRemoved, flawsIntroduced };
}
