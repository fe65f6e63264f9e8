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
import type { Property, Violation } from '../properties/property.ts';
import { DEFAULT_SEQUENCES, type Input, type Job, type JobOutcome, runJob, type SequenceGenerator } from './check-job.ts';
import { crossCheck, verdictOf, withFiles } from './check-verdict.ts';
import type { Classification, WrittenFile } from './counterexample.ts';
import { JobCoverage, mergeSearchCoverage, type SearchCoverage } from './search-coverage.ts';
import {
  DEFAULT_GENERATED,
  type FixedPatchSet,
  type GeneratedPatchSets,
  type ModelSources,
  type PatchSetSource,
  sourceLabel,
} from './sources.ts';

export { DEFAULT_GENERATED, type GeneratedPatchSets, type ModelSources, type PatchSetSource, type SearchCoverage, sourceLabel };
export { counterexampleFile, DEFAULT_SEQUENCES, type SequenceGenerator } from './check-job.ts';
export { type VerdictChange, type VerdictChanges, verdictChanges } from './verdict-changes.ts';

export const DEFAULT_SEED = 42;
/**
 * Runs per patch-set job of the current model. The redesign's jobs get
 * REDESIGN_RUNS_SHARE of it (sources.ts). The README gives the measured time
 * of `npm start` at this default.
 */
export const DEFAULT_RUNS = 500;
export const DEFAULT_MAX_STEPS = 30;
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

