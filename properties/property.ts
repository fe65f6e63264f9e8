/**
 * Properties judge traces. Each is a monitor: a small state folded over the
 * steps, which reports a violation at the first step that breaks the rule.
 */
import type { PatchSet } from '../model/definition.ts';
import type { ModelName, TraceStep, Trace } from '../model/trace.ts';

export interface Violation {
  /** What went wrong, in kernel words, naming patches, objects and shadow keys. */
  readonly explanation: string;
  /** Indexes of the steps involved, the violating step last. */
  readonly steps: readonly number[];
}

export type Verdict =
  | { readonly status: 'holds' }
  | { readonly status: 'violated'; readonly violation: Violation; readonly step: number };

export interface PropertyContext {
  readonly model: ModelName;
  readonly set: PatchSet;
}

export interface Property<S = unknown> {
  /** Stable kebab-case name, used on the command line and in files. */
  readonly name: string;
  readonly title: string;
  /** The rule, as a sentence a kernel developer can check against the kernel. */
  readonly rule: string;
  /** true, or the reason the property does not apply to a model. */
  appliesTo(model: ModelName): true | string;
  init(context: PropertyContext): S;
  /** Judges one step; returns the next monitor state and a violation if the step breaks the rule. */
  check(state: S, step: TraceStep, context: PropertyContext): { state: S; violation?: Violation };
  /**
   * The part of a monitor state that can change a later verdict, for a world
   * fingerprint. Step indexes that a monitor keeps only to explain a violation
   * are left out, so that two paths to the same world compare equal.
   * Without it, the whole state counts.
   */
  fingerprint?(state: S): unknown;
}

/** Returns the fingerprint part of a monitor state: `fingerprint` if the property has one, else the state itself. */
export function monitorFingerprint<S>(property: Property<S>, state: S): unknown {
  return property.fingerprint ? property.fingerprint(state) : state;
}

/** Folds a property over a whole trace and returns its verdict at the first violation. */
export function judge<S>(property: Property<S>, trace: Trace): Verdict {
  const context: PropertyContext = { model: trace.model, set: trace.set };
  let state = property.init(context);
  for (const step of trace.steps) {
    const result = property.check(state, step, context);
    if (result.violation) return { status: 'violated', violation: result.violation, step: step.index };
    state = result.state;
  }
  return { status: 'holds' };
}
