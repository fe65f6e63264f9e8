/**
 * `klpcheck check`: runs the random engine on every model in scope, compares
 * the two designs when both are, measures how far each counterexample is from
 * a shortest one, prints the verdicts and writes the report.
 */
import { join } from 'node:path';
import { type CheckResult, checkOptions, runCheck } from '../engine/check.ts';
import { COMPARE_RUNS_PER_CHECK_RUN, type CompareResult, runCompare } from '../engine/compare.ts';
import { writeFileAtomically } from '../engine/counterexample.ts';
import { measureShrinking, shrinkCases, type ShrinkQualityResult } from '../engine/shrink-quality.ts';
import { defaultSources } from '../engine/sources.ts';
import { CATALOGUE } from '../model/catalogue/index.ts';
import type { Model } from '../model/trace.ts';
import { renderReport } from '../render/report.ts';
import { checkSummary, plural } from '../render/terminal.ts';
import type { CheckCommand } from './args.ts';
import { checkOutputPaths, describeFsCode, fileSystemError } from './errors.ts';
import { type Io, writeLines } from './io.ts';
import { type ProgressReporter, progressReporter } from './progress.ts';

/** Subdirectory of --out for the compare files of a check run. */
export const COMPARE_SUBDIRECTORY = 'compare';

interface Outcome {
  readonly result: CheckResult;
  readonly comparison: CompareResult | null;
  /** Null when --no-shrink-quality skipped the step. */
  readonly shrinkQuality: ShrinkQualityResult | null;
}

function bothDesigns(models: readonly Model[]): { current: Model; redesign: Model } | null {
  const current = models.find((m) => m.name === 'current');
  const redesign = models.find((m) => m.name === 'redesign');
  return current && redesign ? { current, redesign } : null;
}

async function compareDesigns(command: CheckCommand, progress: ProgressReporter): Promise<CompareResult | null> {
  const models = bothDesigns(command.models);
  if (!models) return null;
  return runCompare({
    models,
    properties: command.properties,
    runs: command.runs * COMPARE_RUNS_PER_CHECK_RUN,
    seed: command.seed,
    maxSteps: command.maxSteps,
    out: join(command.out, COMPARE_SUBDIRECTORY),
    onProgress: progress.onCompareProgress,
  });
}

async function search(command: CheckCommand, io: Io): Promise<Pick<Outcome, 'result' | 'comparison'>> {
  const progress = progressReporter(io.stderr);
  try {
    const result = await runCheck(
      checkOptions({
        models: command.models,
        properties: command.properties,
        patchSets: CATALOGUE,
        sourcesByModel: defaultSources(command.runs),
        runs: command.runs,
        seed: command.seed,
        maxSteps: command.maxSteps,
        out: command.out,
        onProgress: progress.onProgress,
      }),
    );
    const comparison = await compareDesigns(command, progress);
    return { result, comparison };
  } finally {
    progress.stop();
  }
}

/** Explores each counterexample's patch set, unless the command skips the step; prints one line before it starts. */
async function measureShrinkQuality(command: CheckCommand, result: CheckResult, io: Io): Promise<ShrinkQualityResult | null> {
  if (!command.shrinkQuality) return null;
  const cases = shrinkCases(result);
  if (cases.length > 0) io.stderr.write(`exploring the patch sets of ${plural(cases.length, 'counterexample')} for a shortest length\n`);
  return measureShrinking(cases);
}

/**
 * Returns 0 once the run completed, whatever it found: violations and
 * divergences are findings, not failures. Returns 2 when --out or --report
 * cannot be written before the search starts, and 1 when a counterexample,
 * a compare file or the report fails to be written.
 */
export async function checkCommand(command: CheckCommand, io: Io): Promise<number> {
  const pathError = checkOutputPaths(command.out, command.report);
  if (pathError) {
    io.stderr.write(`klpcheck: ${pathError}\n`);
    return 2;
  }

  let outcome: Outcome;
  try {
    const searched = await search(command, io);
    outcome = { ...searched, shrinkQuality: await measureShrinkQuality(command, searched.result, io) };
  } catch (error) {
    const fsError = fileSystemError(error);
    if (!fsError) throw error;
    io.stderr.write(`klpcheck: failed to write ${fsError.path}: ${describeFsCode(fsError.code)}. Choose another directory with --out.\n`);
    return 1;
  }

  const { result, comparison, shrinkQuality } = outcome;
  try {
    writeFileAtomically(command.report, renderReport(result, comparison, shrinkQuality));
  } catch (error) {
    const fsError = fileSystemError(error);
    if (!fsError) throw error;
    io.stderr.write(`klpcheck: failed to write the report ${command.report}: ${describeFsCode(fsError.code)}. Choose another path with --report.\n`);
    writeLines(io.stdout, checkSummary(result, null, comparison, shrinkQuality));
    return 1;
  }

  writeLines(io.stdout, checkSummary(result, command.report, comparison, shrinkQuality));
  return 0;
}
