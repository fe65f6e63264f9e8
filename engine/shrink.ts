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

/** Keeps only the operations up to and including the violating step; later ones cannot matter. */
function truncated(run: ViolatingRun, model: Model, property: Property): ViolatingRun {
  if (run.step + 1 >= run.ops.length) return run;
  return violatingRun(model, property, run.set, run.ops.slice(0, run.step + 1)) ?? run;
}

function withoutOperations(run: ViolatingRun, model: Model, property: Property): ViolatingRun {
  let current = run;
  // From the end backwards, so that an accepted removal never shifts an index still to be tried.
  for (let index = current.ops.length - 1; index >= 0; index--) {
    if (index >= current.ops.length) continue;
    const ops = [...current.ops.slice(0, index), ...current.ops.slice(index + 1)];
    const candidate = violatingRun(model, property, current.set, ops);
    if (candidate) current = truncated(candidate, model, property);
  }
  return current;
}

function withoutUnusedModules(run: ViolatingRun, model: Model, property: Property): ViolatingRun {
  let current = run;
  const named = new Set(current.ops.flatMap(modulesNamedBy));
  for (const def of run.set.modules) {
    if (named.has(def.name)) continue;
    const set: PatchSet = { ...current.set, modules: current.set.modules.filter((m) => m.name !== def.name) };
    const candidate = violatingRun(model, property, set, current.ops);
    if (candidate) current = candidate;
  }
  return current;
}

function size(run: ViolatingRun): [number, number] {
  return [run.ops.length, run.set.modules.length];
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
  const start = violatingRun(model, property, set, ops);
  if (!start) return null;

  let current = truncated(start, model, property);
  for (;;) {
    const [opsBefore, modulesBefore] = size(current);
    current = withoutOperations(current, model, property);
    if (options.dropUnusedModules) current = withoutUnusedModules(current, model, property);
    const [opsAfter, modulesAfter] = size(current);
    if (opsAfter === opsBefore && modulesAfter === modulesBefore) return current;
  }
}
