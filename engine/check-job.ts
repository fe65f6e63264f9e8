/**
 * One job of the random engine. fast-check generates operation sequences for
 * one property, one model and one source of patch sets. The first violation
 * is replayed as concrete operations and shrunk further.
 */
import fc from 'fast-check';
import type { PatchSet } from '../model/definition.ts';
import type { Operation } from '../model/operations.ts';
import type { Model, ModelName, Trace } from '../model/trace.ts';
import { judge, type Property } from '../properties/property.ts';
import type { CheckOptions, Counterexample, EngineError } from './check.ts';
import { classifyViolation } from './classify.ts';
import { COUNTEREXAMPLE_FORMAT, type CounterexampleFile, FORMAT_VERSION } from './counterexample.ts';
import { arbitraryChoices, operationsFromChoices } from './generate-operations.ts';
import { describePatchSet } from './generate-patch-set.ts';
import { describeRedesignPatchSet } from './generate-redesign-patch-set.ts';
import type { JobCoverage } from './search-coverage.ts';
import { shrinkViolation } from './shrink.ts';
import type { PatchSetSource } from './sources.ts';

/** Generator of operation sequences: random choices, turned into operations against a model's world. */
export interface SequenceGenerator<C> {
  arbitraryChoices(maxSteps: number): fc.Arbitrary<C>;
  operationsFromChoices(model: Model, set: PatchSet, choices: C): { ops: Operation[]; trace: Trace };
}

export const DEFAULT_SEQUENCES: SequenceGenerator<unknown> = {
  arbitraryChoices: arbitraryChoices as (maxSteps: number) => fc.Arbitrary<unknown>,
  operationsFromChoices: operationsFromChoices as SequenceGenerator<unknown>['operationsFromChoices'],
};

/**
 * Predicate calls fast-check may spend on shrinking one failure. Later
 * candidates pass without running, which ends fast-check's shrinking; the
 * engine's own shrinker (shrink.ts) then minimises the operations further.
 */
const MAX_FAST_CHECK_SHRINK_CALLS = 1000;

// One job: one property, one model, one source of patch sets

export interface Input {
  readonly set: PatchSet;
  readonly choices: unknown;
}

export type JobOutcome =
  | { readonly kind: 'holds'; readonly sequences: number; readonly steps: number }
  | { readonly kind: 'violated'; readonly sequences: number; readonly steps: number; readonly found: Counterexample }
  | { readonly kind: 'error'; readonly sequences: number; readonly steps: number; readonly error: EngineError };

export interface Job {
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
export function runJob(job: Job, options: CheckOptions, jobs: number): JobOutcome {
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

