/**
 * Coverage of the random search: which operations, refusals, callback call
 * sites, control states and chart transitions the sequences of a check run
 * exercised, per model. It uses the explorer's CoverageRecorder, so the kinds
 * and item names are the same as in `klpcheck explore`. Only the sequences
 * the search generated count; the runs of shrinking and of the cross-check do
 * not.
 */
import type { ChartImplementation } from '../model/chart/chart.ts';
import type { ModelName, Trace } from '../model/trace.ts';
import { type Coverage, type CoverageCounts, type CoverageKind, COVERAGE_KINDS, CoverageRecorder, recordTrace } from './explore/coverage.ts';
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

  /** Records one trace. */
  record(trace: Trace): void {
    recordTrace(this.recorder, CHART_IMPLEMENTATIONS[this.model], trace);
    this.traces++;
  }

  get sequences(): number {
    return this.traces;
  }

  exportCounts(): CoverageCounts {
    return this.recorder.exportCounts();
  }
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
