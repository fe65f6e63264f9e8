/**
 * Counterexample and scenario files: the JSON format, content hashing and file
 * names, atomic writes, and strict parsing with errors that name the file, the
 * JSON path of the bad value, what was expected and how to fix it.
 *
 * A counterexample file stores what the random engine found: a header (format,
 * version, model, property, seed, fast-check path, date), the patch set, the
 * operations, the events of each step and the verdict. A scenario file is the
 * same JSON without the verdict, seed, path and date; users write those by hand.
 */
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, linkSync, mkdirSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { existsSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { PatchSet } from '../model/definition.ts';
import type { KernelEvent } from '../model/events.ts';
import type { Operation } from '../model/operations.ts';
import { MODEL_NAMES, type ModelName } from '../model/trace.ts';
import {
  array,
  closestName,
  DecodeError,
  type Decoder,
  describeValue,
  integer,
  literal,
  nonEmptyString,
  nonNegativeInteger,
  nullable,
  object,
  string,
} from './decode.ts';
import { checkOperationNames, eventDecoder, operationDecoder, patchSetDecoder } from './decode-model.ts';

export const COUNTEREXAMPLE_FORMAT = 'klpcheck-counterexample';
export const SCENARIO_FORMAT = 'klpcheck-scenario';
export const FORMAT_VERSION = 1;

/** Whether a violation needs an author mistake, or shows with best-practice authors only. */
export type Classification = 'api-flaw' | 'author-error';

export interface StoredVerdict {
  readonly property: string;
  /** The rule of the property, as stated when the file was written. */
  readonly rule: string;
  readonly explanation: string;
  /** Indexes of the operations involved, the violating step last. */
  readonly steps: readonly number[];
  readonly classification: Classification;
}

export interface CounterexampleFile {
  readonly format: typeof COUNTEREXAMPLE_FORMAT;
  readonly version: typeof FORMAT_VERSION;
  readonly model: ModelName;
  readonly property: string;
  /** The --seed of the run that found it. */
  readonly seed: number;
  /** The seed fast-check used for the patch set and property that failed; derived from `seed`. */
  readonly fastCheckSeed: number;
  /** fast-check's counterexample path; with `fastCheckSeed` it replays the generated input before klpcheck's own shrinking. */
  readonly path: string | null;
  /** ISO 8601 time of writing. */
  readonly date: string;
  readonly patchSet: PatchSet;
  readonly operations: readonly Operation[];
  /** The events of each operation, one list per operation. */
  readonly events: readonly (readonly KernelEvent[])[];
  readonly verdict: StoredVerdict;
}

export interface ScenarioFile {
  readonly format: typeof SCENARIO_FORMAT;
  readonly version: typeof FORMAT_VERSION;
  readonly model: ModelName;
  /** The property the scenario is about; replay shows every property's verdict either way. */
  readonly property?: string;
  /** The patch set, given in full or by the name of a catalogue patch set. */
  readonly patchSet: PatchSet;
  readonly operations: readonly Operation[];
  /** Expected events of each operation; when present, replay fails if the model's events differ. */
  readonly events?: readonly (readonly KernelEvent[])[];
}

export type InputFile =
  | { readonly kind: 'counterexample'; readonly file: string; readonly content: CounterexampleFile }
  | { readonly kind: 'scenario'; readonly file: string; readonly content: ScenarioFile };

/** A scenario or counterexample file that cannot be read or is malformed. */
export class InputFileError extends Error {
  constructor(
    readonly file: string,
    readonly detail: string,
  ) {
    super(`${file}: ${detail}`);
    this.name = 'InputFileError';
  }
}

/** What parsing checks names against. */
export interface ParseContext {
  readonly propertyNames: readonly string[];
  /** Patch sets a scenario may name instead of giving one in full. */
  readonly catalogue: readonly PatchSet[];
}

// Canonical JSON and file names

/** Recursively sorts object keys and drops undefined values, so equal content gives equal text. */
export function canonicalize(value: unknown): unknown {
  if (Array.isArray(value)) return value.map((element) => canonicalize(element ?? null));
  if (typeof value === 'object' && value !== null) {
    const sorted: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const element = (value as Record<string, unknown>)[key];
      if (element !== undefined) sorted[key] = canonicalize(element);
    }
    return sorted;
  }
  return value;
}

export function canonicalJson(value: unknown): string {
  return JSON.stringify(canonicalize(value));
}

/** The first 12 hex digits of the SHA-256 of the canonical JSON of what identifies a counterexample. */
export function contentHash(content: {
  readonly model: ModelName;
  readonly property: string;
  readonly patchSet: PatchSet;
  readonly operations: readonly Operation[];
}): string {
  const identity = {
    model: content.model,
    property: content.property,
    patchSet: content.patchSet,
    operations: content.operations,
  };
  return createHash('sha256').update(canonicalJson(identity)).digest('hex').slice(0, 12);
}

/** `<property>-<model>-<hash>.json`: equal content always gets the same name. */
export function counterexampleFileName(content: Parameters<typeof contentHash>[0]): string {
  return `${content.property}-${content.model}-${contentHash(content)}.json`;
}

/** The file text: two-space indented JSON with the header keys first, and a final newline. */
export function serializeCounterexample(content: CounterexampleFile): string {
  return `${JSON.stringify(content, null, 2)}\n`;
}

// Atomic writes

function writeTempFile(directory: string, name: string, text: string): string {
  const temp = join(directory, `.${name}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  const fd = openSync(temp, 'wx');
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  return temp;
}

/**
 * Writes a file through a temporary file in the same directory and a rename,
 * replacing any old file. A node:fs error is raised again with `path` set to
 * the requested path, not the temporary file's, and the original as `cause`.
 */
export function writeFileAtomically(path: string, text: string): void {
  try {
    mkdirSync(dirname(path), { recursive: true });
    const temp = writeTempFile(dirname(path), basename(path), text);
    try {
      renameSync(temp, path);
    } catch (error) {
      unlinkSync(temp);
      throw error;
    }
  } catch (error) {
    throw errorAtPath(error, path);
  }
}

/** Returns a node:fs error raised again for `path`, with its code and syscall. Other errors are returned unchanged. */
function errorAtPath(error: unknown, path: string): unknown {
  const fsError = error as NodeJS.ErrnoException;
  if (!(error instanceof Error) || typeof fsError.code !== 'string') return error;
  const message = `${fsError.code}: failed to write ${path}`;
  return Object.assign(new Error(message, { cause: error }), { code: fsError.code, syscall: fsError.syscall, path });
}

/**
 * Writes a file through a temporary file unless a file of that name exists.
 * The final link fails when another writer created the file first, so an
 * existing file is never replaced. Returns whether this call created it.
 */
export function writeFileOnce(path: string, text: string): boolean {
  if (existsSync(path)) return false;
  mkdirSync(dirname(path), { recursive: true });
  const temp = writeTempFile(dirname(path), basename(path), text);
  try {
    linkSync(temp, path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  } finally {
    unlinkSync(temp);
  }
}

export interface WrittenFile {
  readonly path: string;
  /** false when a file with the same content hash already existed and was left as it was. */
  readonly created: boolean;
}

/** Stores a counterexample under `directory` by its content name; never rewrites an existing file. */
export function writeCounterexample(directory: string, content: CounterexampleFile): WrittenFile {
  const path = join(directory, counterexampleFileName(content));
  return { path, created: writeFileOnce(path, serializeCounterexample(content)) };
}

// Parsing

const HOW_TO_FIX = 'See docs/scenario-format.md for the format.';

function nameDecoder(what: string, names: readonly string[]): Decoder<string> {
  return (value, path) => {
    const name = nonEmptyString(value, path);
    if (names.includes(name)) return name;
    const guess = closestName(name, names);
    throw new DecodeError(
      path,
      `a ${what} name: ${names.join(', ')}`,
      describeValue(name),
      guess ? `Did you mean "${guess}"?` : undefined,
    );
  };
}

const modelDecoder = nameDecoder('model', MODEL_NAMES) as Decoder<ModelName>;

function patchSetOrNameDecoder(catalogue: readonly PatchSet[]): Decoder<PatchSet> {
  const byName = nameDecoder(
    'catalogue patch set',
    catalogue.map((set) => set.name),
  );
  return (value, path) => {
    if (typeof value !== 'string') return patchSetDecoder(value, path);
    const name = byName(value, path);
    return catalogue.find((set) => set.name === name) as PatchSet;
  };
}

const eventLog = array(array(eventDecoder));

function verdictDecoder(propertyNames: readonly string[]): Decoder<StoredVerdict> {
  return object({
    property: nameDecoder('property', propertyNames),
    rule: string,
    explanation: string,
    steps: array(nonNegativeInteger),
    classification: literal('api-flaw', 'author-error'),
  });
}

function counterexampleDecoder(context: ParseContext): Decoder<CounterexampleFile> {
  const property = nameDecoder('property', context.propertyNames);
  return object({
    format: literal(COUNTEREXAMPLE_FORMAT),
    version: literal(FORMAT_VERSION),
    model: modelDecoder,
    property,
    seed: integer,
    fastCheckSeed: integer,
    path: nullable(string),
    date: string,
    patchSet: patchSetDecoder,
    operations: array(operationDecoder),
    events: eventLog,
    verdict: verdictDecoder(context.propertyNames),
  });
}

function scenarioDecoder(context: ParseContext): Decoder<ScenarioFile> {
  return object(
    {
      format: literal(SCENARIO_FORMAT),
      version: literal(FORMAT_VERSION),
      model: modelDecoder,
      patchSet: patchSetOrNameDecoder(context.catalogue),
      operations: array(operationDecoder),
    },
    { property: nameDecoder('property', context.propertyNames), events: eventLog },
  );
}

/** Cross-field rules that the shape alone does not express. */
function checkConsistency(
  content: { readonly operations: readonly Operation[]; readonly events?: readonly (readonly KernelEvent[])[] },
  verdict: StoredVerdict | undefined,
  property: string | undefined,
): void {
  const count = content.operations.length;
  if (content.events && content.events.length !== count) {
    throw new DecodeError(
      '$.events',
      `one event list per operation (${count})`,
      describeValue(content.events),
      'Remove "events" to replay without comparing, or give one list per operation.',
    );
  }
  if (!verdict) return;
  if (verdict.property !== property) {
    throw new DecodeError('$.verdict.property', JSON.stringify(property), describeValue(verdict.property));
  }
  if (verdict.steps.length === 0) {
    throw new DecodeError('$.verdict.steps', 'at least one step index', 'an empty array');
  }
  verdict.steps.forEach((step, index) => {
    if (step >= count) {
      throw new DecodeError(`$.verdict.steps[${index}]`, `a step index below ${count}`, String(step));
    }
  });
}

/** Converts a JSON.parse position into line and column, for syntax errors. */
function syntaxErrorDetail(text: string, error: SyntaxError): string {
  const match = /position (\d+)/.exec(error.message);
  if (!match) return `invalid JSON: ${error.message}`;
  const position = Number(match[1]);
  const before = text.slice(0, position);
  const line = before.split('\n').length;
  const column = position - before.lastIndexOf('\n');
  return `invalid JSON at line ${line}, column ${column}: ${error.message}`;
}

/** Parses the text of a counterexample or scenario file; throws InputFileError naming the file. */
export function parseInputFile(text: string, file: string, context: ParseContext): InputFile {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    if (error instanceof SyntaxError) throw new InputFileError(file, syntaxErrorDetail(text, error));
    throw error;
  }

  const named = typeof json === 'object' && json !== null ? (json as { format?: unknown }).format : undefined;
  if (named === 'klpcheck-compare') {
    throw new InputFileError(file, '$.format: this is a file of the design comparison. Replay it with "klpcheck compare --replay FILE".');
  }
  try {
    const format = literal(COUNTEREXAMPLE_FORMAT, SCENARIO_FORMAT)(
      typeof json === 'object' && json !== null ? (json as { format?: unknown }).format : json,
      '$.format',
    );
    if (format === COUNTEREXAMPLE_FORMAT) {
      const content = counterexampleDecoder(context)(json, '$');
      checkConsistency(content, content.verdict, content.property);
      checkOperationNames(content.patchSet, content.operations);
      return { kind: 'counterexample', file, content };
    }
    const content = scenarioDecoder(context)(json, '$');
    checkConsistency(content, undefined, content.property);
    checkOperationNames(content.patchSet, content.operations);
    return { kind: 'scenario', file, content };
  } catch (error) {
    if (error instanceof DecodeError) {
      const hint = error.hint ?? HOW_TO_FIX;
      throw new InputFileError(file, `${error.path}: expected ${error.expected}, found ${error.found}. ${hint}`);
    }
    throw error;
  }
}

/** Reads and parses a counterexample or scenario file. */
export function readInputFile(file: string, context: ParseContext): InputFile {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    let reason = String(error);
    if (code === 'ENOENT') reason = 'file not found';
    if (code === 'EISDIR') reason = 'is a directory, not a file';
    throw new InputFileError(file, `${reason}. Give the path of a .json counterexample or scenario file.`);
  }
  return parseInputFile(text, file, context);
}
