/**
 * Statecharts as plain data. A design's semantics is one chart: control states,
 * the operations each state handles, and for each operation an ordered list of
 * transitions whose guards and actions are named pure functions over the world.
 * The same chart drives the xstate machine (xstate.ts) and the fast interpreter
 * (interpreter.ts), so both execute exactly the same rules.
 */
import type { PatchSet } from '../definition.ts';
import type { Kernel } from '../kernel.ts';
import type { Operation, OperationType } from '../operations.ts';
import type { World } from '../world.ts';

export type ActionParams = Readonly<Record<string, string | number>>;
export type ActionRef = string | { readonly type: string; readonly params: ActionParams };

export interface ChartTransition {
  /** Name of the guard; the transition is taken when it holds, or always when absent. */
  readonly guard?: string;
  /** Sibling of the node that handles the operation, as a dot path; absent: stay. */
  readonly target?: string;
  readonly actions: readonly ActionRef[];
}

export interface ChartNode {
  readonly initial?: string;
  readonly states?: Readonly<Record<string, ChartNode>>;
  readonly on?: Readonly<Partial<Record<OperationType, readonly ChartTransition[]>>>;
  /** Eventless transitions, taken right after entering the node. */
  readonly always?: readonly ChartTransition[];
}

export interface Chart extends ChartNode {
  readonly id: string;
  readonly initial: string;
  readonly states: Readonly<Record<string, ChartNode>>;
}

export type Guard = (world: Readonly<World>, op: Operation, set: PatchSet) => boolean;
export type Action = (k: Kernel, op: Operation, params: ActionParams) => void;

export interface ChartImplementation {
  readonly chart: Chart;
  readonly guards: Readonly<Record<string, Guard>>;
  readonly actions: Readonly<Record<string, Action>>;
  /** The control state a world is in, as a dot path (the chart's state value). */
  controlState(world: Readonly<World>): string;
  /** The callbacks the design has: per-object callbacks of klp_object, callbacks of klp_state, or both. */
  readonly callbackKinds: readonly ('object' | 'state')[];
}

/** Names of every guard and action a chart refers to, for consistency checks. */
export function chartReferences(chart: ChartNode): { guards: Set<string>; actions: Set<string> } {
  const guards = new Set<string>();
  const actions = new Set<string>();
  const visit = (node: ChartNode): void => {
    const lists = [...Object.values(node.on ?? {}), node.always ?? []];
    for (const list of lists) {
      for (const t of list ?? []) {
        if (t.guard) guards.add(t.guard);
        for (const a of t.actions) actions.add(typeof a === 'string' ? a : a.type);
      }
    }
    for (const child of Object.values(node.states ?? {})) visit(child);
  };
  visit(chart);
  return { guards, actions };
}
