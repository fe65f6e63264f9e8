/**
 * A worker thread of the parallel explorer. It keeps part of the frontier and
 * a copy of the visited set, expands its states one depth at a time, and
 * reports the successors it has not seen before. The coordinator
 * (parallel.ts) decides which of them are new, and the worker keeps those as
 * its next frontier. Worlds stay in the worker unless the coordinator moves
 * some to balance the load.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { PatchSet } from '../../model/definition.ts';
import type { Operation } from '../../model/operations.ts';
import type { ModelName } from '../../model/trace.ts';
import { ALL_PROPERTIES } from '../../properties/index.ts';
import type { Property, Violation } from '../../properties/property.ts';
import type { CoverageCounts } from './coverage.ts';
import { Expander, type FrontierNode, VIOLATED } from './expand.ts';

export interface WorkerSetup {
  readonly model: ModelName;
  readonly set: PatchSet;
  /** Names of the checked properties, in the coordinator's order. */
  readonly properties: readonly string[];
  /** Int32 flag set to 1 by the coordinator to stop the search. */
  readonly stop: SharedArrayBuffer;
  /** Only the first worker starts with the initial state. */
  readonly root: boolean;
}

/** A frontier state in transit between threads; VIOLATED cannot be cloned, so it travels as a marker string. */
export interface PostedNode {
  readonly world: FrontierNode['world'];
  readonly control: string;
  readonly monitors: readonly unknown[];
  readonly index: number;
  readonly fingerprint: string;
  readonly monitorsJson: string;
}

export type ToWorker =
  | { readonly kind: 'expand'; readonly depth: number; readonly last: boolean }
  | {
      readonly kind: 'keep';
      /** Candidate positions that are new states, with their indexes in the coordinator's parent links. */
      readonly keep: readonly number[];
      readonly indexes: readonly number[];
      /** Every new fingerprint of the depth, for the visited copy. */
      readonly fingerprints: readonly string[];
      /** How many states from the end of the new frontier to hand over. */
      readonly give: number;
    }
  | { readonly kind: 'receive'; readonly nodes: readonly PostedNode[] }
  | { readonly kind: 'finish' };

export type FromWorker =
  | {
      readonly kind: 'expanded';
      readonly transitions: number;
      readonly stopped: boolean;
      /** Successors not in the visited copy, each once, in expansion order. */
      readonly candidates: readonly { readonly fingerprint: string; readonly parent: number; readonly op: Operation }[];
      /** The first violation of each property in expansion order. */
      readonly violations: readonly { readonly property: number; readonly parent: number; readonly op: Operation; readonly violation: Violation }[];
    }
  | { readonly kind: 'kept'; readonly given: readonly PostedNode[]; readonly frontier: number; readonly heapUsedBytes: number }
  | { readonly kind: 'received' }
  | { readonly kind: 'finished'; readonly coverage: CoverageCounts };

const VIOLATED_MARKER = '\u0000klpcheck:violated';

function post(node: FrontierNode): PostedNode {
  return { ...node, monitors: node.monitors.map((m) => (m === VIOLATED ? VIOLATED_MARKER : m)) };
}

function unpost(node: PostedNode): FrontierNode {
  return { ...node, monitors: node.monitors.map((m) => (m === VIOLATED_MARKER ? VIOLATED : m)) };
}

function run(setup: WorkerSetup, port: NonNullable<typeof parentPort>): void {
  const checked = setup.properties.map((name) => ALL_PROPERTIES.find((p) => p.name === name) as Property);
  const expander = new Expander(setup.model, setup.set, checked);
  const stop = new Int32Array(setup.stop);
  const initial = expander.initialNode();
  const visited = new Set<string>([initial.fingerprint]);
  let frontier: FrontierNode[] = setup.root ? [initial.node] : [];
  if (setup.root) expander.coverage.recordStart(initial.node.control);
  let candidates: FrontierNode[] = [];

  const expand = (depth: number, last: boolean): FromWorker => {
    const seen = new Set<string>();
    const reported: { fingerprint: string; parent: number; op: Operation }[] = [];
    const firstViolations = new Map<number, { property: number; parent: number; op: Operation; violation: Violation }>();
    let transitions = 0;
    candidates = [];
    for (const node of frontier) {
      if (Atomics.load(stop, 0) === 1) return { kind: 'expanded', transitions, stopped: true, candidates: [], violations: [] };
      for (const successor of expander.successors(node, depth)) {
        transitions++;
        for (const { property, violation } of successor.violations) {
          const index = checked.indexOf(property);
          if (!firstViolations.has(index)) firstViolations.set(index, { property: index, parent: node.index, op: successor.op, violation });
        }
        if (visited.has(successor.fingerprint) || seen.has(successor.fingerprint)) continue;
        seen.add(successor.fingerprint);
        reported.push({ fingerprint: successor.fingerprint, parent: node.index, op: successor.op });
        // States of the last depth are never expanded, so their worlds are dropped at once.
        if (!last) candidates.push(successor.node);
      }
    }
    return { kind: 'expanded', transitions, stopped: false, candidates: reported, violations: [...firstViolations.values()] };
  };

  port.on('message', (message: ToWorker) => {
    if (message.kind === 'expand') {
      port.postMessage(expand(message.depth, message.last));
    } else if (message.kind === 'keep') {
      for (const fingerprint of message.fingerprints) visited.add(fingerprint);
      const next = message.keep.flatMap((position, i) => {
        const node = candidates[position];
        return node ? [{ ...node, index: message.indexes[i] as number }] : [];
      });
      candidates = [];
      const given = next.splice(next.length - message.give, message.give);
      frontier = next;
      port.postMessage({ kind: 'kept', given: given.map(post), frontier: frontier.length, heapUsedBytes: process.memoryUsage().heapUsed } satisfies FromWorker);
    } else if (message.kind === 'receive') {
      frontier.push(...message.nodes.map(unpost));
      port.postMessage({ kind: 'received' } satisfies FromWorker);
    } else {
      port.postMessage({ kind: 'finished', coverage: expander.coverage.exportCounts() } satisfies FromWorker);
      port.close();
    }
  });
}

if (parentPort) run(workerData as WorkerSetup, parentPort);
