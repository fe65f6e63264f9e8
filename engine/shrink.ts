/**
 * Minimisation of a counterexample after fast-check's own shrinking: drops
 * operations, and for generated patch sets drops modules that no operation
 * names, as long as the same property stays violated on the same model. Every
 * accepted candidate is strictly smaller, so the result is never longer than
 * the input.
 */
import type { PatchSet } from '../model/definition.ts';
import type { Operation } from '../model/operations.ts';
import { type Model, runOperations, type Trace } from '../model/trace.ts';
import { judge, type Property, type Violation } from '../properties/property.ts';

export interface ViolatingRun {
  readonly set: PatchSet;
  readonly ops: readonly Operation[];
  readonly trace: Trace;
  readonly violation: Violation;
  /** Index of the operation at which the property first failed. */
  readonly step: number;
}

/**
 * Runs operations and returns the run if the property is violated. A model or
 * property that throws on the candidate counts as not violated: the shrinker
 * must keep the original failure, not trade it for a crash.
 */
export function violatingRun(
  model: Model,
  property: Property,
  set: PatchSet,
  ops: readonly Operation[],
): ViolatingRun | null {
  try {
    const trace = runOperations(model, set, ops);
    const verdict = judge(property, trace);
    if (verdict.status !== 'violated') return null;
    return { set, ops, trace, violation: verdict.violation, step: verdict.step };
  } catch {
    return null;
  }
}

/** Modules an operation names, directly or through its sysfs patch directory. */
function modulesNamedBy(op: Operation): string[] {
  switch (op.type) {
    case 'insmod':
    case 'rmmod':
    case 'write_param':
      return [op.module];
    case 'write_enabled':
    case 'write_force':
    case 'free_work':
      return [op.patch];
    case 'call':
      return op.object === null ? [] : [op.object];
    case 'transition_work':
      return [];
  }
}

/** A candidate of the shrinker: a patch set and operations that still show the failure. */
export interface Shrinkable {
  readonly set: PatchSet;
  readonly ops: readonly Operation[];
}

/** What a shrinker needs to know about one kind of failure. */
export interface ShrinkSearch<R extends Shrinkable> {
  /** Runs the operations and returns the run if it still shows the failure, else null. */
  attempt(set: PatchSet, ops: readonly Operation[]): R | null;
  /** Index of the first operation at which the run shows the failure. */
  failingStep(run: R): number;
}

/** Keeps only the operations up to and including the failing step; later ones cannot matter. */
function truncated<R extends Shrinkable>(search: ShrinkSearch<R>, run: R): R {
  const step = search.failingStep(run);
  if (step + 1 >= run.ops.length) return run;
  return search.attempt(run.set, run.ops.slice(0, step + 1)) ?? run;
}

function withoutOperations<R extends Shrinkable>(search: ShrinkSearch<R>, run: R): R {
  let current = run;
  // From the end backwards, so that an accepted removal never shifts an index still to be tried.
  for (let index = current.ops.length - 1; index >= 0; index--) {
    if (index >= current.ops.length) continue;
    const ops = [...current.ops.slice(0, index), ...current.ops.slice(index + 1)];
    const candidate = search.attempt(current.set, ops);
    if (candidate) current = truncated(search, candidate);
  }
  return current;
}

function withoutUnusedModules<R extends Shrinkable>(search: ShrinkSearch<R>, run: R): R {
  let current = run;
  const named = new Set(current.ops.flatMap(modulesNamedBy));
  for (const def of run.set.modules) {
    if (named.has(def.name)) continue;
    const set: PatchSet = { ...current.set, modules: current.set.modules.filter((m) => m.name !== def.name) };
    current = search.attempt(set, current.ops) ?? current;
  }
  return current;
}

export interface ShrinkOptions {
  /** Drop modules that no operation names; only for generated patch sets, never for catalogue ones. */
  readonly dropUnusedModules: boolean;
}

/**
 * Minimises a violating run until no single operation (or unused module) can
 * be removed. Returns null when the input does not violate the property.
 */
export function shrinkViolation(
  model: Model,
  property: Property,
  set: PatchSet,
  ops: readonly Operation[],
  options: ShrinkOptions,
): ViolatingRun | null {
  const search: ShrinkSearch<ViolatingRun> = {
    attempt: (candidateSet, candidateOps) => violatingRun(model, property, candidateSet, candidateOps),
    failingStep: (run) => run.step,
  };
  const start = search.attempt(set, ops);
  return start ? shrinkRun(search, start, options) : null;
}

/**
 * Minimises a failing run until no single operation (or, with
 * dropUnusedModules, no unused module) can be removed. Every accepted
 * candidate is smaller, so the result is never longer than the start.
 */
export function shrinkRun<R extends Shrinkable>(search: ShrinkSearch<R>, start: R, options: ShrinkOptions): R {
  let current = truncated(search, start);
  for (;;) {
    const opsBefore = current.ops.length;
    const modulesBefore = current.set.modules.length;
    current = withoutOperations(search, current);
    if (options.dropUnusedModules) current = withoutUnusedModules(search, current);
    if (current.ops.length === opsBefore && current.set.modules.length === modulesBefore) return current;
  }
}
