/**
 * Divergences between the two designs: one operation sequence runs on a
 * current-API patch set under the current model and on its translation under
 * the redesign, and every difference of observable behaviour falls into one
 * class. The classes are:
 *
 * - refusal: one design refuses an operation that the other accepts;
 * - errno: both designs refuse an operation, with different errnos;
 * - cleanup: after some operation, a pre_unpatch or post_unpatch callback,
 *   or the free of a shadow variable, has run more often in one design,
 *   because it ran in one design only or at a different step;
 * - setup: the same for a pre_patch or post_patch callback;
 * - shadow-left: a shadow variable exists after the last operation in one
 *   design only;
 * - system-variable: a system variable differs from its boot value after
 *   the last operation in one design only;
 * - callback-order: within one operation, the callbacks that ran in both
 *   designs ran in a different order;
 * - verdict: a property that applies to both designs is violated in one
 *   design only.
 *
 * Callbacks are compared by module, klp_object and callback name. A redesign
 * state that the translation made from an object's callbacks counts as that
 * object; any other state counts by its id.
 */
import type { CallbackName, PatchSet } from '../model/definition.ts';
import type { KernelEvent } from '../model/events.ts';
import type { ModuleName, ObjectName } from '../model/ids.ts';
import { objectLabel, patchModule } from '../model/ids.ts';
import type { Operation } from '../model/operations.ts';
import type { ModelName, Trace } from '../model/trace.ts';
import type { SetTranslation } from '../model/translate.ts';
import { judge, type Property } from '../properties/property.ts';

export const DIVERGENCE_CLASSES = [
  'refusal',
  'errno',
  'cleanup',
  'setup',
  'shadow-left',
  'system-variable',
  'callback-order',
  'verdict',
] as const;
export type DivergenceClass = (typeof DIVERGENCE_CLASSES)[number];

export type Design = Extract<ModelName, 'current' | 'redesign'>;
export const DESIGNS: readonly Design[] = ['current', 'redesign'];

/** One value per design. */
export interface DesignPair<T> {
  readonly current: T;
  readonly redesign: T;
}

/** Whose callback ran: an object's (current callbacks, and translated object callbacks), or a klp_state's. */
export type CallbackOwner =
  | { readonly kind: 'object'; readonly object: ObjectName }
  | { readonly kind: 'state'; readonly state: number };

export interface CallbackKey {
  readonly module: ModuleName;
  readonly owner: CallbackOwner;
  readonly callback: CallbackName;
}

export interface CallbackOccurrence {
  readonly step: number;
  readonly key: CallbackKey;
}

/** Something that undoes a patch's work: an unpatch callback, or the free of one shadow variable. */
export type Cleanup =
  | { readonly kind: 'callback'; readonly key: CallbackKey }
  | { readonly kind: 'shadowFree'; readonly obj: string; readonly id: number };

export type Divergence =
  | {
      readonly class: 'refusal' | 'errno';
      readonly step: number;
      readonly op: Operation;
      /** The operation's result, 0 or a negative errno; null when the operation returns none (work items, calls). */
      readonly errno: DesignPair<number | null>;
    }
  | {
      readonly class: 'cleanup';
      /** First step after which it has run a different number of times in the two designs. */
      readonly step: number;
      readonly cleanup: Cleanup;
      /** Steps at which it ran, in each design. */
      readonly steps: DesignPair<readonly number[]>;
    }
  | {
      readonly class: 'setup';
      readonly step: number;
      readonly callback: CallbackKey;
      readonly steps: DesignPair<readonly number[]>;
    }
  | {
      readonly class: 'shadow-left';
      /** The last operation. */
      readonly step: number;
      readonly obj: string;
      readonly id: number;
      readonly leftIn: Design;
    }
  | {
      readonly class: 'system-variable';
      readonly step: number;
      readonly name: string;
      readonly original: number;
      readonly value: DesignPair<number>;
      readonly changedIn: Design;
    }
  | {
      readonly class: 'callback-order';
      readonly step: number;
      /** The callbacks of the step that ran in both designs, each in the order of its design. */
      readonly order: DesignPair<readonly CallbackKey[]>;
      /** Index of the first position at which the two orders differ. */
      readonly position: number;
    }
  | {
      readonly class: 'verdict';
      readonly step: number;
      readonly property: string;
      readonly violatedIn: Design;
      readonly explanation: string;
    };

/** Both designs' runs of one operation sequence. */
export interface PairedRun {
  /** The current-API patch set; the redesign ran `translation.set`. */
  readonly set: PatchSet;
  readonly translation: SetTranslation;
  readonly ops: readonly Operation[];
  readonly traces: DesignPair<Trace>;
}

// Callback keys

function callbackKeyText(key: CallbackKey): string {
  const owner = key.owner.kind === 'object' ? `object ${objectLabel(key.owner.object)}` : `state ${key.owner.state}`;
  return `${key.module}|${owner}|${key.callback}`;
}

/** Returns the owner of a redesign state: the object whose callbacks the translation moved into it, else the state itself. */
function stateOwner(translation: SetTranslation, module: ModuleName, state: number): CallbackOwner {
  const patch = translation.patches.find((p) => p.module === module);
  const origin = patch?.states.find((s) => s.id === state)?.origin;
  return origin?.kind === 'objectCallbacks' ? { kind: 'object', object: origin.object } : { kind: 'state', state };
}

function callbackKeyOf(event: KernelEvent, translation: SetTranslation): CallbackKey | null {
  if (event.type === 'callback') {
    return { module: patchModule(event.patch), owner: { kind: 'object', object: event.object }, callback: event.callback };
  }
  if (event.type === 'stateCallback') {
    const module = patchModule(event.patch);
    return { module, owner: stateOwner(translation, module, event.state), callback: event.callback };
  }
  return null;
}

/** Every callback a trace ran, in order. */
export function callbackOccurrences(trace: Trace, translation: SetTranslation): CallbackOccurrence[] {
  const found: CallbackOccurrence[] = [];
  for (const step of trace.steps) {
    for (const event of step.events) {
      const key = callbackKeyOf(event, translation);
      if (key) found.push({ step: step.index, key });
    }
  }
  return found;
}

const CLEANUP_CALLBACKS: readonly CallbackName[] = ['pre_unpatch', 'post_unpatch'];

// Counting what ran in one design only

interface Tally<K> {
  readonly key: K;
  readonly steps: DesignPair<number[]>;
}

function tally<K>(items: DesignPair<readonly { step: number; key: K }[]>, text: (key: K) => string): Tally<K>[] {
  const byText = new Map<string, Tally<K>>();
  for (const design of DESIGNS) {
    for (const item of items[design]) {
      const id = text(item.key);
      let entry = byText.get(id);
      if (!entry) {
        entry = { key: item.key, steps: { current: [], redesign: [] } };
        byText.set(id, entry);
      }
      entry.steps[design].push(item.step);
    }
  }
  return [...byText.values()];
}

/**
 * Returns the first step after which one design has run the item more often
 * than the other, or null when both ran it at the same steps. Step lists are
 * in increasing order, so at the first index where they differ, the smaller
 * step is the one that has no counterpart yet.
 */
function firstDifferingStep(steps: DesignPair<readonly number[]>): number | null {
  const length = Math.max(steps.current.length, steps.redesign.length);
  for (let i = 0; i < length; i++) {
    const current = steps.current[i];
    const redesign = steps.redesign[i];
    if (current === redesign) continue;
    if (current === undefined) return redesign ?? null;
    if (redesign === undefined) return current;
    return Math.min(current, redesign);
  }
  return null;
}

function unbalanced<K>(tallies: readonly Tally<K>[]): (Tally<K> & { step: number })[] {
  return tallies.flatMap((t) => {
    const step = firstDifferingStep(t.steps);
    return step === null ? [] : [{ ...t, step }];
  });
}

function cleanupText(cleanup: Cleanup): string {
  return cleanup.kind === 'callback' ? callbackKeyText(cleanup.key) : `shadow|${cleanup.obj}|${cleanup.id}`;
}

function cleanupsOf(trace: Trace, translation: SetTranslation): { step: number; key: Cleanup }[] {
  const found: { step: number; key: Cleanup }[] = [];
  for (const step of trace.steps) {
    for (const event of step.events) {
      const key = callbackKeyOf(event, translation);
      if (key && CLEANUP_CALLBACKS.includes(key.callback)) found.push({ step: step.index, key: { kind: 'callback', key } });
      if (event.type === 'shadow' && event.op === 'free' && event.data !== null && event.obj !== null) {
        found.push({ step: step.index, key: { kind: 'shadowFree', obj: event.obj, id: event.id } });
      }
    }
  }
  return found;
}

// Detectors, one per class

type Detector = (run: PairedRun, properties: readonly Property[]) => Divergence[];

/** Returns the errno of the operation's result event, or null when the step has none. */
function resultOf(events: readonly KernelEvent[]): number | null {
  let errno: number | null = null;
  for (const event of events) if (event.type === 'result') errno = event.errno;
  return errno;
}

/** Returns the operations whose results differ, as refusal (one design accepts) or errno (both refuse) divergences. */
function differentResults(run: PairedRun, cls: 'refusal' | 'errno'): Divergence[] {
  return run.ops.flatMap((op, index): Divergence[] => {
    const errno = {
      current: resultOf(run.traces.current.steps[index]?.events ?? []),
      redesign: resultOf(run.traces.redesign.steps[index]?.events ?? []),
    };
    // No result counts as success: a work item or a call is never refused.
    const current = errno.current ?? 0;
    const redesign = errno.redesign ?? 0;
    if (current === redesign) return [];
    const bothRefuse = current !== 0 && redesign !== 0;
    return bothRefuse === (cls === 'errno') ? [{ class: cls, step: index, op, errno }] : [];
  });
}

const cleanups: Detector = (run) => {
  const items = {
    current: cleanupsOf(run.traces.current, run.translation),
    redesign: cleanupsOf(run.traces.redesign, run.translation),
  };
  return unbalanced(tally(items, cleanupText)).map((t) => ({ class: 'cleanup', step: t.step, cleanup: t.key, steps: t.steps }));
};

const setups: Detector = (run) => {
  const setupOnly = (trace: Trace) =>
    callbackOccurrences(trace, run.translation).filter((o) => !CLEANUP_CALLBACKS.includes(o.key.callback));
  const items = { current: setupOnly(run.traces.current), redesign: setupOnly(run.traces.redesign) };
  return unbalanced(tally(items, callbackKeyText)).map((t) => ({ class: 'setup', step: t.step, callback: t.key, steps: t.steps }));
};

function lastWorld(trace: Trace) {
  return trace.steps[trace.steps.length - 1]?.after ?? trace.initial;
}

const shadowsLeft: Detector = (run) => {
  const step = run.ops.length - 1;
  const keys = (trace: Trace) => new Map(lastWorld(trace).shadows.map((s) => [`${s.obj}|${s.id}`, s]));
  const left = { current: keys(run.traces.current), redesign: keys(run.traces.redesign) };
  const found: Divergence[] = [];
  for (const design of DESIGNS) {
    const other = design === 'current' ? left.redesign : left.current;
    for (const [key, entry] of left[design]) {
      if (!other.has(key)) found.push({ class: 'shadow-left', step, obj: entry.obj, id: entry.id, leftIn: design });
    }
  }
  return found;
};

const systemVariables: Detector = (run) => {
  const step = run.ops.length - 1;
  const worlds = { current: lastWorld(run.traces.current), redesign: lastWorld(run.traces.redesign) };
  const found: Divergence[] = [];
  for (const [name, variable] of Object.entries(worlds.current.systemVariables)) {
    const redesign = worlds.redesign.systemVariables[name];
    if (!redesign) continue;
    const changed = { current: variable.value !== variable.original, redesign: redesign.value !== redesign.original };
    if (changed.current === changed.redesign) continue;
    found.push({
      class: 'system-variable',
      step,
      name,
      original: variable.original,
      value: { current: variable.value, redesign: redesign.value },
      changedIn: changed.current ? 'current' : 'redesign',
    });
  }
  return found;
};

/** Keeps, of each key, only as many occurrences as the other list has too, in order. */
function commonKeys(own: readonly CallbackKey[], other: readonly CallbackKey[]): CallbackKey[] {
  const budget = new Map<string, number>();
  for (const key of other) budget.set(callbackKeyText(key), (budget.get(callbackKeyText(key)) ?? 0) + 1);
  return own.filter((key) => {
    const text = callbackKeyText(key);
    const left = budget.get(text) ?? 0;
    if (left === 0) return false;
    budget.set(text, left - 1);
    return true;
  });
}

const callbackOrder: Detector = (run) => {
  const keysOfStep = (trace: Trace, index: number): CallbackKey[] =>
    (trace.steps[index]?.events ?? []).flatMap((event) => callbackKeyOf(event, run.translation) ?? []);
  return run.ops.flatMap((_, index): Divergence[] => {
    const current = keysOfStep(run.traces.current, index);
    const redesign = keysOfStep(run.traces.redesign, index);
    const order = { current: commonKeys(current, redesign), redesign: commonKeys(redesign, current) };
    const position = order.current.findIndex((key, i) => callbackKeyText(key) !== callbackKeyText(order.redesign[i]!));
    return position < 0 ? [] : [{ class: 'callback-order', step: index, order, position }];
  });
};

/** Properties that apply to both designs. */
export function sharedProperties(properties: readonly Property[]): Property[] {
  return properties.filter((p) => p.appliesTo('current') === true && p.appliesTo('redesign') === true);
}

const verdicts: Detector = (run, properties) =>
  sharedProperties(properties).flatMap((property): Divergence[] => {
    const current = judge(property, run.traces.current);
    const redesign = judge(property, run.traces.redesign);
    if (current.status === redesign.status) return [];
    const violatedIn: Design = current.status === 'violated' ? 'current' : 'redesign';
    const verdict = violatedIn === 'current' ? current : redesign;
    if (verdict.status !== 'violated') return [];
    return [
      { class: 'verdict', step: verdict.step, property: property.name, violatedIn, explanation: verdict.violation.explanation },
    ];
  });

const DETECTORS: Record<DivergenceClass, Detector> = {
  refusal: (run) => differentResults(run, 'refusal'),
  errno: (run) => differentResults(run, 'errno'),
  cleanup: cleanups,
  setup: setups,
  'shadow-left': shadowsLeft,
  'system-variable': systemVariables,
  'callback-order': callbackOrder,
  verdict: verdicts,
};

/** Returns the divergences of one class between the two runs. */
export function divergencesOfClass(run: PairedRun, properties: readonly Property[], cls: DivergenceClass): Divergence[] {
  return DETECTORS[cls](run, properties);
}

/** Returns every divergence between the two runs, class by class in DIVERGENCE_CLASSES order. */
export function divergences(run: PairedRun, properties: readonly Property[]): Divergence[] {
  return DIVERGENCE_CLASSES.flatMap((cls) => DETECTORS[cls](run, properties));
}

function isResultDivergence(divergence: Divergence): boolean {
  return divergence.class === 'refusal' || divergence.class === 'errno';
}

/**
 * Keeps the divergences that show before the designs first give an operation
 * different results, so that none of them is a mere consequence of a
 * refusal. That first refusal or errno divergence itself is kept.
 * `results` are the refusal and errno divergences of the same run.
 */
export function independentDivergences(found: readonly Divergence[], results: readonly Divergence[]): Divergence[] {
  const firstResult = Math.min(...results.map((d) => d.step));
  return found.filter((d) => d.step < firstResult || (isResultDivergence(d) && d.step === firstResult));
}

/** Returns the refusal and errno divergences of a run. */
export function resultDivergences(run: PairedRun): Divergence[] {
  return [...differentResults(run, 'refusal'), ...differentResults(run, 'errno')].sort((a, b) => a.step - b.step);
}
