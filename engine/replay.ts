/**
 * Replay of counterexample and scenario files: runs the stored operations
 * through a model, judges every property, and for counterexamples reports
 * whether the stored verdict is reproduced and how the events changed.
 */
import type { PatchSet } from '../model/definition.ts';
import type { KernelEvent } from '../model/events.ts';
import type { Operation } from '../model/operations.ts';
import type { Model, ModelName, Trace, TraceStep } from '../model/trace.ts';
import type { World } from '../model/world.ts';
import { judge, type Property, type Verdict } from '../properties/property.ts';
import { canonicalJson, type InputFile, type StoredVerdict } from './counterexample.ts';
import { TRANSLATED_PREFIX, translatedForRedesign } from './sources.ts';

export type PropertyOutcome =
  | { readonly status: 'judged'; readonly property: Property; readonly verdict: Verdict }
  | { readonly status: 'not-applicable'; readonly property: Property; readonly reason: string }
  | { readonly status: 'error'; readonly property: Property; readonly message: string };

/** The model's run of the operations: complete, or stopped by an exception at one step. */
export type RunOutcome =
  | { readonly status: 'completed'; readonly trace: Trace; readonly properties: readonly PropertyOutcome[] }
  | {
      readonly status: 'crashed';
      /** The steps that ran before the failing one. */
      readonly trace: Trace;
      readonly step: number;
      readonly message: string;
      readonly stack: string | null;
    };

export interface EventComparison {
  readonly equal: boolean;
  /** Index of the first operation whose events differ, or null when they are equal. */
  readonly firstDifference: number | null;
  readonly stored: readonly (readonly KernelEvent[])[];
  readonly replayed: readonly (readonly KernelEvent[])[];
}

export interface Reproduction {
  readonly stored: StoredVerdict;
  /** The stored property's verdict now, or null when the run crashed or the property does not apply. */
  readonly now: Verdict | null;
  /** The same property is violated at the same step as stored. */
  readonly reproduced: boolean;
}

export interface ReplayResult {
  readonly input: InputFile;
  readonly model: ModelName;
  /** The file's model differs from the one replayed (--model). */
  readonly modelOverridden: boolean;
  readonly set: PatchSet;
  readonly ops: readonly Operation[];
  readonly run: RunOutcome;
  /** Counterexamples only. */
  readonly reproduction: Reproduction | null;
  /** Stored events against replayed ones; null when the file stores none. */
  readonly events: EventComparison | null;
  /**
   * Whether the replay passed. It passes when the model did not throw, and
   * additionally the stored verdict of a counterexample is reproduced, or the
   * stored events of a scenario are equal to the replayed ones.
   */
  readonly passed: boolean;
}

/** The model a file names is not available in this build of klpcheck. */
export class ModelUnavailableError extends Error {
  constructor(
    readonly model: ModelName,
    readonly available: readonly ModelName[],
  ) {
    super(`model "${model}" is not available; available models: ${available.join(', ')}`);
    this.name = 'ModelUnavailableError';
  }
}

/** A file written for the redesign cannot be replayed on the current API, whose patch modules it does not describe. */
export class ModelMismatchError extends Error {
  constructor(readonly model: ModelName) {
    super(`the file is written for the redesign; the current API has no klp_state callbacks or is_shadow states to run it on. Leave out --model to replay it on the redesign.`);
    this.name = 'ModelMismatchError';
  }
}

/**
 * Chooses the patch set to replay a file on: its own on its own model. A current-API
 * file replayed on the redesign runs on the set's translation, as check runs
 * the catalogue on the redesign.
 */
function patchSetFor(input: InputFile, model: ModelName): PatchSet {
  const { patchSet, model: own } = input.content;
  if (model === own) return patchSet;
  if (own === 'current') return { ...translatedForRedesign(patchSet), name: `${TRANSLATED_PREFIX}${patchSet.name}` };
  throw new ModelMismatchError(model);
}

export interface ReplayContext {
  readonly models: Partial<Record<ModelName, Model>>;
  readonly properties: readonly Property[];
}

/** Like runOperations, but keeps the steps before an exception and reports where it happened. */
function runStepwise(model: Model, set: PatchSet, ops: readonly Operation[]): RunOutcome | { trace: Trace } {
  const initial = model.initial(set);
  const steps: TraceStep[] = [];
  let world: Readonly<World> = initial;
  for (const [index, op] of ops.entries()) {
    try {
      const { world: after, events } = model.step(set, world, op);
      steps.push({ index, op, before: world, after, events });
      world = after;
    } catch (error) {
      return {
        status: 'crashed',
        trace: { model: model.name, set, initial, steps },
        step: index,
        message: error instanceof Error ? error.message : String(error),
        stack: error instanceof Error ? (error.stack ?? null) : null,
      };
    }
  }
  return { trace: { model: model.name, set, initial, steps } };
}

function judgeAll(properties: readonly Property[], trace: Trace): PropertyOutcome[] {
  return properties.map((property): PropertyOutcome => {
    const applies = property.appliesTo(trace.model);
    if (applies !== true) return { status: 'not-applicable', property, reason: applies };
    try {
      return { status: 'judged', property, verdict: judge(property, trace) };
    } catch (error) {
      return { status: 'error', property, message: error instanceof Error ? error.message : String(error) };
    }
  });
}

/** Compares two event logs step by step, by canonical JSON. */
export function compareEvents(
  stored: readonly (readonly KernelEvent[])[],
  replayed: readonly (readonly KernelEvent[])[],
): EventComparison {
  const length = Math.max(stored.length, replayed.length);
  for (let index = 0; index < length; index++) {
    if (canonicalJson(stored[index] ?? null) !== canonicalJson(replayed[index] ?? null)) {
      return { equal: false, firstDifference: index, stored, replayed };
    }
  }
  return { equal: true, firstDifference: null, stored, replayed };
}

function reproductionOf(stored: StoredVerdict, run: RunOutcome): Reproduction {
  if (run.status !== 'completed') return { stored, now: null, reproduced: false };
  const outcome = run.properties.find((p) => p.property.name === stored.property);
  const now = outcome?.status === 'judged' ? outcome.verdict : null;
  const storedStep = stored.steps[stored.steps.length - 1];
  const reproduced = now?.status === 'violated' && now.step === storedStep;
  return { stored, now, reproduced };
}

/**
 * Replays a parsed file on its own model, or on `modelName` when given.
 * Throws ModelUnavailableError when that model is not available.
 */
export function replayFile(input: InputFile, context: ReplayContext, modelName?: ModelName): ReplayResult {
  const name = modelName ?? input.content.model;
  const model = context.models[name];
  if (!model) throw new ModelUnavailableError(name, Object.keys(context.models) as ModelName[]);

  const set = patchSetFor(input, name);
  const ops = input.content.operations;
  const stepwise = runStepwise(model, set, ops);
  const run: RunOutcome =
    'status' in stepwise
      ? stepwise
      : { status: 'completed', trace: stepwise.trace, properties: judgeAll(context.properties, stepwise.trace) };

  const replayedEvents = run.trace.steps.map((step) => step.events);
  const storedEvents = input.content.events;
  const events = storedEvents ? compareEvents(storedEvents, replayedEvents) : null;

  const reproduction = input.kind === 'counterexample' ? reproductionOf(input.content.verdict, run) : null;
  let passed = run.status === 'completed';
  if (reproduction) passed &&= reproduction.reproduced;
  else if (events) passed &&= events.equal;

  return {
    input,
    model: name,
    modelOverridden: name !== input.content.model,
    set,
    ops,
    run,
    reproduction,
    events,
    passed,
  };
}
