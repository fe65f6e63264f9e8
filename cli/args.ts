/**
 * Command-line parsing: argv becomes one precise Command, or a UsageError
 * that names the bad value and the valid ones. Names of models and properties
 * are resolved here, so later code never receives an unchecked string.
 */
import { parseArgs } from 'node:util';
import { closestName } from '../engine/decode.ts';
import type { Model, ModelName } from '../model/trace.ts';
import { MODEL_NAMES } from '../model/trace.ts';
import type { Property } from '../properties/property.ts';

/** The command line is wrong; main prints the message and exits with status 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** Every command of klpcheck, in the order of the help text. Each command is also a help topic. */
export const COMMANDS = ['check', 'compare', 'replay', 'explore', 'help'] as const;
export type CommandName = (typeof COMMANDS)[number];

export interface CheckCommand {
  readonly kind: 'check';
  readonly models: readonly Model[];
  readonly properties: readonly Property[];
  readonly runs: number;
  readonly seed: number;
  readonly maxSteps: number;
  readonly out: string;
  readonly report: string;
  /** Explore each counterexample's patch set to compare its length with a shortest one; off with --no-shrink-quality. */
  readonly shrinkQuality: boolean;
}

/** `klpcheck compare`: a search for divergences between the designs, or the replay of compare files. */
export interface CompareCommand {
  readonly kind: 'compare';
  readonly runs: number;
  readonly seed: number;
  readonly maxSteps: number;
  readonly out: string;
  readonly report: string;
  /** Compare files to replay; when there are any, no search runs. */
  readonly replay: readonly string[];
}

export interface ReplayCommand {
  readonly kind: 'replay';
  readonly files: readonly string[];
  /** Replay on this model instead of the one each file names. */
  readonly model: ModelName | null;
}

export interface HelpCommand {
  readonly kind: 'help';
  readonly topic: CommandName | null;
}

/** `klpcheck explore`: cli/explore.ts parses its flags, so this carries the arguments after the command name. */
export interface ExploreArguments {
  readonly kind: 'explore';
  readonly argv: readonly string[];
}

export type Command = CheckCommand | CompareCommand | ReplayCommand | ExploreArguments | HelpCommand;

/** Models and properties that names resolve against, and the defaults of the check flags. */
export interface Registry {
  readonly models: Partial<Record<ModelName, Model>>;
  readonly properties: readonly Property[];
  readonly defaults: {
    readonly runs: number;
    readonly seed: number;
    readonly maxSteps: number;
    readonly out: string;
    readonly report: string;
    readonly compareRuns: number;
    readonly compareOut: string;
    readonly compareReport: string;
  };
}

export const LIMITS = {
  runs: { min: 1, max: 1_000_000 },
  seed: { min: -2_147_483_648, max: 4_294_967_295 },
  maxSteps: { min: 1, max: 1000 },
} as const;

/**
 * A flag as node's parseArgs takes it. A string flag without `multiple` may
 * be given once. A `multiple` flag may repeat, and each of its values is a
 * comma list. `valueName` is the placeholder of the value in messages, such
 * as DIR in "--out DIR", and parseArgs ignores the field.
 */
export type FlagSpec = {
  readonly type: 'string' | 'boolean';
  readonly multiple?: boolean;
  readonly short?: string;
  readonly valueName?: string;
};

const CHECK_FLAGS = {
  runs: { type: 'string', valueName: 'N' },
  seed: { type: 'string', valueName: 'N' },
  'max-steps': { type: 'string', valueName: 'N' },
  property: { type: 'string', multiple: true, valueName: 'NAME' },
  model: { type: 'string', multiple: true, valueName: 'NAME' },
  out: { type: 'string', valueName: 'DIR' },
  report: { type: 'string', valueName: 'FILE' },
  'no-shrink-quality': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies Record<string, FlagSpec>;

const COMPARE_FLAGS = {
  runs: { type: 'string', valueName: 'N' },
  seed: { type: 'string', valueName: 'N' },
  'max-steps': { type: 'string', valueName: 'N' },
  out: { type: 'string', valueName: 'DIR' },
  report: { type: 'string', valueName: 'FILE' },
  replay: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies Record<string, FlagSpec>;

const REPLAY_FLAGS = {
  model: { type: 'string', valueName: 'NAME' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies Record<string, FlagSpec>;

function didYouMean(value: string, candidates: readonly string[]): string {
  const guess = closestName(value, candidates);
  return guess ? ` Did you mean "${guess}"?` : '';
}

type OptionToken = { readonly name: string; readonly rawName: string; readonly value?: string; readonly inlineValue?: boolean };

/** Throws a UsageError when one flag token is unknown or has the wrong kind of value. */
function checkOptionToken(command: string, token: OptionToken, spec: FlagSpec | undefined, valid: readonly string[]): void {
  if (!spec) {
    throw new UsageError(
      `unknown flag ${token.rawName} for "klpcheck ${command}"; valid flags: ${valid.join(', ')}.` + didYouMean(`--${token.name}`, valid),
    );
  }
  const example = `${token.rawName} ${spec.valueName ?? 'VALUE'}`;
  if (spec.type === 'boolean') {
    if (token.value !== undefined) throw new UsageError(`flag ${token.rawName} takes no value; remove "=${token.value}".`);
    return;
  }
  if (token.value === undefined) {
    throw new UsageError(`flag ${token.rawName} needs a value, as in "${example}".`);
  }
  if (!token.inlineValue && token.value.startsWith('-') && !/^-\d/.test(token.value)) {
    throw new UsageError(`flag ${token.rawName} needs a value, found the flag "${token.value}" after it.`);
  }
  if (token.value.trim() === '') {
    throw new UsageError(`flag ${token.rawName} has an empty value. Give a value, as in "${example}".`);
  }
  if (spec.multiple && token.value.split(',').some((item) => item.trim() === '')) {
    throw new UsageError(
      `invalid value "${token.value}" for ${token.rawName}: the comma list has an empty item. ` +
        `Separate the items by single commas, as in "${example},${spec.valueName ?? 'VALUE'}".`,
    );
  }
}

/** Throws a UsageError when a single-value flag is given twice, naming both values. */
function checkRepeats(tokens: readonly OptionToken[], flags: Record<string, FlagSpec>): void {
  const seen = new Map<string, string>();
  for (const token of tokens) {
    const spec = flags[token.name];
    if (spec?.type !== 'string' || spec.multiple) continue;
    const first = seen.get(token.name);
    if (first !== undefined) {
      throw new UsageError(
        `--${token.name} given twice: "${first}" and "${token.value}". The flag takes one value, so give it once.`,
      );
    }
    seen.set(token.name, token.value ?? '');
  }
}

/**
 * Parses a command's flags strictly, with messages that name the bad flag or
 * value and the valid flags. Node's parseArgs runs without its own strict
 * checks, so that the checks here can name the command and the flag.
 */
export function parseFlags<F extends Record<string, FlagSpec>>(command: string, argv: readonly string[], flags: F) {
  const { values, positionals, tokens } = parseArgs({
    args: [...argv],
    options: flags,
    strict: false,
    allowPositionals: true,
    tokens: true,
  });
  const valid = Object.keys(flags).map((name) => `--${name}`);
  const options = tokens.filter((token) => token.kind === 'option');
  for (const token of options) checkOptionToken(command, token, flags[token.name], valid);
  checkRepeats(options, flags);
  return { values, positionals };
}

function integerFlag(flag: string, text: string | undefined, fallback: number, limits: { min: number; max: number }): number {
  if (text === undefined) return fallback;
  const value = /^-?\d+$/.test(text.trim()) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(value) || value < limits.min || value > limits.max) {
    throw new UsageError(
      `invalid value "${text}" for --${flag}: expected a whole number from ${limits.min} to ${limits.max}.`,
    );
  }
  return value;
}

/** Splits repeated flags and comma lists into names. parseFlags has already rejected empty items. */
function nameList(values: readonly string[] | undefined): string[] {
  return (values ?? []).flatMap((value) => value.split(',')).map((name) => name.trim());
}

/** Checks that a model name exists and is available in this build. */
function resolveModelName(name: string, registry: Registry): ModelName {
  const available = Object.keys(registry.models) as ModelName[];
  if (!(MODEL_NAMES as readonly string[]).includes(name)) {
    throw new UsageError(`unknown model "${name}"; valid models: ${available.join(', ')}.${didYouMean(name, MODEL_NAMES)}`);
  }
  if (!registry.models[name as ModelName]) {
    throw new UsageError(`model "${name}" is not available yet; available models: ${available.join(', ')}.`);
  }
  return name as ModelName;
}

function resolveModels(names: readonly string[], registry: Registry): Model[] {
  const chosen = names.length > 0 ? names.map((name) => resolveModelName(name, registry)) : (Object.keys(registry.models) as ModelName[]);
  return [...new Set(chosen)].flatMap((name) => registry.models[name] ?? []);
}

function resolveProperties(names: readonly string[], registry: Registry): Property[] {
  if (names.length === 0) return [...registry.properties];
  const valid = registry.properties.map((p) => p.name);
  const chosen = [...new Set(names)].map((name) => {
    const property = registry.properties.find((p) => p.name === name);
    if (!property) {
      throw new UsageError(`unknown property "${name}"; valid properties: ${valid.join(', ')}.${didYouMean(name, valid)}`);
    }
    return property;
  });
  // Keep the registry's order, so that output does not depend on the order of the flags.
  return registry.properties.filter((p) => chosen.includes(p));
}

/**
 * Rejects a selection in which no property applies to any selected model:
 * such a run would check nothing and still report success.
 */
export function requireApplicable(properties: readonly Property[], models: readonly ModelName[]): void {
  if (properties.some((property) => models.some((model) => property.appliesTo(model) === true))) return;
  const reasons = properties.map((property) => `${property.name}: ${models.map((model) => property.appliesTo(model)).join('; ')}`);
  throw new UsageError(
    `none of the selected properties applies to ${models.join(' or ')} (${reasons.join('. ')}). ` +
      'Choose properties that apply with --property, or another design with --model.',
  );
}

function parseCheck(argv: readonly string[], registry: Registry): CheckCommand | HelpCommand {
  const { values, positionals } = parseFlags('check', argv, CHECK_FLAGS);
  if (values.help) return { kind: 'help', topic: 'check' };
  if (positionals.length > 0) {
    throw new UsageError(`"klpcheck check" takes no arguments, found "${positionals[0]}"; use --property or --model to narrow the check.`);
  }
  const defaults = registry.defaults;
  const text = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);
  const list = (value: unknown): string[] | undefined => (Array.isArray(value) ? value.map(String) : undefined);

  const models = resolveModels(nameList(list(values.model)), registry);
  const properties = resolveProperties(nameList(list(values.property)), registry);
  requireApplicable(properties, models.map((model) => model.name));
  return {
    kind: 'check',
    models,
    properties,
    runs: integerFlag('runs', text(values.runs), defaults.runs, LIMITS.runs),
    seed: integerFlag('seed', text(values.seed), defaults.seed, LIMITS.seed),
    maxSteps: integerFlag('max-steps', text(values['max-steps']), defaults.maxSteps, LIMITS.maxSteps),
    out: text(values.out) ?? defaults.out,
    report: text(values.report) ?? defaults.report,
    shrinkQuality: values['no-shrink-quality'] !== true,
  };
}

function parseCompare(argv: readonly string[], registry: Registry): CompareCommand | HelpCommand {
  const { values, positionals } = parseFlags('compare', argv, COMPARE_FLAGS);
  if (values.help) return { kind: 'help', topic: 'compare' };
  const text = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);
  const replay = values.replay === true;
  if (replay && positionals.length === 0) {
    throw new UsageError('"klpcheck compare --replay" needs at least one file, as in "klpcheck compare --replay counterexamples/compare/FILE.json".');
  }
  if (!replay && positionals.length > 0) {
    throw new UsageError(`"klpcheck compare" takes no arguments, found "${positionals[0]}"; use --replay to replay compare files.`);
  }

  const defaults = registry.defaults;
  return {
    kind: 'compare',
    runs: integerFlag('runs', text(values.runs), defaults.compareRuns, LIMITS.runs),
    seed: integerFlag('seed', text(values.seed), defaults.seed, LIMITS.seed),
    maxSteps: integerFlag('max-steps', text(values['max-steps']), defaults.maxSteps, LIMITS.maxSteps),
    out: text(values.out) ?? defaults.compareOut,
    report: text(values.report) ?? defaults.compareReport,
    replay: replay ? positionals : [],
  };
}

function parseReplay(argv: readonly string[], registry: Registry): ReplayCommand | HelpCommand {
  const { values, positionals } = parseFlags('replay', argv, REPLAY_FLAGS);
  if (values.help) return { kind: 'help', topic: 'replay' };
  if (positionals.length === 0) {
    throw new UsageError('"klpcheck replay" needs at least one file, as in "klpcheck replay counterexamples/FILE.json".');
  }
  const model = typeof values.model === 'string' ? resolveModelName(values.model, registry) : null;
  return { kind: 'replay', files: positionals, model };
}

function parseHelp(argv: readonly string[]): HelpCommand {
  const [topic, ...rest] = argv;
  if (topic === undefined) return { kind: 'help', topic: null };
  if (rest.length > 0 || !(COMMANDS as readonly string[]).includes(topic)) {
    throw new UsageError(`unknown help topic "${argv.join(' ')}"; valid topics: ${COMMANDS.join(', ')}.`);
  }
  return { kind: 'help', topic: topic as CommandName };
}

/** Parses the arguments after `klpcheck`. */
export function parseCommandLine(argv: readonly string[], registry: Registry): Command {
  const [name, ...rest] = argv;
  switch (name) {
    case 'check':
      return parseCheck(rest, registry);
    case 'compare':
      return parseCompare(rest, registry);
    case 'replay':
      return parseReplay(rest, registry);
    case 'explore':
      return { kind: 'explore', argv: rest };
    case 'help':
    case '--help':
    case '-h':
      return parseHelp(rest);
    case undefined:
      throw new UsageError(`missing command; valid commands: ${COMMANDS.join(', ')}.`);
    default:
      throw new UsageError(`unknown command "${name}"; valid commands: ${COMMANDS.join(', ')}.${didYouMean(name, COMMANDS)}`);
  }
}
