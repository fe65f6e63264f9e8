/**
 * The searches the explorer is measured against. Both merge states by the
 * explorer's fingerprints and judge every step with the explorer's monitors
 * (MonitorBank), so they count the same distinct states and do the same
 * property work. They differ only in how a step is computed and how the
 * search is run.
 *
 * - plainBfs: breadth-first search over the plain function (bench/plain-step.ts).
 * - xstateGraph: xstate/graph's getAdjacencyMap over the xstate machine built
 *   from the same chart.
 */
import { getAdjacencyMap } from 'xstate/graph';
import { type Fingerprinted, MonitorBank, successorOperations } from '../engine/explore/expand.ts';
import { buildMachine, stateValuePath } from '../model/chart/xstate.ts';
import { CURRENT_IMPLEMENTATION, currentModel } from '../model/current/index.ts';
import type { PatchSet } from '../model/definition.ts';
import type { KernelEvent } from '../model/events.ts';
import type { Operation } from '../model/operations.ts';
import type { World } from '../model/world.ts';
import type { Property } from '../properties/property.ts';
import { plainStep } from './plain-step.ts';

export interface SearchCount {
  readonly states: number;
  readonly transitions: number;
}

interface PlainNode extends Fingerprinted {
  readonly world: World;
  readonly control: string;
  readonly monitors: readonly unknown[];
}

/** Breadth-first search to a depth over the plain function, with the explorer's fingerprints and monitors. */
export function plainBfs(set: PatchSet, depth: number, properties: readonly Property[]): SearchCount {
  const bank = new MonitorBank(properties, { model: 'current', set });
  const world = currentModel.initial(set);
  const monitors = bank.initial();
  const root: PlainNode = { world, control: 'idle', monitors, ...bank.fingerprint('idle', world, monitors) };
  const visited = new Set<string>([root.fingerprint]);
  let frontier = [root];
  let transitions = 0;
  for (let d = 1; d <= depth; d++) {
    const next: PlainNode[] = [];
    for (const node of frontier) {
      for (const op of successorOperations(set, node.world)) {
        transitions++;
        const child = plainSuccessor(bank, node, op, d);
        if (visited.has(child.fingerprint)) continue;
        visited.add(child.fingerprint);
        if (d < depth) next.push(child);
      }
    }
    frontier = next;
  }
  return { states: visited.size, transitions };
}

/** Steps the plain function and fingerprints the result as the explorer does. */
function plainSuccessor(bank: MonitorBank, node: PlainNode, op: Operation, depth: number): PlainNode {
  const { world, events, state } = plainStep(bank.set, node.world, op);
  const { monitors } = bank.advance(node.monitors, { index: depth - 1, op, before: node.world, after: world, events });
  return { world, control: state, monitors, ...bank.fingerprintSuccessor(node, state, world, monitors) };
}

interface GraphSnapshot {
  readonly value: unknown;
  readonly context: { readonly world: World; readonly events: readonly KernelEvent[] };
}

interface GraphNode {
  readonly depth: number;
  readonly monitors: readonly unknown[];
}

/**
 * getAdjacencyMap on the xstate machine of the current chart, bounded to a
 * depth. It has no depth bound of its own, so serializeState keeps each
 * snapshot's depth and monitors, computed from the snapshot it was reached
 * from, and `stopWhen` ends expansion at the bound. The machine keeps the
 * events of a whole path in its context, so a step's events are those beyond
 * the previous snapshot's.
 */
export function xstateGraph(set: PatchSet, depth: number, properties: readonly Property[]): SearchCount {
  const machine = buildMachine(CURRENT_IMPLEMENTATION);
  const bank = new MonitorBank(properties, { model: 'current', set });
  const nodes = new WeakMap<object, GraphNode>();
  let transitions = 0;
  const map = getAdjacencyMap(machine, {
    input: { set, world: currentModel.initial(set) },
    events: (snapshot) => successorOperations(set, (snapshot as unknown as GraphSnapshot).context.world) as never,
    serializeState: (snapshot, event, previous) => {
      const now = snapshot as unknown as GraphSnapshot;
      const before = previous as unknown as GraphSnapshot | undefined;
      const from = before ? nodes.get(before) : undefined;
      let node: GraphNode;
      if (before && from && event) {
        transitions++;
        const events = now.context.events.slice(before.context.events.length);
        const step = { index: from.depth, op: event as never, before: before.context.world, after: now.context.world, events };
        node = { depth: from.depth + 1, monitors: bank.advance(from.monitors, step).monitors };
      } else {
        node = { depth: 0, monitors: bank.initial() };
      }
      nodes.set(snapshot, node);
      return bank.fingerprint(stateValuePath(now.value), now.context.world, node.monitors).fingerprint;
    },
    stopWhen: (snapshot) => (nodes.get(snapshot)?.depth ?? 0) >= depth,
  });
  return { states: Object.keys(map).length, transitions };
}
