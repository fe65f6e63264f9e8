/**
 * Entry point of the klpcheck command: parses the command line once, runs the
 * command and maps failures to exit statuses (2 usage, 1 input or internal).
 */
import { DEFAULT_MAX_STEPS, DEFAULT_RUNS, DEFAULT_SEED } from '../engine/check.ts';
import { DEFAULT_COMPARE_RUNS } from '../engine/compare.ts';
import { MODELS } from '../model/index.ts';
import { ALL_PROPERTIES } from '../properties/index.ts';
import { parseCommandLine, type Registry, UsageError } from './args.ts';
import { checkCommand } from './check.ts';
import { compareCommand } from './compare.ts';
import { exploreMain } from './explore.ts';
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

/** Runs klpcheck with the arguments after the program name and returns the exit status. */
export async function main(argv: string[], io: Io = PROCESS_IO): Promise<number> {
  try {
    // explore parses its own flags (cli/explore.ts).
    if (argv[0] === 'explore') return await exploreMain(argv.slice(1), io);
    if (argv[0] === 'help' && argv[1] === 'explore' && argv.length === 2) return await exploreMain(['--help'], io);
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
    }
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr.write(`klpcheck: ${error.message}\nRun "klpcheck help" for usage.\n`);
      return EXIT.usage;
    }
    const detail = error instanceof Error ? (error.stack ?? error.message) : String(error);
    io.stderr.write(`klpcheck: internal error, please report it with the command line that caused it:\n${detail}\n`);
    return EXIT.failure;
  }
}
