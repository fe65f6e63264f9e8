/** `klpcheck replay`: replays counterexample and scenario files and prints what happened. */
import { InputFileError, readInputFile } from '../engine/counterexample.ts';
import { ModelMismatchError, ModelUnavailableError, replayFile } from '../engine/replay.ts';
import { CATALOGUE } from '../model/catalogue/index.ts';
import { MODELS } from '../model/index.ts';
import { ALL_PROPERTIES } from '../properties/index.ts';
import { replayLines } from '../render/terminal.ts';
import type { ReplayCommand } from './args.ts';
import { type Io, writeLines } from './io.ts';

/**
 * Returns 0 when every file replays (a counterexample reproduces its stored
 * verdict), else 1. A malformed file is reported and the other files still run.
 */
export function replayCommand(command: ReplayCommand, io: Io): number {
  const parseContext = { propertyNames: ALL_PROPERTIES.map((p) => p.name), catalogue: CATALOGUE };
  const replayContext = { models: MODELS, properties: ALL_PROPERTIES };
  let failed = 0;

  for (const [index, file] of command.files.entries()) {
    if (index > 0) io.stdout.write('\n');
    try {
      const input = readInputFile(file, parseContext);
      const result = replayFile(input, replayContext, command.model ?? undefined);
      writeLines(io.stdout, replayLines(result));
      if (!result.passed) failed++;
    } catch (error) {
      if (error instanceof ModelUnavailableError || error instanceof ModelMismatchError) {
        io.stderr.write(`klpcheck: ${file}: ${error.message}\n`);
      } else if (error instanceof InputFileError) {
        io.stderr.write(`klpcheck: ${error.message}\n`);
      } else {
        throw error;
      }
      failed++;
    }
  }

  if (command.files.length > 1) {
    writeLines(io.stdout, ['', `${command.files.length - failed} of ${command.files.length} files replayed`]);
  }
  return failed === 0 ? 0 : 1;
}
