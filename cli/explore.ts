/**
 * `klpcheck explore`: the exhaustive explorer on one patch set. Parses its own
 * flags, runs the breadth-first search, writes one counterexample file per
 * violated property, the result as JSON and a Markdown coverage section, and
 * prints the bound certificate.
 */
import { basename, extname, join, dirname } from 'node:path';
import { BENCH_SET_NAME, benchPatchSet } from '../bench/patch-set.ts';
import { InputFileError, readInputFile, writeCounterexample, writeFileAtomically, type WrittenFile } from '../engine/counterexample.ts';
import { closestName } from '../engine/decode.ts';
import { explorerCounterexampleFile } from '../engine/explore/counterexample.ts';
import { COVERAGE_KINDS, type Coverage } from '../engine/explore/coverage.ts';
import { exploreParallel } from '../engine/explore/parallel.ts';
import { DEFAULT_DEPTH, explore, type ExploreProgress, type ExploreResult, patchSetSize } from '../engine/explore/explore.ts';
import { CATALOGUE } from '../model/catalogue/index.ts';
import type { PatchSet } from '../model/definition.ts';
import { MODELS } from '../model/index.ts';
import { REDESIGN_CATALOGUE } from '../model/redesign-catalogue/index.ts';
import type { Model, ModelName } from '../model/trace.ts';
import { ALL_PROPERTIES } from '../properties/index.ts';
import type { Property } from '../properties/property.ts';
import { type FlagSpec, parseFlags, UsageError } from './args.ts';
import { type Io, writeLines } from './io.ts';

export const EXPLORE_LIMITS = { depth: { min: 1, max: 30 }, timeLimit: { min: 1, max: 7 * 24 * 3600 }, workers: { min: 1, max: 64 } } as const;
const DEFAULT_OUT = 'counterexamples';
const DEFAULT_REPORT = 'reports/explore.json';

export interface ExploreCommand {
  readonly set: PatchSet;
  readonly model: Model;
  readonly properties: readonly Property[];
  readonly depth: number;
  /** Seconds after which the search stops and writes what it has; null for no limit. */
  readonly timeLimit: number | null;
  /** Worker threads; 1 runs the search on the main thread. */
  readonly workers: number;
  readonly out: string;
  /** JSON result file; the Markdown section goes next to it with the extension .md. */
  readonly report: string;
}

const FLAGS = {
  set: { type: 'string' },
  scenario: { type: 'string' },
  depth: { type: 'string' },
  model: { type: 'string' },
  property: { type: 'string', multiple: true },
  'time-limit': { type: 'string' },
  workers: { type: 'string' },
  out: { type: 'string' },
  report: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies Record<string, FlagSpec>;

/** Patch sets `--set` accepts: both catalogues and the benchmark set. */
function namedSets(): PatchSet[] {
  return [...CATALOGUE, ...REDESIGN_CATALOGUE, benchPatchSet()];
}

export function exploreHelp(): string {
  const models = Object.keys(MODELS).join(', ');
  return [
    'Usage: klpcheck explore (--set NAME | --scenario FILE) [FLAGS]',
    '',
    'Runs every operation sequence up to --depth operations on one patch set, breadth',
    'first, merging states that differ only in names the model makes up. Checks every',
    'property on every step, stores the shortest counterexample of each violated',
    'property, and prints a certificate of what holds up to the bound and which',
    'operations, refusals, callbacks, control states and chart transitions were covered.',
    '',
    'Flags:',
    `  --set NAME        patch set by name (${namedSets().map((s) => s.name).join(', ')})`,
    '  --scenario FILE   use the patch set of a scenario or counterexample file',
    `  --depth N         maximum operations per sequence (default ${DEFAULT_DEPTH}; ${EXPLORE_LIMITS.depth.min} to ${EXPLORE_LIMITS.depth.max})`,
    `  --model NAME      model to explore (default: the scenario's model, else current; ${models})`,
    '  --property NAME   check only this property; repeat the flag or give a comma list',
    '  --time-limit S    stop after S seconds and write the results of the completed depths',
    `  --workers N       worker threads for the search (default 1: the main thread; ${EXPLORE_LIMITS.workers.min} to ${EXPLORE_LIMITS.workers.max})`,
    `  --out DIR         directory for counterexample files (default ${DEFAULT_OUT})`,
    `  --report FILE     JSON result file (default ${DEFAULT_REPORT}); the Markdown coverage`,
    '                    section is written next to it with the extension .md',
    '  -h, --help        show this help',
    '',
    'Ctrl-C stops the search like --time-limit does.',
  ].join('\n');
}

function integerFlag(flag: string, text: string | undefined, limits: { min: number; max: number }): number | undefined {
  if (text === undefined) return undefined;
  const value = /^\d+$/.test(text.trim()) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(value) || value < limits.min || value > limits.max) {
    throw new UsageError(`invalid value "${text}" for --${flag}: expected a whole number from ${limits.min} to ${limits.max}.`);
  }
  return value;
}

function resolveSet(name: string): PatchSet {
  const sets = namedSets();
  const found = sets.find((set) => set.name === name);
  if (found) return found;
  const names = sets.map((set) => set.name);
  const guess = closestName(name, names);
  throw new UsageError(`unknown patch set "${name}"; valid sets: ${names.join(', ')}.${guess ? ` Did you mean "${guess}"?` : ''}`);
}

function resolveModel(name: string): Model {
  const model = MODELS[name as ModelName];
  if (model) return model;
  throw new UsageError(`unknown or unavailable model "${name}"; available models: ${Object.keys(MODELS).join(', ')}.`);
}

function resolveProperties(values: readonly string[] | undefined): Property[] {
  const names = (values ?? []).flatMap((value) => value.split(',')).map((name) => name.trim()).filter((name) => name !== '');
  if (names.length === 0) return [...ALL_PROPERTIES];
  const valid = ALL_PROPERTIES.map((p) => p.name);
  for (const name of names) {
    if (!valid.includes(name)) {
      const guess = closestName(name, valid);
      throw new UsageError(`unknown property "${name}"; valid properties: ${valid.join(', ')}.${guess ? ` Did you mean "${guess}"?` : ''}`);
    }
  }
  return ALL_PROPERTIES.filter((p) => names.includes(p.name));
}

type ExploreFlagValues = {
  readonly [K in keyof typeof FLAGS]?: (typeof FLAGS)[K] extends { type: 'boolean' }
    ? boolean
    : (typeof FLAGS)[K] extends { multiple: true }
      ? string[]
      : string;
};

/** Parses the arguments after `klpcheck explore`; returns null when help was requested. */
export function parseExplore(argv: readonly string[]): ExploreCommand | null {
  const parsed = parseFlags('explore', argv, FLAGS);
  const positionals = parsed.positionals;
  // parseFlags checked every flag's kind, so string flags hold strings and --help a boolean.
  const values = parsed.values as ExploreFlagValues;
  if (positionals.length > 0) {
    throw new UsageError(`unexpected argument "${positionals[0]}" for "klpcheck explore"; give the patch set with --set or --scenario.`);
  }
  if (values.help) return null;
  if ((values.set === undefined) === (values.scenario === undefined)) {
    throw new UsageError('"klpcheck explore" needs exactly one of --set NAME and --scenario FILE.');
  }

  let set: PatchSet;
  let scenarioModel: ModelName | undefined;
  if (values.scenario !== undefined) {
    const context = { propertyNames: ALL_PROPERTIES.map((p) => p.name), catalogue: CATALOGUE };
    const input = readInputFile(values.scenario, context);
    set = input.content.patchSet;
    scenarioModel = input.content.model;
  } else {
    set = resolveSet(values.set as string);
  }

  for (const [flag, value] of [['out', values.out], ['report', values.report]] as const) {
    if (value === '') throw new UsageError(`invalid value "" for --${flag}: expected a path.`);
  }
  return {
    set,
    model: resolveModel(values.model ?? scenarioModel ?? 'current'),
    properties: resolveProperties(values.property),
    depth: integerFlag('depth', values.depth, EXPLORE_LIMITS.depth) ?? DEFAULT_DEPTH,
    timeLimit: integerFlag('time-limit', values['time-limit'], EXPLORE_LIMITS.timeLimit) ?? null,
    workers: integerFlag('workers', values.workers, EXPLORE_LIMITS.workers) ?? 1,
    out: values.out ?? DEFAULT_OUT,
    report: jsonReportPath(values.report ?? DEFAULT_REPORT),
  };
}

/** The JSON result path; the Markdown goes next to it, so the two must not share a name. */
function jsonReportPath(report: string): string {
  if (extname(report) === '.md') {
    const suggestion = join(dirname(report), `${basename(report, '.md')}.json`);
    throw new UsageError(
      `invalid value "${report}" for --report: it names the JSON result file, and the Markdown is written next to it ` +
        `with the extension .md. Give a .json path such as ${suggestion}.`,
    );
  }
  return report;
}

// Text

function plural(count: number, word: string, pluralWord = `${word}s`): string {
  return `${count.toLocaleString('en-US')} ${count === 1 ? word : pluralWord}`;
}

function progressLine(progress: ExploreProgress): string {
  const seconds = progress.elapsedMs / 1000;
  const rate = seconds > 0 ? Math.round(progress.states / seconds) : 0;
  const heap = Math.round(progress.heapUsedBytes / 2 ** 20);
  return (
    `depth ${progress.depth}: ${plural(progress.frontier, 'new state')}, ${plural(progress.states, 'state')} in all, ` +
    `${rate.toLocaleString('en-US')} states/s, heap ${heap} MiB`
  );
}

/** Writes the bound certificate as lines: one sentence, then the verdicts. */
export function certificateLines(result: ExploreResult, files: ReadonlyMap<string, WrittenFile>): string[] {
  const { patches, targets } = patchSetSize(result.set);
  const bound = result.completedDepth;
  const lines = [
    `Every sequence of up to ${plural(bound, 'operation')} over these ${plural(patches, 'patch', 'patches')}` +
      ` and ${plural(targets, 'target module')} (patch set ${result.set.name}, model ${result.model}): ` +
      `${plural(result.states, 'distinct state')}, ${plural(result.transitions, 'transition')}.`,
  ];
  const memory = result.memory;
  if (memory) {
    const mebibytes = (bytes: number): string => `${Math.round(bytes / 2 ** 20).toLocaleString('en-US')} MiB`;
    lines.push(
      `The search stopped before depth ${memory.depth}: it would need about ${mebibytes(memory.estimatedBytes)} of heap ` +
        `(an estimate), above the limit of ${mebibytes(memory.limitBytes)}. Rerun with --depth ${memory.fittingDepth}, ` +
        'or raise the limit with NODE_OPTIONS=--max-old-space-size=MiB.',
    );
  } else if (result.stopped) {
    lines.push(`The search stopped before depth ${result.depth}; the certificate covers ${plural(bound, 'operation')} only.`);
  }
  const violated = new Set(result.violations.map((v) => v.property));
  const holding = result.properties.filter((p) => !violated.has(p)).map((p) => p.name);
  lines.push(`These properties hold: ${holding.length > 0 ? holding.join(', ') : 'none'}.`);
  for (const found of result.violations) {
    const file = files.get(found.property.name);
    lines.push(`Violated: ${found.property.name} (shortest length ${found.ops.length})${file ? `, ${file.path}` : ''}`);
  }
  for (const { property, reason } of result.notApplicable) lines.push(`Not applicable: ${property.name} (${reason})`);
  return lines;
}

export function coverageLines(coverage: Coverage): string[] {
  return COVERAGE_KINDS.map((kind) => {
    const { exercised, never } = coverage[kind];
    const count = Object.keys(exercised).length;
    const missing = never.length > 0 ? `; never: ${never.join(', ')}` : '';
    return `  ${kind}: ${count} exercised${missing}`;
  });
}

/** Renders the Markdown section for reports: the certificate and the coverage tables. */
export function coverageMarkdown(result: ExploreResult, files: ReadonlyMap<string, WrittenFile>): string {
  const lines = ['## Exhaustive exploration', '', ...certificateLines(result, files).map((line) => `- ${line}`), ''];
  for (const kind of COVERAGE_KINDS) {
    const { exercised, never } = result.coverage[kind];
    lines.push(`### Coverage: ${kind}`, '', '| item | steps |', '|---|---:|');
    for (const [item, count] of Object.entries(exercised)) lines.push(`| \`${item}\` | ${count} |`);
    for (const item of never) lines.push(`| \`${item}\` | never |`);
    lines.push('');
  }
  return `${lines.join('\n')}\n`;
}

/** Serializes the JSON result: counts, verdicts, counterexample paths and coverage. */
export function resultJson(result: ExploreResult, files: ReadonlyMap<string, WrittenFile>): string {
  const { patches, targets } = patchSetSize(result.set);
  const json = {
    format: 'klpcheck-explore',
    version: 1,
    date: new Date().toISOString(),
    model: result.model,
    patchSet: result.set.name,
    patches,
    targetModules: targets,
    depth: result.depth,
    completedDepth: result.completedDepth,
    stopped: result.stopped,
    memory: result.memory,
    states: result.states,
    transitions: result.transitions,
    statesPerDepth: result.statesPerDepth,
    durationMs: Math.round(result.durationMs),
    holds: result.properties.filter((p) => !result.violations.some((v) => v.property === p)).map((p) => p.name),
    violated: result.violations.map((v) => ({
      property: v.property.name,
      length: v.ops.length,
      explanation: v.violation.explanation,
      file: files.get(v.property.name)?.path ?? null,
    })),
    notApplicable: result.notApplicable.map(({ property, reason }) => ({ property: property.name, reason })),
    coverage: result.coverage,
  };
  return `${JSON.stringify(json, null, 2)}\n`;
}

function markdownPath(report: string): string {
  return join(dirname(report), `${basename(report, extname(report))}.md`);
}

/** Runs `klpcheck explore`; returns 0 once the search ran, whatever it found, and 1 when a file cannot be read or written. */
export async function exploreMain(argv: readonly string[], io: Io): Promise<number> {
  let command: ExploreCommand | null;
  try {
    command = parseExplore(argv);
  } catch (error) {
    if (!(error instanceof InputFileError)) throw error;
    io.stderr.write(`klpcheck: ${error.message}\n`);
    return 1;
  }
  if (!command) {
    io.stdout.write(`${exploreHelp()}\n`);
    return 0;
  }

  let interrupted = false;
  const onSigint = (): void => {
    interrupted = true;
  };
  process.once('SIGINT', onSigint);
  const deadline = command.timeLimit === null ? Infinity : performance.now() + command.timeLimit * 1000;
  const { patches, targets } = patchSetSize(command.set);
  io.stderr.write(
    `exploring ${command.set.name} (${patches} patches, ${targets} target modules) on ${command.model.name} up to depth ${command.depth}\n`,
  );
  let result: ExploreResult;
  try {
    const options = {
      model: command.model.name,
      set: command.set,
      properties: command.properties,
      depth: command.depth,
      onProgress: (progress: ExploreProgress) => io.stderr.write(`${progressLine(progress)}\n`),
      shouldStop: () => interrupted || performance.now() > deadline,
    };
    result = command.workers > 1 ? await exploreParallel({ ...options, workers: command.workers }) : await explore(options);
  } finally {
    process.removeListener('SIGINT', onSigint);
  }

  const files = new Map<string, WrittenFile>();
  const markdown = markdownPath(command.report);
  try {
    for (const found of result.violations) {
      files.set(found.property.name, writeCounterexample(command.out, explorerCounterexampleFile(command.model, result, found)));
    }
    writeFileAtomically(command.report, resultJson(result, files));
    writeFileAtomically(markdown, coverageMarkdown(result, files));
  } catch (error) {
    const path = (error as NodeJS.ErrnoException).path;
    if (typeof path !== 'string') throw error;
    io.stderr.write(`klpcheck: failed to write ${path}: ${(error as NodeJS.ErrnoException).code}. Choose another path with --out or --report.\n`);
    return 1;
  }

  writeLines(io.stdout, [
    ...certificateLines(result, files),
    'Coverage:',
    ...coverageLines(result.coverage),
    `Wrote ${command.report} and ${markdown} in ${(result.durationMs / 1000).toFixed(1)} s.`,
  ]);
  return 0;
}
