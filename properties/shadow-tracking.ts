/**
 * Bookkeeping shared by the shadow-variable monitors: the step at which each
 * live shadow variable was allocated, and the step at which a parent object of
 * a live shadow variable was released. Only live variables and their parents
 * are kept, so the state stays as small as the shadow table.
 */
import type { TraceStep } from '../model/trace.ts';
import type { ShadowEntry, World } from '../model/world.ts';
import { shadowKey } from './describe.ts';

export interface ShadowHistory {
  /** Allocation step of every shadow variable in the table, by `shadowKey`. */
  readonly allocated: Readonly<Record<string, number>>;
  /** Release step of each released parent that a live shadow variable still names. */
  readonly parentReleased: Readonly<Record<string, number>>;
}

export const EMPTY_SHADOW_HISTORY: ShadowHistory = { allocated: {}, parentReleased: {} };

/** Identity of one shadow variable: its key plus its data pointer, which a new allocation changes. */
function entryIdentity(entry: Readonly<ShadowEntry>): string {
  return `${shadowKey(entry.obj, entry.id)}|${entry.data}`;
}

/** Tells whether two shadow tables hold the same variables, with the same data pointers, in the same order. */
function sameShadows(before: readonly ShadowEntry[], after: readonly ShadowEntry[]): boolean {
  if (before === after) return true;
  if (before.length !== after.length) return false;
  for (let i = 0; i < before.length; i++) {
    const a = before[i]!;
    const b = after[i]!;
    if (a.obj !== b.obj || a.id !== b.id || a.data !== b.data) return false;
  }
  return true;
}

/** Shadow variables present before the step and gone (or replaced by a new allocation) after it. */
export function removedShadows(before: Readonly<World>, after: Readonly<World>): ShadowEntry[] {
  if (sameShadows(before.shadows, after.shadows)) return [];
  const remaining = new Set(after.shadows.map(entryIdentity));
  return before.shadows.filter((entry) => !remaining.has(entryIdentity(entry)));
}

/** Shadow variables present after the step that were not present before it. */
export function addedShadows(before: Readonly<World>, after: Readonly<World>): ShadowEntry[] {
  if (sameShadows(before.shadows, after.shadows)) return [];
  const existing = new Set(before.shadows.map(entryIdentity));
  return after.shadows.filter((entry) => !existing.has(entryIdentity(entry)));
}

/** Folds one step into the history: new variables get this step, removed ones are dropped. */
export function updateShadowHistory(history: ShadowHistory, step: TraceStep): ShadowHistory {
  if (isUnchanged(history, step)) return history;
  const allocated: Record<string, number> = {};
  const added = new Set(addedShadows(step.before, step.after).map((entry) => shadowKey(entry.obj, entry.id)));
  for (const entry of step.after.shadows) {
    const key = shadowKey(entry.obj, entry.id);
    allocated[key] = added.has(key) ? step.index : (history.allocated[key] ?? step.index);
  }

  const parentReleased: Record<string, number> = {};
  const named = new Set(step.after.shadows.map((entry) => entry.obj));
  for (const [parent, at] of Object.entries(history.parentReleased)) {
    if (named.has(parent)) parentReleased[parent] = at;
  }
  for (const event of step.events) {
    if (event.type === 'parent' && event.op === 'release' && named.has(event.parent)) {
      parentReleased[event.parent] = step.index;
    }
  }
  return { allocated, parentReleased };
}

/**
 * Tells whether a step leaves the history as it is: the same shadow table, no
 * parent released, and a history that dates exactly the variables of the table.
 */
function isUnchanged(history: ShadowHistory, step: TraceStep): boolean {
  if (!sameShadows(step.before.shadows, step.after.shadows)) return false;
  if (Object.keys(history.allocated).length !== step.after.shadows.length) return false;
  for (const event of step.events) {
    if (event.type === 'parent' && event.op === 'release') return false;
  }
  return true;
}
