/** `klpcheck check`: runs the random engine, prints the verdicts and writes the report. */
import { type CheckResult, checkOptions, runCheck } from '../engine/check.ts';
import { writeFileAtomically } from '../engine/counterexample.ts';
import { CATALOGUE } from '../model/catalogue/index.ts';
import { renderReport } from '../render/report.ts';
import { checkSummary } from '../render/terminal.ts';
import type { CheckCommand } from './args.ts';
import { type Io, writeLines } from './io.ts';
import { progressReporter } from './progress.ts';

/** Returns the error if node:fs raised it for a path, else null. */
function fileSystemError(error: unknown): (NodeJS.ErrnoException & { path: string }) | null {
  if (error instanceof Error && typeof (error as NodeJS.ErrnoException).path === 'string') {
    return error as NodeJS.ErrnoException & { path: string };
  }
  return null;
}

async function search(command: CheckCommand, io: Io): Promise<CheckResult> {
  const progress = progressReporter(io.stderr);
  try {
    return await runCheck(
      checkOptions({
        models: command.models,
        properties: command.properties,
        patchSets: CATALOGUE,
        runs: command.runs,
        seed: command.seed,
        maxSteps: command.maxSteps,
        out: command.out,
        onProgress: progress.onProgress,
      }),
    );
  } finally {
    progress.stop();
  }
}

/**
 * Returns 0 once the run completed, whatever it found: violations are
 * findings, not failures. Returns 1 when a counterexample or the report
 * cannot be written.
 */
export async function checkCommand(command: CheckCommand, io: Io): Promise<number> {
  let result: CheckResult;
  try {
    result = await search(command, io);
  } catch (error) {
    const fsError = fileSystemError(error);
    if (!fsError) throw error;
    io.stderr.write(`klpcheck: failed to write ${fsError.path}: ${fsError.code}. Choose another directory with --out.\n`);
    return 1;
  }

  try {
    writeFileAtomically(command.report, renderReport(result));
  } catch (error) {
    const fsError = fileSystemError(error);
    if (!fsError) throw error;
    io.stderr.write(`klpcheck: failed to write the report ${command.report}: ${fsError.code}. Choose another path with --report.\n`);
    writeLines(io.stdout, checkSummary(result, null));
    return 1;
  }

  writeLines(io.stdout, checkSummary(result, command.report));
  return 0;
}
