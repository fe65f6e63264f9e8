/**
 * Coverage of the random search: which operations, refusals, callback call
 * sites, control states and chart transitions the sequences of a check run
 * exercised, per model. It uses the explorer's CoverageRecorder, so the kinds
 * and item names are the same as in `klpcheck explore`. Only the sequences
 * the search generated count; the runs of shrinking and of the cross-check do
 * not.
 */
import type { ChartImplementation, ChartNode } from '../model/chart/chart.ts';
import type { PatchSet } from '../model/definition.ts';
import type { Operation } from '../model/operations.ts';
import type { ModelName, Trace } from '../model/trace.ts';
import type { World } from '../model/world.ts';
import { type Coverage, type CoverageCounts, type CoverageKind, COVERAGE_KINDS, CoverageRecorder } from './explore/coverage.ts';
import { CHART_IMPLEMENTATIONS } from './explore/explore.ts';

/** Coverage of every sequence the random search ran on one model. */
export interface SearchCoverage {
  readonly model: ModelName;
  /** Sequences recorded: those of every job of every applicable property. */
  readonly sequences: number;
  readonly coverage: Coverage;
  /** Items of each kind that the model's chart and the model's operations and callbacks name. */
  readonly known: Readonly<Record<CoverageKind, readonly string[]>>;
}

/** Records the traces of one job; a job's recorder is merged into its model's at the end of the run. */
export class JobCoverage {
  private readonly recorder: CoverageRecorder;
  private traces = 0;

  constructor(readonly model: ModelName) {
    this.recorder = new CoverageRecorder(CHART_IMPLEMENTATIONS[model]);
  }

  /**
   * Records one trace, as `recordTrace` of the explorer's coverage does. The
   * chart transition of each step is found by evaluating guards only, which
   * is cheaper than interpreting the step again.
   */
  record(trace: Trace): void {
    const impl = CHART_IMPLEMENTATIONS[this.model];
    let control = impl.controlState(trace.initial);
    this.recorder.recordStart(control);
    for (const step of trace.steps) {
      const after = impl.controlState(step.after);
      const taken = firstTakenGuard(impl, trace.set, step.before, control, step.op);
      this.recorder.record(control, step.op, step.events, after, taken === undefined ? [] : [taken]);
      control = after;
    }
    this.traces++;
  }

  get sequences(): number {
    return this.traces;
  }

  exportCounts(): CoverageCounts {
    return this.recorder.exportCounts();
  }
}

function nodeAt(chart: ChartNode, path: readonly string[]): ChartNode | undefined {
  let node: ChartNode | undefined = chart;
  for (const key of path) node = node?.states?.[key];
  return node;
}

/**
 * Returns the guard of the transition the chart takes first for `op`, in the
 * form interpretStep reports it (`<operation>:default` when unguarded). Like
 * the interpreter, it searches from the control state up to the root and
 * takes the first transition whose guard holds. Guards are pure, so this
 * does not run the step.
 * NOTE: this repeats the interpreter's search order; test/search-coverage.test.ts
 * compares the result with recordTrace, which interprets each step.
 */
export function firstTakenGuard(
  impl: ChartImplementation,
  set: PatchSet,
  world: Readonly<World>,
  control: string,
  op: Operation,
): string | undefined {
  const path = control.split('.');
  for (let depth = path.length; depth >= 0; depth -= 1) {
    for (const transition of nodeAt(impl.chart, path.slice(0, depth))?.on?.[op.type] ?? []) {
      if (!transition.guard) return `${op.type}:default`;
      if (impl.guards[transition.guard]?.(world, op, set)) return transition.guard;
    }
  }
  return undefined;
}

/** Merges the jobs' recorders into one coverage per model, in the order of `models`. */
export function mergeSearchCoverage(models: readonly ModelName[], jobs: readonly JobCoverage[]): SearchCoverage[] {
  return models.map((model) => {
    const recorder = new CoverageRecorder(CHART_IMPLEMENTATIONS[model]);
    let sequences = 0;
    for (const job of jobs) {
      if (job.model !== model) continue;
      recorder.merge(job.exportCounts());
      sequences += job.sequences;
    }
    const impl = CHART_IMPLEMENTATIONS[model];
    return { model, sequences, coverage: recorder.coverage(), known: knownItems(impl) };
  });
}

/** Returns the known items of each kind: a recorder that recorded nothing lists them all as never exercised. */
function knownItems(impl: ChartImplementation): Record<CoverageKind, readonly string[]> {
  const empty = new CoverageRecorder(impl).coverage();
  const known = {} as Record<CoverageKind, readonly string[]>;
  for (const kind of COVERAGE_KINDS) known[kind] = empty[kind].never;
  return known;
}
