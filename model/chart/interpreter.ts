/**
 * Fast interpreter of a chart: finds the first enabled transition for an
 * operation from the deepest control state up to the root, runs its actions on
 * one private copy of the world, then follows eventless transitions. It runs
 * the same named guards and actions as the xstate machine built from the chart.
 */
import type { PatchSet } from '../definition.ts';
import type { KernelEvent } from '../events.ts';
import { type Kernel, StepKernel } from '../kernel.ts';
import type { Operation } from '../operations.ts';
import type { World } from '../world.ts';
import type { ChartImplementation, ChartNode, ChartTransition } from './chart.ts';

interface Located {
  readonly transition: ChartTransition;
  /** Path of the node whose handler matched. */
  readonly source: readonly string[];
}

function nodeAt(root: ChartNode, path: readonly string[]): ChartNode {
  let node = root;
  for (const key of path) {
    const child = node.states?.[key];
    if (!child) throw new Error(`internal: chart has no state ${path.join('.')}`);
    node = child;
  }
  return node;
}

function select(
  impl: ChartImplementation,
  candidates: readonly ChartTransition[] | undefined,
  world: Readonly<World>,
  op: Operation,
  set: PatchSet,
): ChartTransition | undefined {
  for (const transition of candidates ?? []) {
    if (!transition.guard) return transition;
    const guard = impl.guards[transition.guard];
    if (!guard) throw new Error(`internal: chart guard ${transition.guard} is not implemented`);
    if (guard(world, op, set)) return transition;
  }
  return undefined;
}

/** The handlers of one operation in one control state: from the deepest node up to the root, each with its node's path. */
interface Handler {
  readonly transitions: readonly ChartTransition[];
  readonly source: readonly string[];
}

/**
 * Handlers per chart, by control state and operation type. The chart is never
 * changed once built, so the lookups of a control state and operation are
 * made once per process.
 */
const handlersByChart = new WeakMap<ChartNode, Map<string, Map<Operation['type'], readonly Handler[]>>>();

function handlersOf(root: ChartNode, control: string, type: Operation['type']): readonly Handler[] {
  let byControl = handlersByChart.get(root);
  if (!byControl) {
    byControl = new Map();
    handlersByChart.set(root, byControl);
  }
  let byType = byControl.get(control);
  if (!byType) {
    byType = new Map();
    byControl.set(control, byType);
  }
  let handlers = byType.get(type);
  if (!handlers) {
    handlers = findHandlers(root, control.split('.'), type);
    byType.set(type, handlers);
  }
  return handlers;
}

function findHandlers(root: ChartNode, path: readonly string[], type: Operation['type']): Handler[] {
  const found: Handler[] = [];
  for (let depth = path.length; depth >= 0; depth -= 1) {
    const source = path.slice(0, depth);
    const transitions = nodeAt(root, source).on?.[type];
    if (transitions) found.push({ transitions, source });
  }
  return found;
}

/**
 * Finds the transition the chart takes first for an operation in a control
 * state: from the deepest node up to the root, the first whose guard holds.
 * Guards are pure, so this runs no action.
 */
export function locate(impl: ChartImplementation, control: string, world: Readonly<World>, op: Operation, set: PatchSet): Located | undefined {
  for (const handler of handlersOf(impl.chart, control, op.type)) {
    const transition = select(impl, handler.transitions, world, op, set);
    if (transition) return { transition, source: handler.source };
  }
  return undefined;
}

function runActions(impl: ChartImplementation, k: Kernel, transition: ChartTransition, op: Operation): void {
  for (const ref of transition.actions) {
    const name = typeof ref === 'string' ? ref : ref.type;
    const action = impl.actions[name];
    if (!action) throw new Error(`internal: chart action ${name} is not implemented`);
    action(k, op, typeof ref === 'string' ? {} : ref.params);
  }
}

/** Descends from a target path to its initial leaf. */
function resolveLeaf(root: ChartNode, path: readonly string[]): string[] {
  const leaf = [...path];
  for (let node = nodeAt(root, leaf); node.initial; node = nodeAt(root, leaf)) leaf.push(node.initial);
  return leaf;
}

/** Names a taken transition by its guard, or `<operation>:default` when it has none, as coverage counts it. */
export function takenLabel(transition: ChartTransition, op: Operation): string {
  return transition.guard ?? `${op.type}:default`;
}

export interface InterpretedStep {
  readonly world: World;
  readonly events: KernelEvent[];
  /** Control state after the step, as a dot path. */
  readonly state: string;
  /** Guard names of the transitions taken, for coverage. */
  readonly taken: readonly string[];
}

/** Runs one step: the operation, then any eventless transitions of the state it leads to. */
export function interpretStep(impl: ChartImplementation, set: PatchSet, world: Readonly<World>, op: Operation): InterpretedStep {
  const k = new StepKernel(set, world);
  const control = impl.controlState(world);
  let path = control.split('.');
  const taken: string[] = [];

  const located = locate(impl, control, world, op, set);
  if (!located) throw new Error(`internal: state ${control} does not handle ${op.type}`);
  runActions(impl, k, located.transition, op);
  taken.push(takenLabel(located.transition, op));
  if (located.transition.target) path = resolveLeaf(impl.chart, [...located.source.slice(0, -1), ...located.transition.target.split('.')]);

  for (let node = nodeAt(impl.chart, path); node.always; node = nodeAt(impl.chart, path)) {
    const next = select(impl, node.always, k.world, op, set);
    if (!next) break;
    runActions(impl, k, next, op);
    if (!next.target) break;
    path = resolveLeaf(impl.chart, [...path.slice(0, -1), ...next.target.split('.')]);
  }
  return { world: k.result(), events: k.events, state: path.join('.'), taken };
}
