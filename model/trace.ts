/** Traces: the steps of one run of operations through a model. */
import type { PatchSet } from './definition.ts';
import type { KernelEvent } from './events.ts';
import type { Operation } from './operations.ts';
import type { World } from './world.ts';

export type ModelName = 'current' | 'redesign';
export const MODEL_NAMES: readonly ModelName[] = ['current', 'redesign'];

export interface StepResult {
  readonly world: World;
  readonly events: readonly KernelEvent[];
}

/** A livepatch design: its initial world and its pure step function. */
export interface Model {
  readonly name: ModelName;
  readonly title: string;
  initial(set: PatchSet): World;
  step(set: PatchSet, world: Readonly<World>, op: Operation): StepResult;
}

export interface TraceStep {
  /** 0-based position of the operation in the sequence. */
  readonly index: number;
  readonly op: Operation;
  readonly before: Readonly<World>;
  readonly after: Readonly<World>;
  readonly events: readonly KernelEvent[];
}

export interface Trace {
  readonly model: ModelName;
  readonly set: PatchSet;
  readonly initial: Readonly<World>;
  readonly steps: readonly TraceStep[];
}

/** Runs operations one after another and records every step. */
export function runOperations(model: Model, set: PatchSet, ops: readonly Operation[]): Trace {
  const initial = model.initial(set);
  const steps: TraceStep[] = [];
  let world: Readonly<World> = initial;
  ops.forEach((op, index) => {
    const { world: after, events } = model.step(set, world, op);
    steps.push({ index, op, before: world, after, events });
    world = after;
  });
  return { model: model.name, set, initial, steps };
}
