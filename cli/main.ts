/**
 * Entry point of the klpcheck command: parses the command line, runs the
 * command and maps failures to exit statuses (2 usage, 1 input or internal).
 */
import { DEFAULT_MAX_STEPS, DEFAULT_RUNS, DEFAULT_SEED } from '../engine/check.ts';
import { DEFAULT_COMPARE_RUNS } from '../engine/compare.ts';
import { InputFileError } from '../engine/counterexample.ts';
import { MODELS } from '../model/index.ts';
import { ALL_PROPERTIES } from '../properties/index.ts';
import { COMMANDS, parseCommandLine, type Registry, UsageError } from './args.ts';
import { checkCommand } from './check.ts';
import { compareCommand } from './compare.ts';
import { checkOutputPaths } from './errors.ts';
import { exploreMain, parseExploreArguments } from './explore.ts';
import { helpText } from './help.ts';
import { type Io, PROCESS_IO } from './io.ts';
import { replayCommand } from './replay.ts';

export const REGISTRY: Registry = {
  models: MODELS,
  properties: ALL_PROPERTIES,
  defaults: {
    runs: DEFAULT_RUNS,
    seed: DEFAULT_SEED,
    maxSteps: DEFAULT_MAX_STEPS,
    out: 'counterexamples',
    report: 'reports/summary.md',
    compareRuns: DEFAULT_COMPARE_RUNS,
    compareOut: 'counterexamples/compare',
    compareReport: 'reports/compare.md',
  },
};

export const EXIT = { ok: 0, failure: 1, usage: 2 } as const;

/**
 * Runs `klpcheck explore` once its --out and --report can be written.
 * exploreMain parses the arguments again and reports a malformed scenario
 * file, so the check here skips a command that fails to parse that way.
 */
async function exploreCommand(argv: readonly string[], io: Io): Promise<number> {
  let pathError: string | null = null;
  try {
    const command = parseExploreArguments(argv);
    if (command) pathError = checkOutputPaths(command.out, command.report);
  } catch (error) {
    if (!(error instanceof InputFileError)) throw error;
  }
  if (pathError) {
    io.stderr.write(`klpcheck: ${pathError}\n`);
    return EXIT.usage;
  }
  return exploreMain(argv, io);
}

/** Returns the help command to name after a usage error, that of the given command when there is one. */
function helpCommandFor(argv: readonly string[]): string {
  const name = argv[0];
  const known = name !== undefined && name !== 'help' && (COMMANDS as readonly string[]).includes(name);
  return known ? `klpcheck help ${name}` : 'klpcheck help';
}

/** Runs klpcheck with the arguments after the program name and returns the exit status. */
export async function main(argv: string[], io: Io = PROCESS_IO): Promise<number> {
  try {
    const command = parseCommandLine(argv, REGISTRY);
    switch (command.kind) {
      case 'help':
        io.stdout.write(helpText(command.topic, REGISTRY));
        return EXIT.ok;
      case 'check':
        return await checkCommand(command, io);
      case 'compare':
        return await compareCommand(command, io);
      case 'replay':
        return replayCommand(command, io);
      case 'explore':
        return await exploreCommand(command.argv, io);
    }
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr.write(`klpcheck: ${error.message}\nRun "${helpCommandFor(argv)}" for usage.\n`);
      return EXIT.usage;
    }
    const detail = error instanceof Error ? (error.stack ?? error.message) : String(error);
    io.stderr.write(`klpcheck: internal error, please report it with the command line that caused it:\n${detail}\n`);
    return EXIT.failure;
  }
}
