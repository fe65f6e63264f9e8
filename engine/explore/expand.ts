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
  readonly fingerprint: string;
  /** JSON text of the monitors' fingerprints, which a successor compares with its own. */
  readonly monitorsJson: string;
}

/** A state's fingerprint, with the JSON text of the part its monitors add. */
export interface Fingerprinted {
  readonly fingerprint: string;
  readonly monitorsJson: string;
}

/** The parts of a parent state that decide whether a successor is the same state. */
interface Parent extends Fingerprinted {
  readonly world: Readonly<World>;
  readonly control: string;
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

/**
 * The monitor states of the checked properties along one branch: advancing
 * them over a step judges it, and their fingerprints join the world's in the
 * state's fingerprint. The explorer and the benchmark's baselines share it, so
 * that all of them judge and merge states the same way.
 */
export class MonitorBank {
  private readonly fingerprinter: StateFingerprinter;

  constructor(
    private readonly checked: readonly Property[],
    private readonly context: PropertyContext,
  ) {
    this.fingerprinter = new StateFingerprinter(context.set);
  }

  get set(): PatchSet {
    return this.context.set;
  }

  initial(): unknown[] {
    return this.checked.map((property) => property.init(this.context));
  }

  /** Judges one step with every property still checked; a violated property's monitor becomes VIOLATED. */
  advance(monitors: readonly unknown[], step: TraceStep): { monitors: unknown[]; violations: { property: Property; violation: Violation }[] } {
    const violations: { property: Property; violation: Violation }[] = [];
    const next = monitors.map((monitor, i) => {
      if (monitor === VIOLATED) return VIOLATED;
      const property = this.checked[i] as Property;
      const judged = property.check(monitor, step, this.context);
      if (!judged.violation) return judged.state;
      violations.push({ property, violation: judged.violation });
      return VIOLATED;
    });
    return { monitors: next, violations };
  }

  /** Fingerprints a state: its control state, its world and its monitors. */
  fingerprint(control: string, world: Readonly<World>, monitors: readonly unknown[]): Fingerprinted {
    const monitorsJson = this.monitorsJson(monitors);
    return { fingerprint: this.fingerprinter.fingerprintText(control, world, monitorsJson), monitorsJson };
  }

  /**
   * Fingerprints the state a step from `parent` leads to. A step that left the
   * world untouched (a refusal or a no-op) and moved no monitor leads back to
   * the parent's state, so the parent's fingerprint is reused without writing
   * the canonical text again.
   */
  fingerprintSuccessor(parent: Parent, control: string, world: Readonly<World>, monitors: readonly unknown[]): Fingerprinted {
    const monitorsJson = this.monitorsJson(monitors);
    if (world === parent.world && control === parent.control && monitorsJson === parent.monitorsJson) {
      return { fingerprint: parent.fingerprint, monitorsJson };
    }
    return { fingerprint: this.fingerprinter.fingerprintText(control, world, monitorsJson), monitorsJson };
  }

  /** Returns the JSON text of the monitors' fingerprints, the part of a state's fingerprint they add. */
  private monitorsJson(monitors: readonly unknown[]): string {
    return JSON.stringify(monitors.map((state, i) => (state === VIOLATED ? 'violated' : monitorFingerprint(this.checked[i] as Property, state))));
  }
}

/** Expands states of one model and patch set, judging the checked properties. */
export class Expander {
  readonly coverage: CoverageRecorder;
  private readonly impl: ChartImplementation;
  private readonly bank: MonitorBank;

  constructor(
    model: ModelName,
    private readonly set: PatchSet,
    checked: readonly Property[],
  ) {
    this.impl = CHART_IMPLEMENTATIONS[model];
    this.bank = new MonitorBank(checked, { model, set });
    this.coverage = new CoverageRecorder(this.impl);
  }

  /** Returns the initial state, at index 0, and its fingerprint; the caller records its control state for coverage. */
  initialNode(): { node: FrontierNode; fingerprint: string } {
    const world = initialWorld(this.set);
    const control = this.impl.controlState(world);
    const monitors = this.bank.initial();
    const fingerprinted = this.bank.fingerprint(control, world, monitors);
    return { node: { world, control, monitors, index: 0, ...fingerprinted }, fingerprint: fingerprinted.fingerprint };
  }

  /** Yields the successors of a state reached in `depth - 1` operations, in the order of successorOperations. */
  *successors(node: FrontierNode, depth: number): Generator<Successor> {
    for (const op of successorOperations(this.set, node.world)) {
      const { world, events, state, taken } = interpretStep(this.impl, this.set, node.world, op);
      this.coverage.record(node.control, op, events, state, taken);
      const step: TraceStep = { index: depth - 1, op, before: node.world, after: world, events };
      const { monitors, violations } = this.bank.advance(node.monitors, step);
      const fingerprinted = this.bank.fingerprintSuccessor(node, state, world, monitors);
      const successor: FrontierNode = { world, control: state, monitors, index: node.index, ...fingerprinted };
      yield { op, node: successor, fingerprint: fingerprinted.fingerprint, violations };
    }
  }
}
