/** Help text of the klpcheck command and its subcommands. */
import { COMPARE_RUNS_PER_CHECK_RUN } from '../engine/compare.ts';
import { DEFAULT_DEPTH_CAP, DEFAULT_ROW_BUDGET_MS, DEFAULT_TOTAL_BUDGET_MS } from '../engine/shrink-quality.ts';
import { REDESIGN_RUNS_SHARE } from '../engine/sources.ts';
import type { CommandName, Registry } from './args.ts';
import { LIMITS } from './args.ts';
import { exploreHelp } from './explore-help.ts';

function generalHelp(): string[] {
  return [
    'klpcheck: property-based model checker for Linux kernel livepatch callbacks,',
    'shadow variables and system states.',
    '',
    'Usage:',
    '  klpcheck check [FLAGS]         check properties on random operation sequences',
    '  klpcheck compare [FLAGS]       run the same sequences on both designs and sort',
    '                                 every divergence into classes',
    '  klpcheck compare --replay FILE...',
    '                                 replay compare files',
    '  klpcheck replay FILE... [--model NAME]',
    '                                 replay counterexample or scenario files',
    '  klpcheck explore [FLAGS]       search every operation sequence up to a depth',
    '                                 on one patch set, with a bound certificate',
    '  klpcheck help [COMMAND]        show help for a command',
    '',
    'Exit status: 0 when the command completed (violations are findings, not failures),',
    '1 when a file is malformed, a replay does not reproduce or klpcheck fails,',
    '2 for usage errors, 3 when explore stops because its depth bound does not fit in memory.',
    '',
    'Run "klpcheck help COMMAND" (check, compare, replay or explore) for the flags.',
  ];
}

function redesignRunsText(): string {
  if (REDESIGN_RUNS_SHARE === 1) return 'the redesign\'s jobs run N too';
  return `each redesign job runs ${Math.round(REDESIGN_RUNS_SHARE * 100)}% of N`;
}

function checkHelp(registry: Registry): string[] {
  const d = registry.defaults;
  return [
    'Usage: klpcheck check [FLAGS]',
    '',
    'Checks each property on each model with random operation sequences over every',
    'catalogue patch set and over generated patch sets, shrinks each violation, stores',
    'it as a counterexample file, prints a verdict table and writes a Markdown report.',
    'The current API runs on the catalogue and generated sets; the redesign runs on its',
    'own catalogue, the translation of every current set, and sets generated for it.',
    'With both models in scope, the run ends with the comparison of "klpcheck compare".',
    'The report also compares each counterexample with the shortest one the explorer',
    'finds on its patch set, and lists what the random search never exercised.',
    '',
    'Flags:',
    `  --runs N          sequences per catalogue patch set, and generated patch sets,`,
    `                    for each property and model (default ${d.runs}; ${LIMITS.runs.min} to ${LIMITS.runs.max});`,
    `                    ${redesignRunsText()}, and the comparison ${COMPARE_RUNS_PER_CHECK_RUN} x N sequences`,
    `  --seed N          seed of the random generation; the same seed gives the same`,
    `                    results (default ${d.seed})`,
    `  --max-steps N     maximum operations per sequence (default ${d.maxSteps}; ${LIMITS.maxSteps.min} to ${LIMITS.maxSteps.max})`,
    '  --property NAME   check only this property; repeat the flag or give a comma list',
    `                    (${registry.properties.map((p) => p.name).join(', ')})`,
    `  --model NAME      check only this model; repeat or give a comma list`,
    `                    (${Object.keys(registry.models).join(', ')})`,
    `  --out DIR         directory for counterexample files; compare files go to DIR/compare`,
    `                    (default ${d.out})`,
    `  --report FILE     path of the Markdown report (default ${d.report})`,
    '  --no-shrink-quality',
    '                    skip the shrinking-quality step: for each counterexample, the',
    '                    explorer searches its patch set for a shortest one, up to the',
    `                    shrunk length (at most ${DEFAULT_DEPTH_CAP} operations, ${DEFAULT_ROW_BUDGET_MS / 1000} s each,`,
    `                    ${DEFAULT_TOTAL_BUDGET_MS / 1000} s in all)`,
    '  -h, --help        show this help',
  ];
}

function compareHelp(registry: Registry): string[] {
  const d = registry.defaults;
  return [
    'Usage: klpcheck compare [FLAGS]',
    '       klpcheck compare --replay FILE...',
    '',
    'Runs generated current-API patch sets and operation sequences on the current',
    'API and, translated, on the redesign, and sorts every divergence of observable',
    'behaviour into classes: refused in one design only, refused with different',
    'errnos, a cleanup or a setup callback that ran in one design only or at another',
    'step, a shadow variable or a changed system variable left in one design only,',
    'a different callback order within one operation, and a different property',
    'verdict. The shortest example of each class is shrunk, stored as a compare file',
    'and shown in a Markdown report.',
    '',
    'Flags:',
    `  --runs N          sequences, each with its own patch set (default ${d.compareRuns}; ${LIMITS.runs.min} to ${LIMITS.runs.max})`,
    `  --seed N          seed of the random generation; the same seed gives the same`,
    `                    results (default ${d.seed})`,
    `  --max-steps N     maximum operations per sequence (default ${d.maxSteps}; ${LIMITS.maxSteps.min} to ${LIMITS.maxSteps.max})`,
    `  --out DIR         directory for compare files (default ${d.compareOut})`,
    `  --report FILE     path of the Markdown report (default ${d.compareReport})`,
    '  --replay          replay the compare files given as arguments instead of searching;',
    '                    exits 1 when a file is malformed or its divergence is not reproduced',
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
    `  --model NAME      replay on this model instead of the file's (${Object.keys(registry.models).join(', ')});`,
    '                    a current-API file runs on the redesign as its translation, as check',
    '                    runs the catalogue; a redesign file cannot run on the current API',
    '  -h, --help        show this help',
    '',
    'The file format is described in docs/scenario-format.md.',
  ];
}

/** Returns the help text of a command, or the general help for no topic and for `help` itself. */
export function helpText(topic: CommandName | null, registry: Registry): string {
  switch (topic) {
    case 'check':
      return `${checkHelp(registry).join('\n')}\n`;
    case 'compare':
      return `${compareHelp(registry).join('\n')}\n`;
    case 'replay':
      return `${replayHelp(registry).join('\n')}\n`;
    case 'explore':
      return `${exploreHelp()}\n`;
    case 'help':
    case null:
      return `${generalHelp().join('\n')}\n`;
  }
}
