/**
 * Compare files: one minimised divergence between the designs as JSON. The
 * header gives the format, version, divergence class, the run's seed, the
 * index of the sequence in the search, the driver design and the date. The
 * body contains the current-API patch set, the operations, the events of each
 * operation in both designs and the divergences of the class. The redesign
 * runs the translation of the stored patch set, which model/translate.ts
 * recomputes on replay. `klpcheck compare --replay FILE` reruns a file.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { PatchSet } from '../model/definition.ts';
import type { KernelEvent } from '../model/events.ts';
import type { Operation } from '../model/operations.ts';
import type { CompareExample } from './compare.ts';
import { canonicalJson, InputFileError, type WrittenFile, writeFileOnce } from './counterexample.ts';
import {
  array,
  boolean,
  DecodeError,
  type Decoder,
  describeValue,
  integer,
  literal,
  nonNegativeInteger,
  object,
  string,
} from './decode.ts';
import { checkOperationNames, eventDecoder, operationDecoder, patchSetDecoder } from './decode-model.ts';
import { type Design, type DesignPair, type Divergence, DIVERGENCE_CLASSES, type DivergenceClass } from './divergence.ts';

export const COMPARE_FORMAT = 'klpcheck-compare';
export const COMPARE_FORMAT_VERSION = 1;

export interface CompareFile {
  readonly format: typeof COMPARE_FORMAT;
  readonly version: typeof COMPARE_FORMAT_VERSION;
  readonly class: DivergenceClass;
  /** The divergence shows before any operation's result differs; replay then requires that again. */
  readonly independent: boolean;
  /** The --seed of the run that found it. */
  readonly seed: number;
  /** The fast-check seed of the comparison, derived from `seed`. */
  readonly fastCheckSeed: number;
  /** 0-based index of the sequence the example was shrunk from, among the run's sequences. */
  readonly run: number;
  /** The design the operations were generated against. */
  readonly driver: Design;
  /** ISO 8601 time of writing. */
  readonly date: string;
  /** The current-API patch set; the redesign runs its translation. */
  readonly patchSet: PatchSet;
  readonly operations: readonly Operation[];
  /** The events of each operation, one list per operation, in each design. */
  readonly events: DesignPair<readonly (readonly KernelEvent[])[]>;
  /** The divergences of the class when the file was written. */
  readonly divergences: readonly Divergence[];
}

/** Builds the file content of a minimised example. */
export function compareFileContent(example: CompareExample, seed: number): CompareFile {
  const events = (design: Design) => example.paired.traces[design].steps.map((step) => step.events);
  return {
    format: COMPARE_FORMAT,
    version: COMPARE_FORMAT_VERSION,
    class: example.class,
    independent: example.independent,
    seed,
    fastCheckSeed: example.fastCheckSeed,
    run: example.run,
    driver: example.driver,
    date: new Date().toISOString(),
    patchSet: example.paired.set,
    operations: example.paired.ops,
    events: { current: events('current'), redesign: events('redesign') },
    divergences: example.divergences,
  };
}

/** `compare-<class>-<hash>.json`, where the hash covers the class, the patch set and the operations. */
export function compareFileName(content: Pick<CompareFile, 'class' | 'patchSet' | 'operations'>): string {
  const identity = { class: content.class, patchSet: content.patchSet, operations: content.operations };
  const hash = createHash('sha256').update(canonicalJson(identity)).digest('hex').slice(0, 12);
  return `compare-${content.class}-${hash}.json`;
}

/** Stores a compare file under `directory` by its content name; never rewrites an existing file. */
export function writeCompareFile(directory: string, content: CompareFile): WrittenFile {
  const path = join(directory, compareFileName(content));
  return { path, created: writeFileOnce(path, `${JSON.stringify(content, null, 2)}\n`) };
}

// Parsing

/** Checks the `class` key only: replay computes the divergences again and never reads them from the file. */
const divergenceDecoder: Decoder<Divergence> = (value, path) => {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new DecodeError(path, 'a divergence object', describeValue(value));
  }
  literal(...DIVERGENCE_CLASSES)((value as { class?: unknown }).class, `${path}.class`);
  return value as Divergence;
};

const eventLog = array(array(eventDecoder));
const design = literal<Design>('current', 'redesign');

const compareFileDecoder: Decoder<CompareFile> = object({
  format: literal(COMPARE_FORMAT),
  version: literal(COMPARE_FORMAT_VERSION),
  class: literal(...DIVERGENCE_CLASSES),
  independent: boolean,
  seed: integer,
  fastCheckSeed: integer,
  run: nonNegativeInteger,
  driver: design,
  date: string,
  patchSet: patchSetDecoder,
  operations: array(operationDecoder),
  events: object({ current: eventLog, redesign: eventLog }),
  divergences: array(divergenceDecoder),
});

function checkEventCounts(content: CompareFile): void {
  const count = content.operations.length;
  for (const key of ['current', 'redesign'] as const) {
    if (content.events[key].length !== count) {
      throw new DecodeError(`$.events.${key}`, `one event list per operation (${count})`, describeValue(content.events[key]));
    }
  }
}

/** Parses the text of a compare file; throws InputFileError naming the file, the JSON path and the fix. */
export function parseCompareFile(text: string, file: string): CompareFile {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    if (error instanceof SyntaxError) throw new InputFileError(file, `invalid JSON: ${error.message}`);
    throw error;
  }
  try {
    const format = typeof json === 'object' && json !== null ? (json as { format?: unknown }).format : json;
    if (format !== COMPARE_FORMAT) {
      throw new DecodeError(
        '$.format',
        JSON.stringify(COMPARE_FORMAT),
        describeValue(format),
        'Replay counterexample and scenario files with "klpcheck replay" instead.',
      );
    }
    const content = compareFileDecoder(json, '$');
    checkEventCounts(content);
    checkOperationNames(content.patchSet, content.operations);
    return content;
  } catch (error) {
    if (error instanceof DecodeError) {
      const hint = error.hint ?? 'Give a file that "klpcheck compare" wrote; the README describes the format.';
      throw new InputFileError(file, `${error.path}: expected ${error.expected}, found ${error.found}. ${hint}`);
    }
    throw error;
  }
}

/** Reads and parses a compare file. */
export function readCompareFile(file: string): CompareFile {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    let reason = String(error);
    if (code === 'ENOENT') reason = 'file not found';
    if (code === 'EISDIR') reason = 'is a directory, not a file';
    throw new InputFileError(file, `${reason}. Give the path of a compare-<class>-<hash>.json file.`);
  }
  return parseCompareFile(text, file);
}
