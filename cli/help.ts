/** Help text of the klpcheck command and its subcommands. */
import type { CommandName, Registry } from './args.ts';
import { LIMITS } from './args.ts';

function generalHelp(): string[] {
  return [
    'klpcheck: property-based model checker for Linux kernel livepatch callbacks,',
    'shadow variables and system states.',
    '',
    'Usage:',
    '  klpcheck check [FLAGS]         check properties on random operation sequences',
    '  klpcheck replay FILE... [--model NAME]',
    '                                 replay counterexample or scenario files',
    '  klpcheck help [COMMAND]        show help for a command',
    '',
    'Exit status: 0 when the command completed (violations are findings, not failures),',
    '1 when a file is malformed, a replay does not reproduce or klpcheck fails,',
    '2 for usage errors.',
    '',
    'Run "klpcheck help check" or "klpcheck help replay" for the flags.',
  ];
}

function checkHelp(registry: Registry): string[] {
  const d = registry.defaults;
  return [
    'Usage: klpcheck check [FLAGS]',
    '',
    'Checks each property on each model with random operation sequences over every',
    'catalogue patch set and over generated patch sets, shrinks each violation, stores',
    'it as a counterexample file, prints a verdict table and writes a Markdown report.',
    '',
    'Flags:',
    `  --runs N          sequences per catalogue patch set, and generated patch sets,`,
    `                    for each property and model (default ${d.runs}; ${LIMITS.runs.min} to ${LIMITS.runs.max})`,
    `  --seed N          seed of the random generation; the same seed gives the same`,
    `                    results (default ${d.seed})`,
    `  --max-steps N     maximum operations per sequence (default ${d.maxSteps}; ${LIMITS.maxSteps.min} to ${LIMITS.maxSteps.max})`,
    '  --property NAME   check only this property; repeat the flag or give a comma list',
    `                    (${registry.properties.map((p) => p.name).join(', ')})`,
    `  --model NAME      check only this model; repeat or give a comma list`,
    `                    (${Object.keys(registry.models).join(', ')})`,
    `  --out DIR         directory for counterexample files (default ${d.out})`,
    `  --report FILE     path of the Markdown report (default ${d.report})`,
    '  -h, --help        show this help',
  ];
}

function replayHelp(registry: Registry): string[] {
  return [
    'Usage: klpcheck replay FILE... [--model NAME]',
    '',
    'Runs the operations of each counterexample or scenario file through its model,',
    'prints the kernel log and every property verdict, and for a counterexample',
    'whether the stored verdict is reproduced. Exits 0 when every file replays,',
    '1 when a file is malformed, the model fails, a stored verdict is not reproduced',
    'or the stored events of a scenario differ.',
    '',
    'Flags:',
    `  --model NAME      replay on this model instead of the file's (${Object.keys(registry.models).join(', ')})`,
    '  -h, --help        show this help',
    '',
    'The file format is described in docs/scenario-format.md.',
  ];
}

export function helpText(topic: CommandName | null, registry: Registry): string {
  let lines = generalHelp();
  if (topic === 'check') lines = checkHelp(registry);
  if (topic === 'replay') lines = replayHelp(registry);
  return `${lines.join('\n')}\n`;
}
