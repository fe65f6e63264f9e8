/**
 * Writes the canonical text of a state in one pass: the JSON text of the
 * control state, the compact world and the monitor fingerprints, with the
 * names the model makes up renamed in order of first appearance.
 *
 * The text is the one JSON.stringify would give for the compact form
 * (fingerprint.ts describes it), renamed by one pattern over the whole text.
 * Writing it directly saves building the compact form and a second scan of
 * the text. Each JSON string is renamed as it is written, and a made-up name
 * never spans a string boundary, so the renaming meets the names in the same
 * order as a scan of the whole text would.
 */
import type { FuncInstance, ObjectInstance, PatchInstance, StateInstance, World } from '../../model/world.ts';

/** Characters that may need escaping in JSON: quote, backslash, control characters, and surrogates (JSON.stringify escapes the unpaired ones). */
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;

/**
 * Renames patch ids per module and pointer names, each in order of first
 * appearance. The renaming is one bijection over the whole text, so equal
 * results mean the states are equal up to names that are only compared for
 * equality. A fresh name stays fresh after renaming, because the counters
 * that make new names always exceed every name in use.
 */
export class Renamer {
  private readonly names = new Map<string, string>();
  private readonly loadsPerModule = new Map<string, number>();
  private pointers = 0;
  /** The callback of String.prototype.replace for the made-up name pattern. */
  readonly replace = (whole: string, module: string | undefined, prefix: string | undefined): string => {
    const known = this.names.get(whole);
    if (known !== undefined) return known;
    let name: string;
    if (module !== undefined) {
      const load = (this.loadsPerModule.get(module) ?? 0) + 1;
      this.loadsPerModule.set(module, load);
      name = `${module}#${load}`;
    } else {
      this.pointers += 1;
      name = `${prefix}${this.pointers}`;
    }
    this.names.set(whole, name);
    return name;
  };
}

/** Tells whether a JSON string can hold a made-up name: a patch id has `#`, a pointer name starts `shadow` or `buf`. */
function mayHoldName(text: string): boolean {
  return text.includes('#') || text.includes('shadow') || text.includes('buf');
}

export class CanonicalWriter {
  private text = '';

  constructor(
    private readonly pattern: RegExp,
    private readonly renamer: Renamer,
  ) {}

  result(): string {
    return this.text;
  }

  raw(text: string): void {
    this.text += text;
  }

  /** Writes JSON text that may hold made-up names, renaming them. */
  json(text: string): void {
    this.text += mayHoldName(text) ? text.replace(this.pattern, this.renamer.replace) : text;
  }

  string(value: string): void {
    this.json(NEEDS_ESCAPE.test(value) ? JSON.stringify(value) : `"${value}"`);
  }

  /** Writes a value as JSON.stringify would: arrays and plain objects recursively, undefined members skipped. */
  value(value: unknown): void {
    if (typeof value === 'string') this.string(value);
    else if (typeof value === 'number') this.text += Number.isFinite(value) ? String(value) : 'null';
    else if (typeof value === 'boolean') this.text += value ? 'true' : 'false';
    else if (value === null || value === undefined || typeof value !== 'object') this.text += 'null';
    else if (Array.isArray(value)) this.array(value);
    else this.object(value as Readonly<Record<string, unknown>>);
  }

  private array(items: readonly unknown[]): void {
    this.text += '[';
    for (let i = 0; i < items.length; i++) {
      if (i > 0) this.text += ',';
      const item = items[i];
      if (item === undefined || typeof item === 'function') this.text += 'null';
      else this.value(item);
    }
    this.text += ']';
  }

  private object(record: Readonly<Record<string, unknown>>): void {
    this.text += '{';
    let first = true;
    for (const key of Object.keys(record)) {
      const member = record[key];
      if (member === undefined || typeof member === 'function') continue;
      if (!first) this.text += ',';
      first = false;
      this.string(key);
      this.text += ':';
      this.value(member);
    }
    this.text += '}';
  }

  /** Writes a record as the list of its [key, value] entries in key order. */
  sortedRecord(record: Readonly<Record<string, unknown>>): void {
    this.text += '[';
    const keys = Object.keys(record).sort();
    for (let i = 0; i < keys.length; i++) {
      if (i > 0) this.text += ',';
      const key = keys[i] as string;
      this.text += '[';
      this.string(key);
      this.text += ',';
      this.value(record[key]);
      this.text += ']';
    }
    this.text += ']';
  }

  /** Writes a patch instance in its compact form: rank in place of the enable order, funcs by definition index. */
  patch(patch: Readonly<PatchInstance>, rank: number): void {
    this.text += '[';
    this.string(patch.id);
    this.text += ',';
    this.string(patch.module);
    this.text += `,${patch.replace},${rank},${patch.enabled},${patch.forced},`;
    this.string(patch.phase);
    this.text += ',[';
    patch.objects.forEach((object, i) => {
      if (i > 0) this.text += ',';
      this.objectInstance(object);
    });
    this.text += '],[';
    patch.states.forEach((state, i) => {
      if (i > 0) this.text += ',';
      this.state(state);
    });
    this.text += ']]';
  }

  private objectInstance(object: Readonly<ObjectInstance>): void {
    this.text += '[';
    this.value(object.name);
    this.text += `,${object.dynamic},${object.defIndex},${object.loaded},${object.patched},${object.postUnpatchEnabled},[`;
    object.funcs.forEach((func, i) => {
      if (i > 0) this.text += ',';
      this.func(func);
    });
    this.text += ']]';
  }

  private func(func: Readonly<FuncInstance>): void {
    if (!func.nop) {
      this.text += `[${func.defIndex},${func.patched},${func.transition}]`;
      return;
    }
    this.text += '[';
    this.string(func.oldName);
    this.text += `,${func.sympos},${func.patched},${func.transition}]`;
  }

  private state(state: Readonly<StateInstance>): void {
    this.text += `[${state.id},${state.version},`;
    this.value(state.data);
    this.text += `,${state.blockDisable},${state.isShadow},${state.prePatchSucceeded},${state.defIndex}]`;
  }

  /** Writes the parts of a world after its patches, in the order of the compact form. */
  worldRest(world: Readonly<World>): void {
    this.value(world.klpPatches);
    this.text += ',';
    this.value(world.transition);
    this.text += ',';
    this.sortedRecord(world.modules);
    this.text += ',';
    this.sortedRecord(world.funcStacks);
    this.text += ',';
    this.value(world.shadows);
    this.text += ',';
    this.sortedRecord(world.systemVariables);
    this.text += ',';
    this.sortedRecord(world.buffers);
    this.text += ',';
    this.sortedRecord(world.parents);
    this.text += ',';
    this.value(world.warnedOnce);
    this.text += `,${world.preUnpatchReplacedCalled}`;
  }
}
