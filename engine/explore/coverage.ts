/**
 * Coverage of a model by a set of steps: which operation types, refusals,
 * callback call sites, transition phases, control states and chart transitions the steps
 * exercised, and which items of each kind never occurred. The explorer
 * records every transition it runs; `coverageFromTraces` computes the same
 * data for traces of the random engine.
 */
import type { ChartImplementation, ChartNode } from '../../model/chart/chart.ts';
import { locate, takenLabel } from '../../model/chart/interpreter.ts';
import { CALLBACK_NAMES } from '../../model/definition.ts';
import type { KernelEvent, ModuleState } from '../../model/events.ts';
import type { Operation } from '../../model/operations.ts';
import { OPERATION_TYPES } from '../../model/operations.ts';
import type { Trace } from '../../model/trace.ts';
import { compareText } from './fingerprint.ts';

export const COVERAGE_KINDS = [
  'operations',
  'refusals',
  'callbacks',
  'stateCallbacks',
  'transitionPhases',
  'controlStates',
  'chartTransitions',
] as const;
export type CoverageKind = (typeof COVERAGE_KINDS)[number];

/** One kind of item: how often each item occurred, and the known items that never did. */
export interface CoverageItems {
  readonly exercised: Readonly<Record<string, number>>;
  readonly never: readonly string[];
}

export type Coverage = Readonly<Record<CoverageKind, CoverageItems>>;

/** Occurrences per item of each kind, before the items never seen are added. */
export type CoverageCounts = Readonly<Record<CoverageKind, readonly (readonly [string, number])[]>>;

const MODULE_STATES: readonly ModuleState[] = ['COMING', 'LIVE', 'GOING'];

/**
 * Phases of a transition as the kernel logs them: each step of a patching or
 * unpatching transition, its reversal from either direction, the cancel of a
 * failed enable, a force, and the patching of a coming or going module.
 */
const TRANSITION_PHASES: readonly string[] = [
  ...(['patching', 'unpatching'] as const).flatMap((dir) => [`initializing ${dir}`, `starting ${dir}`, `completing ${dir}`, `${dir} complete`]),
  'reversing from patching',
  'reversing from unpatching',
  'canceling',
  'forcing',
  'applying to a coming module',
  'reverting from a going module',
];

/** Returns the transition phase a klp message marks, or undefined for other messages. */
function transitionPhase(event: Extract<KernelEvent, { type: 'klp' }>): string | undefined {
  switch (event.msg) {
    case 'init':
      return `initializing ${event.dir}`;
    case 'start':
      return `starting ${event.dir}`;
    case 'completing':
      return `completing ${event.dir}`;
    case 'complete':
      return `${event.dir} complete`;
    case 'reversing':
      return `reversing from ${event.from}`;
    case 'canceling':
    case 'forcing':
      return event.msg;
    case 'applying':
      return 'applying to a coming module';
    case 'reverting':
      return 'reverting from a going module';
    default:
      return undefined;
  }
}

/** Formats a chart transition as `<state path> <operation> [<guard>]`; the root is `(root)`. */
function transitionLabel(path: readonly string[], opType: string, guard: string | undefined): string {
  return `${path.length === 0 ? '(root)' : path.join('.')} ${opType} [${guard ?? 'default'}]`;
}

interface ChartItems {
  readonly transitions: string[];
  readonly leaves: string[];
  /** Refusals the chart states as data: `<operation> <errno>`. */
  readonly refusals: string[];
}

/** Walks the chart for the items it names. Eventless transitions are left out: interpretStep does not report them. */
function chartItems(chart: ChartNode): ChartItems {
  const items: ChartItems = { transitions: [], leaves: [], refusals: [] };
  const visit = (node: ChartNode, path: string[]): void => {
    for (const [opType, list] of Object.entries(node.on ?? {})) {
      for (const transition of list ?? []) {
        items.transitions.push(transitionLabel(path, opType, transition.guard));
        for (const action of transition.actions) {
          if (typeof action !== 'string' && action.type === 'refuse') items.refusals.push(`${opType} ${action.params.errno}`);
        }
      }
    }
    const children = Object.entries(node.states ?? {});
    // A state with eventless transitions is left in the same step, so no step ends there.
    if (children.length === 0 && path.length > 0 && !node.always) items.leaves.push(path.join('.'));
    for (const [name, child] of children) visit(child, [...path, name]);
  };
  visit(chart, []);
  return items;
}

/** Finds the transition that `interpretStep` took first, by the guard it reports, from the control state up to the root. */
function takenTransition(chart: ChartNode, control: string, op: Operation, taken: string | undefined): string | undefined {
  if (taken === undefined) return undefined;
  const guard = taken === `${op.type}:default` ? undefined : taken;
  const path = control.split('.');
  for (let depth = path.length; depth >= 0; depth -= 1) {
    let node: ChartNode | undefined = chart;
    for (const key of path.slice(0, depth)) node = node?.states?.[key];
    if (node?.on?.[op.type]?.some((t) => t.guard === guard)) return transitionLabel(path.slice(0, depth), op.type, guard);
  }
  return undefined;
}

/** Counts items of one model's steps; `coverage()` adds the items never seen. */
export class CoverageRecorder {
  private readonly counts: Record<CoverageKind, Map<string, number>> = {
    operations: new Map(),
    refusals: new Map(),
    callbacks: new Map(),
    stateCallbacks: new Map(),
    transitionPhases: new Map(),
    controlStates: new Map(),
    chartTransitions: new Map(),
  };

  /** Labels of taken transitions by control state, operation type and guard; the chart is fixed, so each is found once. */
  private readonly labels = new Map<string, string | undefined>();

  constructor(private readonly impl: ChartImplementation) {}

  private add(kind: CoverageKind, item: string): void {
    const map = this.counts[kind];
    map.set(item, (map.get(item) ?? 0) + 1);
  }

  /** Records one step: the operation from the control state `before`, its events, the state after and the guards taken. */
  record(before: string, op: Operation, events: readonly KernelEvent[], after: string, taken: readonly string[]): void {
    this.add('operations', op.type);
    for (const event of events) {
      if (event.type === 'result' && event.errno < 0) this.add('refusals', `${op.type} ${event.errno}`);
      else if (event.type === 'callback') this.add('callbacks', `${event.callback} ${event.moduleState}`);
      else if (event.type === 'stateCallback') this.add('stateCallbacks', event.callback);
      else if (event.type === 'klp') {
        const phase = transitionPhase(event);
        if (phase) this.add('transitionPhases', phase);
      }
    }
    this.add('controlStates', after);
    const transition = this.transitionLabel(before, op, taken[0]);
    if (transition) this.add('chartTransitions', transition);
  }

  private transitionLabel(control: string, op: Operation, taken: string | undefined): string | undefined {
    const key = `${control} ${op.type} ${taken}`;
    if (!this.labels.has(key)) this.labels.set(key, takenTransition(this.impl.chart, control, op, taken));
    return this.labels.get(key);
  }

  /** Records the control state a run starts in. */
  recordStart(state: string): void {
    this.add('controlStates', state);
  }

  /** Adds another recorder's counts, such as those of a worker thread or of another patch set. */
  merge(other: CoverageCounts): void {
    for (const kind of COVERAGE_KINDS) {
      for (const [item, count] of other[kind]) this.counts[kind].set(item, (this.counts[kind].get(item) ?? 0) + count);
    }
  }

  /** Returns the raw counts as plain data, which can be posted to another thread. */
  exportCounts(): CoverageCounts {
    const counts = {} as Record<CoverageKind, [string, number][]>;
    for (const kind of COVERAGE_KINDS) counts[kind] = [...this.counts[kind].entries()];
    return counts;
  }

  coverage(): Coverage {
    const items = chartItems(this.impl.chart);
    const known: Record<CoverageKind, readonly string[]> = {
      operations: OPERATION_TYPES,
      refusals: items.refusals,
      // A design without a kind of callback lists none of its items, so none reads as missed.
      callbacks: this.impl.callbackKinds.includes('object') ? CALLBACK_NAMES.flatMap((name) => MODULE_STATES.map((state) => `${name} ${state}`)) : [],
      stateCallbacks: this.impl.callbackKinds.includes('state') ? CALLBACK_NAMES : [],
      transitionPhases: TRANSITION_PHASES,
      controlStates: items.leaves,
      chartTransitions: items.transitions,
    };
    const result = {} as Record<CoverageKind, CoverageItems>;
    for (const kind of COVERAGE_KINDS) {
      const map = this.counts[kind];
      const entries = [...map.entries()].sort(([a], [b]) => compareText(a, b));
      const exercised = Object.fromEntries(entries);
      result[kind] = { exercised, never: [...new Set(known[kind])].filter((item) => !map.has(item)) };
    }
    return result;
  }
}

/**
 * Computes coverage from traces of one model, such as those the random engine
 * judged. The chart transition of each step is located again on its `before`
 * world, by guards only; the traces' own events are counted.
 */
export function coverageFromTraces(impl: ChartImplementation, traces: readonly Trace[]): Coverage {
  const recorder = new CoverageRecorder(impl);
  for (const trace of traces) recordTrace(recorder, impl, trace);
  return recorder.coverage();
}

/** Records the steps of one trace in an existing recorder, for callers that judge traces one at a time. */
export function recordTrace(recorder: CoverageRecorder, impl: ChartImplementation, trace: Trace): void {
  recorder.recordStart(impl.controlState(trace.initial));
  for (const step of trace.steps) {
    const control = impl.controlState(step.before);
    const located = locate(impl, control, step.before, step.op, trace.set);
    recorder.record(control, step.op, step.events, impl.controlState(step.after), located ? [takenLabel(located.transition, step.op)] : []);
  }
}
