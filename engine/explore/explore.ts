/**
 * The exhaustive explorer: breadth-first search over every operation sequence
 * up to a depth on one patch set. Successors of a world are the operations the
 * random engine draws from (candidateOperations and refusedOperations). States
 * are deduplicated by a canonical fingerprint of the control state, the world
 * and the monitor states of the properties still checked on that branch, so a
 * state is expanded once, at the smallest depth that reaches it. Every
 * transition is judged by every property still checked, and the first
 * violation of a property found is one of the shortest.
 */
import { getHeapStatistics } from 'node:v8';
import type { PatchSet } from '../../model/definition.ts';
import { patchModules, targetModules } from '../../model/definition.ts';
import type { Operation } from '../../model/operations.ts';
import type { ModelName } from '../../model/trace.ts';
import type { Property, Violation } from '../../properties/property.ts';
import type { Coverage } from './coverage.ts';
import { Expander, type FrontierNode } from './expand.ts';

export { CHART_IMPLEMENTATIONS, successorOperations } from './expand.ts';

export const DEFAULT_DEPTH = 8;

export interface ExploreOptions {
  readonly model: ModelName;
  readonly set: PatchSet;
  readonly properties: readonly Property[];
  /** Maximum length of the operation sequences explored. */
  readonly depth: number;
  /** Called after each completed depth. */
  readonly onProgress?: (progress: ExploreProgress) => void;
  /**
   * Polled before each state is expanded; true ends the search early (a time
   * limit or SIGINT). The search yields to the event loop every
   * YIELD_EVERY expansions, so signal handlers get to run.
   */
  readonly shouldStop?: () => boolean;
}

/** Expansions between two yields to the event loop. */
const YIELD_EVERY = 500;

function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

export interface ExploreProgress {
  readonly depth: number;
  /** States first reached at this depth: the next frontier. */
  readonly frontier: number;
  readonly states: number;
  readonly transitions: number;
  readonly elapsedMs: number;
  readonly heapUsedBytes: number;
}

/** The first violation of a property the search met: a shortest counterexample. */
export interface ShortestViolation {
  readonly property: Property;
  readonly ops: readonly Operation[];
  readonly violation: Violation;
}

export interface ExploreResult {
  readonly model: ModelName;
  readonly set: PatchSet;
  readonly depth: number;
  /** Deepest depth whose every sequence was explored; equals `depth` unless the search was stopped. */
  readonly completedDepth: number;
  readonly stopped: boolean;
  /** Set when the search stopped because the next depth would not fit in the heap. */
  readonly memory: MemoryEstimate | null;
  /** Distinct canonical states up to the completed depth, the initial one included. */
  readonly states: number;
  /** Operations run up to the completed depth: one per (expanded state, successor operation). */
  readonly transitions: number;
  /** New states per depth, index 0 being the initial state. */
  readonly statesPerDepth: readonly number[];
  readonly properties: readonly Property[];
  readonly notApplicable: readonly { readonly property: Property; readonly reason: string }[];
  readonly violations: readonly ShortestViolation[];
  readonly coverage: Coverage;
  readonly durationMs: number;
}

/** The heap a depth would need, as estimated from the depths done so far. */
export interface MemoryEstimate {
  /** The depth the estimate is for: the next depth, or the requested bound when an extrapolation already exceeds the limit. */
  readonly depth: number;
  readonly estimatedBytes: number;
  readonly limitBytes: number;
  /** The largest depth whose estimate fits, when only fingerprints are kept at the last depth; at least the depth completed. */
  readonly fittingDepth: number;
  /** True when the estimate extrapolates several depths ahead rather than one. */
  readonly extrapolated: boolean;
}

/**
 * Bytes per visited fingerprint and parent link: a 16-character string in a
 * Set and two array slots, rounded up. An estimate, not a measurement.
 */
const BYTES_PER_VISITED = 160;

/**
 * An extrapolation stops the search early only when it exceeds the heap
 * limit by this factor. New states per depth usually grow more slowly at
 * greater depths, so the extrapolation tends to overestimate, and the check
 * of the next depth alone still stops the search in time.
 */
const EXTRAPOLATION_MARGIN = 2;
/** Depths and new states an extrapolation needs at least, so that the growth and the cost per state are not dominated by the first depths. */
const MIN_EXTRAPOLATION_DEPTH = 3;
const MIN_EXTRAPOLATION_STATES = 1000;

export interface DepthSummary {
  readonly depth: number;
  readonly maxDepth: number;
  readonly newStates: number;
  readonly previousNewStates: number;
  readonly states: number;
  readonly heapUsedBytes: number;
  /** Heap in use before the search started, which no state accounts for. */
  readonly startHeapBytes?: number;
}

/**
 * Estimates the heap needed to reach `target`, a depth after the completed
 * one. It adds to the heap in use now the fingerprints of the new states of
 * every depth up to the target and the worlds of the frontier expanded last.
 * Unless the target is the last depth, the target's own frontier counts too.
 * New states per depth grow by the ratio of the last two depths, and each
 * frontier state costs the heap in use per state of the current frontier.
 */
function estimateBytes(progress: DepthSummary, target: number): number {
  const growth = progress.newStates / Math.max(1, progress.previousNewStates);
  const perFrontierState = (progress.heapUsedBytes - (progress.startHeapBytes ?? 0)) / Math.max(1, progress.newStates);
  const statesAt = (depth: number): number => progress.newStates * growth ** (depth - progress.depth);
  let visited = 0;
  for (let depth = progress.depth + 1; depth <= target; depth++) visited += statesAt(depth);
  const expanded = target - 1 > progress.depth ? statesAt(target - 1) : 0;
  const kept = target < progress.maxDepth ? statesAt(target) : 0;
  return Math.round(progress.heapUsedBytes + visited * BYTES_PER_VISITED + (expanded + kept) * perFrontierState);
}

/** Finds the largest depth up to the bound whose estimate as the last depth fits the limit, and at least the depth completed. */
function fittingDepth(progress: DepthSummary, limitBytes: number): number {
  let depth = progress.depth;
  while (depth < progress.maxDepth && estimateBytes({ ...progress, maxDepth: depth + 1 }, depth + 1) <= limitBytes) depth++;
  return depth;
}

/**
 * Checks after a completed depth whether the search can go on: returns null
 * when it can, or the estimate that stops it. The search stops when the next
 * depth would not fit the heap, or, earlier, when the whole bound extrapolated
 * from the depths done so far exceeds the heap by EXTRAPOLATION_MARGIN.
 */
export function checkMemory(progress: DepthSummary, limitBytes = getHeapStatistics().heap_size_limit): MemoryEstimate | null {
  if (progress.depth >= progress.maxDepth) return null;
  const next = estimateBytes(progress, progress.depth + 1);
  if (next > limitBytes) {
    return { depth: progress.depth + 1, estimatedBytes: next, limitBytes, fittingDepth: fittingDepth(progress, limitBytes), extrapolated: false };
  }
  const enough = progress.depth >= MIN_EXTRAPOLATION_DEPTH && progress.newStates >= MIN_EXTRAPOLATION_STATES;
  const bound = estimateBytes(progress, progress.maxDepth);
  if (enough && progress.maxDepth > progress.depth + 1 && bound > EXTRAPOLATION_MARGIN * limitBytes) {
    return { depth: progress.maxDepth, estimatedBytes: bound, limitBytes, fittingDepth: fittingDepth(progress, limitBytes), extrapolated: true };
  }
  return null;
}

/** Parent links of every visited state, to rebuild the path to any of them. */
export class PathStore {
  private readonly parents: number[] = [-1];
  private readonly ops: (Operation | null)[] = [null];
  /** Shares one object per distinct operation, since many states are reached by equal operations. */
  private readonly interned = new Map<string, Operation>();

  add(parent: number, op: Operation): number {
    const key = JSON.stringify(op);
    let shared = this.interned.get(key);
    if (!shared) {
      shared = op;
      this.interned.set(key, op);
    }
    this.parents.push(parent);
    this.ops.push(shared);
    return this.parents.length - 1;
  }

  pathTo(index: number): Operation[] {
    const path: Operation[] = [];
    for (let at = index; at > 0; at = this.parents[at] as number) path.push(this.ops[at] as Operation);
    return path.reverse();
  }
}

export function applicableProperties(options: ExploreOptions) {
  const checked: Property[] = [];
  const notApplicable: { property: Property; reason: string }[] = [];
  for (const property of options.properties) {
    const applies = property.appliesTo(options.model);
    if (applies === true) checked.push(property);
    else notApplicable.push({ property, reason: applies });
  }
  return { checked, notApplicable };
}

/** Runs the breadth-first search and returns its counts, the shortest violations and the coverage. */
export async function explore(options: ExploreOptions): Promise<ExploreResult> {
  const started = performance.now();
  const startHeapBytes = process.memoryUsage().heapUsed;
  const { checked, notApplicable } = applicableProperties(options);
  const expander = new Expander(options.model, options.set, checked);
  const paths = new PathStore();
  const violations = new Map<Property, ShortestViolation>();
  const { node: root, fingerprint: rootFingerprint } = expander.initialNode();
  const visited = new Set<string>([rootFingerprint]);
  expander.coverage.recordStart(root.control);
  let frontier: FrontierNode[] = [root];
  const statesPerDepth = [1];
  let transitions = 0;
  let completedDepth = 0;
  // Counts at the end of the last completed depth: a stop inside a depth leaves that depth out of the certificate.
  let completed = { states: 1, transitions: 0 };
  let stopped = false;
  let memory: MemoryEstimate | null = null;
  let expansions = 0;

  for (let depth = 1; depth <= options.depth && frontier.length > 0 && !stopped; depth++) {
    const next: FrontierNode[] = [];
    let newStates = 0;
    for (const node of frontier) {
      expansions++;
      if (expansions % YIELD_EVERY === 0) await yieldToEventLoop();
      if (options.shouldStop?.()) {
        stopped = true;
        break;
      }
      for (const successor of expander.successors(node, depth)) {
        transitions++;
        for (const { property, violation } of successor.violations) {
          if (!violations.has(property)) violations.set(property, { property, ops: [...paths.pathTo(node.index), successor.op], violation });
        }
        if (visited.has(successor.fingerprint)) continue;
        visited.add(successor.fingerprint);
        newStates++;
        // States of the last depth are never expanded, so only their fingerprints are kept.
        if (depth < options.depth) next.push({ ...successor.node, index: paths.add(node.index, successor.op) });
      }
    }
    if (stopped) break;
    completedDepth = depth;
    completed = { states: visited.size, transitions };
    statesPerDepth.push(newStates);
    frontier = next;
    const heapUsedBytes = process.memoryUsage().heapUsed;
    memory = checkMemory({
      depth,
      maxDepth: options.depth,
      newStates,
      previousNewStates: statesPerDepth[depth - 1] ?? 1,
      states: visited.size,
      heapUsedBytes,
      startHeapBytes,
    });
    if (memory) stopped = true;
    options.onProgress?.({
      depth,
      frontier: newStates,
      states: visited.size,
      transitions,
      elapsedMs: performance.now() - started,
      heapUsedBytes,
    });
  }
  // A search that ran out of states before the bound has covered every deeper sequence too.
  if (!stopped) completedDepth = options.depth;

  return {
    model: options.model,
    set: options.set,
    depth: options.depth,
    completedDepth,
    stopped,
    memory,
    states: completed.states,
    transitions: completed.transitions,
    statesPerDepth,
    properties: checked,
    notApplicable,
    violations: checked.flatMap((property) => violations.get(property) ?? []),
    coverage: expander.coverage.coverage(),
    durationMs: performance.now() - started,
  };
}

/** Counts a patch set's modules in the certificate's words: livepatch modules and target modules. */
export function patchSetSize(set: PatchSet): { patches: number; targets: number } {
  return { patches: patchModules(set).length, targets: targetModules(set).length };
}
