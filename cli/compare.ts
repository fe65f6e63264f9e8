/**
 * `klpcheck compare`: runs the same sequences on both designs and reports
 * every class of divergence with a minimal example, or replays compare files.
 */
import { type CompareResult, replayCompareFile, runCompare } from '../engine/compare.ts';
import { readCompareFile } from '../engine/compare-file.ts';
import { InputFileError, writeFileAtomically } from '../engine/counterexample.ts';
import { MODELS } from '../model/index.ts';
import type { Model } from '../model/trace.ts';
import { ALL_PROPERTIES } from '../properties/index.ts';
import { CLASS_TABLE_HEADER, classTable, compareFindingLines, compareHintLine, compareReplayLines } from '../render/compare.ts';
import { renderCompareReport } from '../render/report.ts';
import { formatDuration, textTable } from '../render/terminal.ts';
import type { CompareCommand } from './args.ts';
import { checkOutputPaths, describeFsCode, fileSystemError } from './errors.ts';
import { type Io, writeLines } from './io.ts';
import { progressReporter } from './progress.ts';

/** Returns both registered designs; throws in a build that lacks one of them, which cannot compare. */
function designs(): { current: Model; redesign: Model } {
  const { current, redesign } = MODELS;
  if (!current || !redesign) throw new Error('klpcheck compare needs both the current and the redesign model');
  return { current, redesign };
}

async function search(command: CompareCommand, io: Io): Promise<CompareResult> {
  const progress = progressReporter(io.stderr);
  try {
    return await runCompare({
      models: designs(),
      properties: ALL_PROPERTIES,
      runs: command.runs,
      seed: command.seed,
      maxSteps: command.maxSteps,
      out: command.out,
      onProgress: progress.onCompareProgress,
    });
  } finally {
    progress.stop();
  }
}

function summaryLines(result: CompareResult, reportPath: string | null): string[] {
  const lines = ['', ...textTable(CLASS_TABLE_HEADER, classTable(result)), ...compareFindingLines(result), ''];
  if (reportPath) lines.push(`report written to ${reportPath}`);
  lines.push(`finished in ${formatDuration(result.durationMs)}`, compareHintLine(result));
  return lines;
}

/** Returns 0 when every file reproduces its divergence, else 1; a malformed file is reported and the others still run. */
function replay(command: CompareCommand, io: Io): number {
  const options = { models: designs(), properties: ALL_PROPERTIES };
  let failed = 0;
  for (const [index, file] of command.replay.entries()) {
    if (index > 0) io.stdout.write('\n');
    try {
      const result = replayCompareFile(readCompareFile(file), options);
      writeLines(io.stdout, compareReplayLines(file, result));
      if (!result.reproduced) failed++;
    } catch (error) {
      if (!(error instanceof InputFileError)) throw error;
      io.stderr.write(`klpcheck: ${error.message}\n`);
      failed++;
    }
  }
  if (command.replay.length > 1) {
    writeLines(io.stdout, ['', `${command.replay.length - failed} of ${command.replay.length} files replayed`]);
  }
  return failed === 0 ? 0 : 1;
}

/**
 * Returns 0 once the comparison completed, whatever it found: divergences are
 * findings. Returns 2 when --out or --report cannot be written before the
 * search starts, and 1 when a compare file or the report fails to be written.
 */
export async function compareCommand(command: CompareCommand, io: Io): Promise<number> {
  if (command.replay.length > 0) return replay(command, io);
  const pathError = checkOutputPaths(command.out, command.report);
  if (pathError) {
    io.stderr.write(`klpcheck: ${pathError}\n`);
    return 2;
  }

  let result: CompareResult;
  try {
    result = await search(command, io);
  } catch (error) {
    const fsError = fileSystemError(error);
    if (!fsError) throw error;
    io.stderr.write(`klpcheck: failed to write ${fsError.path}: ${describeFsCode(fsError.code)}. Choose another directory with --out.\n`);
    return 1;
  }

  try {
    writeFileAtomically(command.report, renderCompareReport(result));
  } catch (error) {
    const fsError = fileSystemError(error);
    if (!fsError) throw error;
    io.stderr.write(`klpcheck: failed to write the report ${command.report}: ${describeFsCode(fsError.code)}. Choose another path with --report.\n`);
    writeLines(io.stdout, summaryLines(result, null));
    return 1;
  }
  writeLines(io.stdout, summaryLines(result, command.report));
  return 0;
}
