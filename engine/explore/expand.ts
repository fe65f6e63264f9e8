/**
 * Expansion of one explored state: every successor operation is run through
 * the chart interpreter, judged by each property still checked on that branch,
 * recorded for coverage and fingerprinted. The serial search and the workers
 * of the parallel search share it, so both see the same successors in the
 * same order.
 */
import type { ChartImplementation } from '../../model/chart/chart.ts';
import { interpretStep } from '../../model/chart/interpreter.ts';
import { CURRENT_IMPLEMENTATION } from '../../model/current/index.ts';
import type { PatchSet } from '../../model/definition.ts';
import type { Operation } from '../../model/operations.ts';
import { REDESIGN_IMPLEMENTATION } from '../../model/redesign/index.ts';
import type { ModelName, TraceStep } from '../../model/trace.ts';
import type { World } from '../../model/world.ts';
import { initialWorld } from '../../model/world.ts';
import { monitorFingerprint, type Property, type PropertyContext, type Violation } from '../../properties/property.ts';
import { candidateOperations, refusedOperations } from '../generate-operations.ts';
import { CoverageRecorder } from './coverage.ts';
import { StateFingerprinter } from './fingerprint.ts';

/** The statechart of each model, which the explorer runs through the fast interpreter. */
export const CHART_IMPLEMENTATIONS: Readonly<Record<ModelName, ChartImplementation>> = {
  current: CURRENT_IMPLEMENTATION,
  redesign: REDESIGN_IMPLEMENTATION,
};

/** Marks a monitor whose property was violated on this branch and is no longer checked. */
export const VIOLATED = Symbol('violated');

export interface FrontierNode {
  readonly world: World;
  readonly control: string;
  /** One monitor state per checked property, or VIOLATED. */
  readonly monitors: readonly unknown[];
  /** Index of the state in the search's parent links. */
  readonly index: number;
}

export interface Successor {
  readonly op: Operation;
  /** The state the operation leads to; its index is the parent's until the search assigns one. */
  readonly node: FrontierNode;
  readonly fingerprint: string;
  /** Properties this transition violated, among those still checked on the branch. */
  readonly violations: readonly { readonly property: Property; readonly violation: Violation }[];
}

/** Returns the operations explored from a world: those that make sense, then those the kernel is expected to refuse. */
export function successorOperations(set: PatchSet, world: Readonly<World>): Operation[] {
  return [...candidateOperations(set, world), ...refusedOperations(set, world)];
}

/** Expands states of one model and patch set, judging the checked properties. */
export class Expander {
  readonly coverage: CoverageRecorder;
  private readonly impl: ChartImplementation;
  private readonly context: PropertyContext;
  private readonly fingerprinter: StateFingerprinter;

  constructor(
    model: ModelName,
    private readonly set: PatchSet,
    private readonly checked: readonly Property[],
  ) {
    this.impl = CHART_IMPLEMENTATIONS[model];
    this.context = { model, set };
    this.fingerprinter = new StateFingerprinter(set);
    this.coverage = new CoverageRecorder(this.impl);
  }

  private fingerprintOf(control: string, world: World, monitors: readonly unknown[]): string {
    const parts = monitors.map((state, i) => (state === VIOLATED ? 'violated' : monitorFingerprint(this.checked[i] as Property, state)));
    return this.fingerprinter.fingerprint(control, world, parts);
  }

  /** Returns the initial state, at index 0, and its fingerprint; the caller records its control state for coverage. */
  initialNode(): { node: FrontierNode; fingerprint: string } {
    const world = initialWorld(this.set);
    const control = this.impl.controlState(world);
    const monitors = this.checked.map((property) => property.init(this.context));
    return { node: { world, control, monitors, index: 0 }, fingerprint: this.fingerprintOf(control, world, monitors) };
  }

  /** Yields the successors of a state reached in `depth - 1` operations, in the order of successorOperations. */
  *successors(node: FrontierNode, depth: number): Generator<Successor> {
    for (const op of successorOperations(this.set, node.world)) {
      const { world, events, state, taken } = interpretStep(this.impl, this.set, node.world, op);
      this.coverage.record(node.control, op, events, state, taken);
      const step: TraceStep = { index: depth - 1, op, before: node.world, after: world, events };

      const violations: { property: Property; violation: Violation }[] = [];
      const monitors = node.monitors.map((monitor, i) => {
        if (monitor === VIOLATED) return VIOLATED;
        const property = this.checked[i] as Property;
        const judged = property.check(monitor, step, this.context);
        if (!judged.violation) return judged.state;
        violations.push({ property, violation: judged.violation });
        return VIOLATED;
      });

      const fingerprint = this.fingerprintOf(state, world, monitors);
      yield { op, node: { world, control: state, monitors, index: node.index }, fingerprint, violations };
    }
  }
}
