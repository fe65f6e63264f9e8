/**
 * `klpcheck explore`: the exhaustive explorer on one patch set, or with
 * --generated on each of N generated patch sets. Parses its own flags, runs
 * the breadth-first search, writes one counterexample file per violated
 * property, the result as JSON and a Markdown coverage section, and prints
 * the bound certificate. The text comes from render/explore.ts and
 * render/explore-generated.ts.
 */
import { basename, extname, join, dirname } from 'node:path';
import { DEFAULT_SEED } from '../engine/check.ts';
import { InputFileError, readInputFile, writeCounterexample, writeFileAtomically, type WrittenFile } from '../engine/counterexample.ts';
import { closestName } from '../engine/decode.ts';
import { TRANSLATED_PREFIX, translatedForRedesign } from '../engine/sources.ts';
import { explorerCounterexampleFile } from '../engine/explore/counterexample.ts';
import { DEFAULT_DEPTH, explore, type ExploreProgress, type ExploreResult, patchSetSize } from '../engine/explore/explore.ts';
import {
  DEFAULT_GENERATED_DEPTH,
  DEFAULT_MAX_PATCHES,
  DEFAULT_MAX_TARGETS,
  exploreGenerated,
  GENERATED_LIMITS,
} from '../engine/explore/generated.ts';
import { exploreParallel } from '../engine/explore/parallel.ts';
import { CATALOGUE } from '../model/catalogue/index.ts';
import type { PatchSet } from '../model/definition.ts';
import { MODELS } from '../model/index.ts';
import type { Model, ModelName } from '../model/trace.ts';
import { ALL_PROPERTIES } from '../properties/index.ts';
import type { Property } from '../properties/property.ts';
import { certificateLines, coverageLines, coverageMarkdown, plural, progressLine, resultJson } from '../render/explore.ts';
import { generatedCertificateLines, generatedMarkdown, generatedResultJson, generatedSetLine } from '../render/explore-generated.ts';
import { type FlagSpec, LIMITS, parseFlags, requireApplicable, UsageError } from './args.ts';
import {
  DEFAULT_GENERATED_REPORT,
  DEFAULT_OUT,
  DEFAULT_REPORT,
  EXPLORE_LIMITS,
  exploreHelp,
  type NamedSet,
  namedSets,
} from './explore-help.ts';
import { describeFsCode, fileSystemError } from './errors.ts';
import { type Io, writeLines } from './io.ts';


/** Flags of both modes: what to check, how deep, how long, and where the results go. */
interface SearchFlags {
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

/** `klpcheck explore --set NAME` or `--scenario FILE`: one patch set. */
export interface ExploreCommand extends SearchFlags {
  readonly kind: 'set';
  readonly set: PatchSet;
}

/** `klpcheck explore --generated N`: N distinct generated patch sets within a size bound. */
export interface GeneratedExploreCommand extends SearchFlags {
  readonly kind: 'generated';
  readonly count: number;
  /** Maximum livepatch modules per set. */
  readonly maxPatches: number;
  /** Maximum target modules per set. */
  readonly maxTargets: number;
  readonly seed: number;
}

const FLAGS = {
  set: { type: 'string', valueName: 'NAME' },
  scenario: { type: 'string', valueName: 'FILE' },
  generated: { type: 'string', valueName: 'N' },
  'max-patches': { type: 'string', valueName: 'P' },
  'max-targets': { type: 'string', valueName: 'T' },
  seed: { type: 'string', valueName: 'S' },
  depth: { type: 'string', valueName: 'N' },
  model: { type: 'string', valueName: 'NAME' },
  property: { type: 'string', multiple: true, valueName: 'NAME' },
  'time-limit': { type: 'string', valueName: 'S' },
  workers: { type: 'string', valueName: 'N' },
  out: { type: 'string', valueName: 'DIR' },
  report: { type: 'string', valueName: 'FILE' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies Record<string, FlagSpec>;

function integerFlag(flag: string, text: string | undefined, limits: { min: number; max: number }): number | undefined {
  if (text === undefined) return undefined;
  const value = /^-?\d+$/.test(text.trim()) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(value) || value < limits.min || value > limits.max) {
    throw new UsageError(`invalid value "${text}" for --${flag}: expected a whole number from ${limits.min} to ${limits.max}.`);
  }
  return value;
}

function resolveSet(name: string): NamedSet {
  const sets = namedSets();
  const found = sets.find((named) => named.set.name === name);
  if (found) return found;
  const names = sets.map((named) => named.set.name);
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

/** Flags that shape the drawn sets, so they apply only with --generated. */
const GENERATED_ONLY_FLAGS = ['max-patches', 'max-targets', 'seed'] as const;

/** Parses the arguments after `klpcheck explore` in either mode; returns null when help was requested. */
export function parseExploreArguments(argv: readonly string[]): ExploreCommand | GeneratedExploreCommand | null {
  const parsed = parseFlags('explore', argv, FLAGS);
  const positionals = parsed.positionals;
  // parseFlags checked every flag's kind, so string flags hold strings and --help a boolean.
  const values = parsed.values as ExploreFlagValues;
  if (positionals.length > 0) {
    throw new UsageError(
      `unexpected argument "${positionals[0]}" for "klpcheck explore"; give the patch set with --set or --scenario, or use --generated N.`,
    );
  }
  if (values.help) return null;
  if (values.generated !== undefined) return parseGenerated(values);
  const misplaced = GENERATED_ONLY_FLAGS.find((flag) => values[flag] !== undefined);
  if (misplaced) {
    throw new UsageError(`flag --${misplaced} applies only with --generated N; remove it, or add --generated N to explore generated patch sets.`);
  }
  return parseOneSet(values);
}

/** Parses the arguments of the one-set mode; --generated is a usage error here. */
export function parseExplore(argv: readonly string[]): ExploreCommand | null {
  const command = parseExploreArguments(argv);
  if (command?.kind === 'generated') {
    throw new UsageError('expected --set NAME or --scenario FILE, found --generated; run "klpcheck explore --generated N" instead.');
  }
  return command;
}

function parseGenerated(values: ExploreFlagValues): GeneratedExploreCommand {
  const conflicting = (['set', 'scenario'] as const).filter((flag) => values[flag] !== undefined).map((flag) => `--${flag}`);
  if (conflicting.length > 0) {
    const flags = conflicting.join(' and ');
    throw new UsageError(
      `--generated cannot be combined with ${flags}: --generated draws its own patch sets. ` +
        `Remove ${flags}, or remove --generated to explore the one given set.`,
    );
  }
  return {
    kind: 'generated',
    count: integerFlag('generated', values.generated, GENERATED_LIMITS.count) as number,
    maxPatches: integerFlag('max-patches', values['max-patches'], GENERATED_LIMITS.maxPatches) ?? DEFAULT_MAX_PATCHES,
    maxTargets: integerFlag('max-targets', values['max-targets'], GENERATED_LIMITS.maxTargets) ?? DEFAULT_MAX_TARGETS,
    seed: integerFlag('seed', values.seed, LIMITS.seed) ?? DEFAULT_SEED,
    ...searchFlags(values, values.model ?? 'current', { depth: DEFAULT_GENERATED_DEPTH, report: DEFAULT_GENERATED_REPORT }),
  };
}

function parseOneSet(values: ExploreFlagValues): ExploreCommand {
  if ((values.set === undefined) === (values.scenario === undefined)) {
    throw new UsageError('"klpcheck explore" needs exactly one of --set NAME and --scenario FILE, or --generated N for generated patch sets.');
  }

  const { set, model } = values.scenario !== undefined ? scenarioSet(values.scenario, values.model) : namedSet(values.set as string, values.model);
  return { kind: 'set', set, ...searchFlags(values, model, { depth: DEFAULT_DEPTH, report: DEFAULT_REPORT }) };
}

const DESIGN_NAMES: Readonly<Record<ModelName, string>> = { current: 'the current API', redesign: 'the redesign' };

/** Resolves `--set NAME`: the set's own design unless --model names the same one. */
function namedSet(name: string, modelFlag: string | undefined): { set: PatchSet; model: string } {
  const named = resolveSet(name);
  if (modelFlag === undefined || modelFlag === named.model || !(modelFlag in MODELS)) return { set: named.set, model: modelFlag ?? named.model };
  const translated = `${TRANSLATED_PREFIX}${name}`;
  let hint = ' Leave out --model to explore it on the redesign.';
  if (named.model === 'current') {
    hint = namedSets().some((other) => other.set.name === translated)
      ? ` Explore the redesign on its translation, as check does: --set ${translated}.`
      : ' Leave out --model to explore it on the current API, or explore the redesign with --generated N --model redesign.';
  }
  throw new UsageError(`patch set "${name}" is written for ${DESIGN_NAMES[named.model]}, not for ${DESIGN_NAMES[modelFlag as ModelName]}.${hint}`);
}

/**
 * Resolves `--scenario FILE`: the file's patch set on the file's model, or on
 * --model. A current-API set explored on the redesign is translated first, as
 * check translates the catalogue; a redesign set has no meaning on the current API.
 */
function scenarioSet(file: string, modelFlag: string | undefined): { set: PatchSet; model: string } {
  const context = { propertyNames: ALL_PROPERTIES.map((p) => p.name), catalogue: CATALOGUE };
  const input = readInputFile(file, context);
  const own = input.content.model;
  const set = input.content.patchSet;
  if (modelFlag === undefined || modelFlag === own || !(modelFlag in MODELS)) return { set, model: modelFlag ?? own };
  if (own === 'current') return { set: { ...translatedForRedesign(set), name: `${TRANSLATED_PREFIX}${set.name}` }, model: modelFlag };
  throw new UsageError(`scenario ${file} is written for the redesign, not for the current API. Leave out --model to explore it on the redesign.`);
}

/** Resolves the flags both modes share; `defaults` differ between the modes. */
function searchFlags(values: ExploreFlagValues, model: string, defaults: { depth: number; report: string }): SearchFlags {
  const resolved = resolveModel(model);
  const properties = resolveProperties(values.property);
  requireApplicable(properties, [resolved.name]);
  return {
    model: resolved,
    properties,
    depth: integerFlag('depth', values.depth, EXPLORE_LIMITS.depth) ?? defaults.depth,
    timeLimit: integerFlag('time-limit', values['time-limit'], EXPLORE_LIMITS.timeLimit) ?? null,
    workers: integerFlag('workers', values.workers, EXPLORE_LIMITS.workers) ?? 1,
    out: values.out ?? DEFAULT_OUT,
    report: jsonReportPath(values.report ?? defaults.report),
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

function markdownPath(report: string): string {
  return join(dirname(report), `${basename(report, extname(report))}.md`);
}

/** Exit status of a search whose bound did not fit in memory; its results up to the last depth done are still written. */
export const EXIT_OUT_OF_MEMORY = 3;

/**
 * Runs `klpcheck explore`. It returns 0 once the search ran, whatever it
 * found, and 1 when a file cannot be read or written. A search stopped by
 * Ctrl-C returns EXIT_INTERRUPTED, and one whose bound did not fit in the
 * heap returns EXIT_OUT_OF_MEMORY.
 */
export async function exploreMain(argv: readonly string[], io: Io): Promise<number> {
  let command: ExploreCommand | GeneratedExploreCommand | null;
  try {
    command = parseExploreArguments(argv);
  } catch (error) {
    if (!(error instanceof InputFileError)) throw error;
    io.stderr.write(`klpcheck: ${error.message}\n`);
    return 1;
  }
  if (!command) {
    io.stdout.write(`${exploreHelp()}\n`);
    return 0;
  }
  return command.kind === 'generated' ? await exploreGeneratedSets(command, io) : await exploreOneSet(command, io);
}

/** Runs `search` with a stop predicate that turns true on SIGINT or once the time limit has passed. */
/** Why a search was asked to stop before its bound: the time limit, or Ctrl-C (SIGINT). */
type StopRequest = 'time-limit' | 'interrupt' | null;

/** Exit status after Ctrl-C, as for a process ended by SIGINT; the results found are still written. */
export const EXIT_INTERRUPTED = 130;

/** Runs a search that polls `shouldStop`, which turns true at the time limit or on Ctrl-C; returns what stopped it. */
async function withStopRequest<T>(
  timeLimit: number | null,
  search: (shouldStop: () => boolean) => Promise<T>,
): Promise<{ value: T; request: StopRequest }> {
  let request: StopRequest = null;
  const onSigint = (): void => {
    request = 'interrupt';
  };
  process.once('SIGINT', onSigint);
  const deadline = timeLimit === null ? Infinity : performance.now() + timeLimit * 1000;
  const shouldStop = (): boolean => {
    if (request === null && performance.now() > deadline) request = 'time-limit';
    return request !== null;
  };
  try {
    const value = await search(shouldStop);
    return { value, request };
  } finally {
    process.removeListener('SIGINT', onSigint);
  }
}

/** Says what stopped a search that was asked to stop, or nothing when it was not. */
function stopRequestLines(request: StopRequest, timeLimit: number | null): string[] {
  if (request === 'interrupt') return ['Stopped by Ctrl-C (SIGINT); the results up to the last completed depth are written.'];
  if (request === 'time-limit') return [`Stopped by the time limit of ${timeLimit} s; the results up to the last completed depth are written.`];
  return [];
}

/** Chooses the exit status: Ctrl-C first, then a bound that did not fit in memory, else 0. */
function exitStatus(request: StopRequest, outOfMemory: boolean): number {
  if (request === 'interrupt') return EXIT_INTERRUPTED;
  return outOfMemory ? EXIT_OUT_OF_MEMORY : 0;
}

/** Runs `write`; returns false after printing which file could not be written and why. */
function writeOutputs(io: Io, write: () => void): boolean {
  try {
    write();
    return true;
  } catch (error) {
    const fsError = fileSystemError(error);
    if (!fsError) throw error;
    io.stderr.write(`klpcheck: failed to write ${fsError.path}: ${describeFsCode(fsError.code)}. Choose another path with --out or --report.\n`);
    return false;
  }
}

async function exploreOneSet(command: ExploreCommand, io: Io): Promise<number> {
  const { patches, targets } = patchSetSize(command.set);
  io.stderr.write(
    `exploring ${command.set.name} (${plural(patches, 'patch', 'patches')}, ${plural(targets, 'target module')}) on ${command.model.name} up to depth ${command.depth}\n`,
  );
  const { value: result, request } = await withStopRequest(command.timeLimit, (shouldStop): Promise<ExploreResult> => {
    const options = {
      model: command.model.name,
      set: command.set,
      properties: command.properties,
      depth: command.depth,
      onProgress: (progress: ExploreProgress) => io.stderr.write(`${progressLine(progress)}\n`),
      shouldStop,
    };
    return command.workers > 1 ? exploreParallel({ ...options, workers: command.workers }) : explore(options);
  });

  const files = new Map<string, WrittenFile>();
  const markdown = markdownPath(command.report);
  const written = writeOutputs(io, () => {
    for (const found of result.violations) {
      files.set(found.property.name, writeCounterexample(command.out, explorerCounterexampleFile(command.model, result, found)));
    }
    writeFileAtomically(command.report, resultJson(result, files, request));
    writeFileAtomically(markdown, coverageMarkdown(result, files));
  });
  if (!written) return 1;

  writeLines(io.stdout, [
    ...certificateLines(result, files),
    ...stopRequestLines(request, command.timeLimit),
    'Coverage:',
    ...coverageLines(result.coverage),
    `Wrote ${command.report} and ${markdown} in ${(result.durationMs / 1000).toFixed(1)} s.`,
  ]);
  return exitStatus(request, result.memory !== null);
}

async function exploreGeneratedSets(command: GeneratedExploreCommand, io: Io): Promise<number> {
  io.stderr.write(
    `exploring ${plural(command.count, 'generated patch set')} (seed ${command.seed}, at most ${command.maxPatches} livepatch ` +
      `modules and ${command.maxTargets} target modules) on ${command.model.name} up to depth ${command.depth}\n`,
  );
  const { value: result, request } = await withStopRequest(command.timeLimit, (shouldStop) =>
    exploreGenerated({
      model: command.model.name,
      count: command.count,
      maxPatches: command.maxPatches,
      maxTargets: command.maxTargets,
      seed: command.seed,
      properties: command.properties,
      depth: command.depth,
      workers: command.workers,
      shouldStop,
      onSetExplored: (outcome, total) => io.stderr.write(`${generatedSetLine(outcome, total)}\n`),
    }),
  );

  const files = new Map<string, WrittenFile>();
  const markdown = markdownPath(command.report);
  const written = writeOutputs(io, () => {
    for (const { property, outcome, found } of result.violations) {
      files.set(property.name, writeCounterexample(command.out, explorerCounterexampleFile(command.model, outcome.result, found)));
    }
    writeFileAtomically(command.report, generatedResultJson(result, files, request));
    writeFileAtomically(markdown, generatedMarkdown(result, files));
  });
  if (!written) return 1;

  writeLines(io.stdout, [
    ...generatedCertificateLines(result, files),
    ...stopRequestLines(request, command.timeLimit),
    'Coverage:',
    ...coverageLines(result.coverage),
    `Wrote ${command.report} and ${markdown} in ${(result.durationMs / 1000).toFixed(1)} s.`,
  ]);
  return exitStatus(request, result.outcomes.some((outcome) => outcome.result?.memory));
}
