/**
 * Decoders: small typed parsers for JSON values read from files. Each decoder
 * either returns a value of its type or throws a DecodeError that names the
 * JSON path of the bad value, what was expected there and what was found.
 */

/** A JSON value did not have the expected shape. */
export class DecodeError extends Error {
  constructor(
    /** JSON path of the bad value, such as `$.operations[2].type`. */
    readonly path: string,
    /** Description of the valid values, such as `"insmod" or "rmmod"`. */
    readonly expected: string,
    /** A short rendering of the value found, or `nothing` for a missing key. */
    readonly found: string,
    /** Advice on how to fix the file. */
    readonly hint?: string,
  ) {
    super(`${path}: expected ${expected}, found ${found}${hint ? `. ${hint}` : ''}`);
    this.name = 'DecodeError';
  }
}

export type Decoder<T> = (value: unknown, path: string) => T;

/** Renders a JSON value briefly for error messages. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return `an array of ${value.length} element${value.length === 1 ? '' : 's'}`;
  if (typeof value === 'object') return 'an object';
  const text = JSON.stringify(value);
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}

function quoteList(values: readonly (string | number | boolean | null)[]): string {
  const quoted = values.map((v) => JSON.stringify(v));
  if (quoted.length <= 1) return quoted.join('');
  return `${quoted.slice(0, -1).join(', ')} or ${quoted[quoted.length - 1]}`;
}

export const string: Decoder<string> = (value, path) => {
  if (typeof value !== 'string') throw new DecodeError(path, 'a string', describeValue(value));
  return value;
};

export const nonEmptyString: Decoder<string> = (value, path) => {
  if (typeof value !== 'string' || value === '') throw new DecodeError(path, 'a non-empty string', describeValue(value));
  return value;
};

export const boolean: Decoder<boolean> = (value, path) => {
  if (typeof value !== 'boolean') throw new DecodeError(path, 'true or false', describeValue(value));
  return value;
};

export const integer: Decoder<number> = (value, path) => {
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) {
    throw new DecodeError(path, 'an integer', describeValue(value));
  }
  return value;
};

export const nonNegativeInteger: Decoder<number> = (value, path) => {
  const n = integer(value, path);
  if (n < 0) throw new DecodeError(path, 'an integer of 0 or more', describeValue(value));
  return n;
};

/** Accepts one of a fixed set of strings, numbers or booleans. */
export function literal<const T extends string | number | boolean | null>(...values: readonly T[]): Decoder<T> {
  return (value, path) => {
    if (!values.includes(value as T)) throw new DecodeError(path, quoteList(values), describeValue(value));
    return value as T;
  };
}

export function nullable<T>(decoder: Decoder<T>): Decoder<T | null> {
  return (value, path) => {
    if (value === null) return null;
    try {
      return decoder(value, path);
    } catch (error) {
      if (!(error instanceof DecodeError) || error.path !== path) throw error;
      throw new DecodeError(path, `${error.expected} or null`, error.found, error.hint);
    }
  };
}

export function array<T>(item: Decoder<T>): Decoder<T[]> {
  return (value, path) => {
    if (!Array.isArray(value)) throw new DecodeError(path, 'an array', describeValue(value));
    return value.map((element, index) => item(element, `${path}[${index}]`));
  };
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Appends a key to a JSON path, quoting keys that are not identifiers. */
export function childPath(path: string, key: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`;
}

/** Accepts an object whose values all have one type, such as module parameters. */
export function record<T>(item: Decoder<T>): Decoder<Record<string, T>> {
  return (value, path) => {
    if (!isPlainObject(value)) throw new DecodeError(path, 'an object', describeValue(value));
    const result: Record<string, T> = {};
    for (const [key, element] of Object.entries(value)) result[key] = item(element, childPath(path, key));
    return result;
  };
}

type Fields = Record<string, Decoder<unknown>>;
type Decoded<F extends Fields> = { [K in keyof F]: F[K] extends Decoder<infer T> ? T : never };

/** Levenshtein distance, for "did you mean" hints on misspelt keys and names. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

/** Returns the candidate closest to a misspelt name, when it is close enough to be a likely typo. */
export function closestName(name: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const distance = editDistance(name.toLowerCase(), candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return bestDistance <= Math.max(2, Math.floor(name.length / 3)) ? best : undefined;
}

/**
 * Accepts a JSON object with required and optional keys. Unknown keys are rejected, so
 * that a misspelt optional key does not pass unnoticed.
 */
export function object<R extends Fields, O extends Fields = Record<never, never>>(
  required: R,
  optional?: O,
): Decoder<Decoded<R> & Partial<Decoded<O>>> {
  const known = [...Object.keys(required), ...Object.keys(optional ?? {})];
  return (value, path) => {
    if (!isPlainObject(value)) throw new DecodeError(path, 'an object', describeValue(value));

    for (const key of Object.keys(value)) {
      if (known.includes(key)) continue;
      const guess = closestName(key, known);
      throw new DecodeError(
        childPath(path, key),
        `no key of this name (valid keys: ${known.join(', ')})`,
        'an unknown key',
        guess ? `Did you mean "${guess}"?` : 'Remove it.',
      );
    }

    const result: Record<string, unknown> = {};
    for (const [key, decoder] of Object.entries(required)) {
      if (!(key in value)) throw new DecodeError(childPath(path, key), describeExpectation(decoder), 'nothing');
      result[key] = decoder(value[key], childPath(path, key));
    }
    for (const [key, decoder] of Object.entries(optional ?? {})) {
      if (key in value && value[key] !== undefined) result[key] = decoder(value[key], childPath(path, key));
    }
    return result as Decoded<R> & Partial<Decoded<O>>;
  };
}

/** Returns what a decoder expects, by running it on a missing value, which no field decoder accepts. */
function describeExpectation(decoder: Decoder<unknown>): string {
  try {
    decoder(undefined, '$');
  } catch (error) {
    if (error instanceof DecodeError) return error.expected;
  }
  return 'a value';
}

/**
 * Accepts a tagged union: the value of `key` picks the decoder for the whole
 * object. Each variant decoder receives the whole object, tag included.
 */
export function tagged<T>(key: string, variants: Readonly<Record<string, Decoder<T>>>): Decoder<T> {
  const tags = Object.keys(variants);
  return (value, path) => {
    if (!isPlainObject(value)) throw new DecodeError(path, `an object with a "${key}" key`, describeValue(value));
    const tag = value[key];
    const variant = typeof tag === 'string' ? variants[tag] : undefined;
    if (!variant) {
      const guess = typeof tag === 'string' ? closestName(tag, tags) : undefined;
      throw new DecodeError(
        childPath(path, key),
        quoteList(tags),
        describeValue(tag),
        guess ? `Did you mean "${guess}"?` : undefined,
      );
    }
    return variant(value, path);
  };
}

/** Builds a decoder on first use, for recursive types such as statements inside `if`. */
export function lazy<T>(build: () => Decoder<T>): Decoder<T> {
  let decoder: Decoder<T> | undefined;
  return (value, path) => {
    decoder ??= build();
    return decoder(value, path);
  };
}

/** Applies a function to the decoded value, for brands and normalisation. */
export function map<A, B>(decoder: Decoder<A>, convert: (value: A) => B): Decoder<B> {
  return (value, path) => convert(decoder(value, path));
}

/** Tries two decoders in order. When both reject the value, the error names both expectations. */
export function either<A, B>(first: Decoder<A>, second: Decoder<B>): Decoder<A | B> {
  return (value, path) => {
    try {
      return first(value, path);
    } catch (firstError) {
      if (!(firstError instanceof DecodeError)) throw firstError;
      try {
        return second(value, path);
      } catch (secondError) {
        if (!(secondError instanceof DecodeError)) throw secondError;
        // Report the deeper error: it is the one inside the shape the author meant.
        if (secondError.path.length > path.length) throw secondError;
        if (firstError.path.length > path.length) throw firstError;
        throw new DecodeError(path, `${firstError.expected}, or ${secondError.expected}`, describeValue(value));
      }
    }
  };
}
