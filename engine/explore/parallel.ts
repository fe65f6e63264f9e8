/**
 * The explorer on several worker threads. Each worker keeps part of the
 * frontier and expands it (worker.ts). This coordinator keeps the visited set
 * and the parent links, decides which reported successors are new, and moves
 * frontier states between workers so that each expands about as many. It
 * visits the same states and runs the same transitions as `explore`. Among
 * equally short counterexamples it may pick another one, because the
 * frontier order differs.
 */
import { Worker } from 'node:worker_threads';
import type { Property } from '../../properties/property.ts';
import { CoverageRecorder } from './coverage.ts';
import { CHART_IMPLEMENTATIONS, Expander } from './expand.ts';
import {
  applicableProperties,
  checkMemory,
  type ExploreOptions,
  type ExploreResult,
  type MemoryEstimate,
  PathStore,
  type ShortestViolation,
} from './explore.ts';
import type { FromWorker, PostedNode, ToWorker, WorkerSetup } from './worker.ts';

/**
 * An ES module that registers tsx and then imports worker.ts, as
 * bin/klpcheck.mjs does for the CLI. On Node 20.20, `--import` with tsx in a
 * worker's execArgv left .ts files unloadable.
 */
const WORKER_BOOTSTRAP = new URL(
  'data:text/javascript,' +
    encodeURIComponent(
      `import { register } from ${JSON.stringify(import.meta.resolve('tsx/esm/api'))};\n` +
        'register();\n' +
        `await import(${JSON.stringify(new URL('./worker.ts', import.meta.url).href)});\n`,
    ),
);
/** How often the coordinator polls `shouldStop` while the workers expand, in milliseconds. */
const STOP_POLL_MS = 50;

/** One worker and its single outstanding request. */
class WorkerHandle {
  private pending: { resolve: (reply: FromWorker) => void; reject: (error: Error) => void } | null = null;

  constructor(readonly worker: Worker) {
    worker.on('message', (reply: FromWorker) => {
      const pending = this.pending;
      this.pending = null;
      pending?.resolve(reply);
    });
    worker.on('error', (error: Error) => {
      const pending = this.pending;
      this.pending = null;
      pending?.reject(error);
    });
  }

  request<K extends FromWorker['kind']>(message: ToWorker, kind: K): Promise<Extract<FromWorker, { kind: K }>> {
    return new Promise((resolve, reject) => {
      this.pending = {
        resolve: (reply) => {
          if (reply.kind === kind) resolve(reply as Extract<FromWorker, { kind: K }>);
          else reject(new Error(`internal: worker replied ${reply.kind} to ${message.kind}, expected ${kind}`));
        },
        reject,
      };
      this.worker.postMessage(message);
    });
  }
}

/** Computes how many states each worker hands over or takes, so that every frontier part is within one state of the mean. */
function balance(sizes: readonly number[]): { give: number[]; receive: number[] } {
  const total = sizes.reduce((sum, size) => sum + size, 0);
  const share = (i: number): number => Math.floor(total / sizes.length) + (i < total % sizes.length ? 1 : 0);
  return {
    give: sizes.map((size, i) => Math.max(0, size - share(i))),
    receive: sizes.map((size, i) => Math.max(0, share(i) - size)),
  };
}

/**
 * Checks the memory of the workers after a depth. Each worker keeps part of
 * the frontier in its own heap, whose limit is that of the main thread. The
 * check counts all workers' heaps against one such limit, which overstates
 * the need, so that a depth it names as fitting does fit.
 * NOTE: the fingerprints and parent links sit in the main thread's heap and
 * are left out; they take BYTES_PER_VISITED per state, far less than a world.
 */
function checkWorkerMemory(
  depth: number,
  maxDepth: number,
  newStates: number,
  statesPerDepth: readonly number[],
  heaps: readonly number[],
  startHeapBytes: number,
): MemoryEstimate | null {
  const used = heaps.reduce((sum, heap) => sum + heap, 0);
  return checkMemory({
    depth,
    maxDepth,
    newStates,
    previousNewStates: statesPerDepth[depth - 1] ?? 1,
    states: newStates,
    heapUsedBytes: used,
    startHeapBytes: startHeapBytes * heaps.length,
  });
}

/** Runs the breadth-first search of `explore` on `workers` threads. */
export async function exploreParallel(options: ExploreOptions & { readonly workers: number }): Promise<ExploreResult> {
  const started = performance.now();
  const { checked, notApplicable } = applicableProperties(options);
  const stop = new SharedArrayBuffer(4);
  const stopFlag = new Int32Array(stop);
  const handles = Array.from({ length: options.workers }, (_, i) => {
    const setup: WorkerSetup = { model: options.model, set: options.set, properties: checked.map((p) => p.name), stop, root: i === 0 };
    return new WorkerHandle(new Worker(WORKER_BOOTSTRAP, { workerData: setup }));
  });
  const poll = setInterval(() => {
    if (options.shouldStop?.()) Atomics.store(stopFlag, 0, 1);
  }, STOP_POLL_MS);

  try {
    const paths = new PathStore();
    const violations = new Map<Property, ShortestViolation>();
    const root = new Expander(options.model, options.set, checked).initialNode();
    const visited = new Set<string>([root.fingerprint]);
    const statesPerDepth = [1];
    let transitions = 0;
    let completedDepth = 0;
    let stopped = false;
    let frontier = 1;
    let memory: MemoryEstimate | null = null;
    // A worker's heap before it stores any state is taken to be the main thread's before the search.
    const workerStartHeap = process.memoryUsage().heapUsed;

    for (let depth = 1; depth <= options.depth && frontier > 0; depth++) {
      const last = depth === options.depth;
      const replies = await Promise.all(handles.map((handle) => handle.request({ kind: 'expand', depth, last }, 'expanded')));
      if (replies.some((reply) => reply.stopped)) {
        stopped = true;
        break;
      }

      // Replies are taken in worker order, so the outcome does not depend on which worker finished first.
      const keep: number[][] = handles.map(() => []);
      const indexes: number[][] = handles.map(() => []);
      const fingerprints: string[] = [];
      replies.forEach((reply, w) => {
        transitions += reply.transitions;
        for (const found of reply.violations) {
          const property = checked[found.property] as Property;
          if (!violations.has(property)) violations.set(property, { property, ops: [...paths.pathTo(found.parent), found.op], violation: found.violation });
        }
        reply.candidates.forEach((candidate, position) => {
          if (visited.has(candidate.fingerprint)) return;
          visited.add(candidate.fingerprint);
          fingerprints.push(candidate.fingerprint);
          if (last) return;
          keep[w]?.push(position);
          indexes[w]?.push(paths.add(candidate.parent, candidate.op));
        });
      });
      statesPerDepth.push(fingerprints.length);
      completedDepth = depth;
      frontier = last ? 0 : fingerprints.length;

      if (!last) {
        const { give, receive } = balance(keep.map((list) => list.length));
        const kept = await Promise.all(
          handles.map((handle, w) =>
            handle.request({ kind: 'keep', keep: keep[w] ?? [], indexes: indexes[w] ?? [], fingerprints, give: give[w] ?? 0 }, 'kept'),
          ),
        );
        const pool: PostedNode[] = kept.flatMap((reply) => reply.given);
        await Promise.all(
          handles.map((handle, w) => {
            const nodes = pool.splice(0, receive[w] ?? 0);
            return nodes.length > 0 ? handle.request({ kind: 'receive', nodes }, 'received') : Promise.resolve();
          }),
        );
        memory = checkWorkerMemory(depth, options.depth, fingerprints.length, statesPerDepth, kept.map((reply) => reply.heapUsedBytes), workerStartHeap);
      }

      options.onProgress?.({
        depth,
        frontier: fingerprints.length,
        states: visited.size,
        transitions,
        elapsedMs: performance.now() - started,
        heapUsedBytes: process.memoryUsage().heapUsed,
      });
      if (memory) {
        stopped = true;
        break;
      }
    }
    if (!stopped) completedDepth = options.depth;

    const coverage = new CoverageRecorder(CHART_IMPLEMENTATIONS[options.model]);
    const finished = await Promise.all(handles.map((handle) => handle.request({ kind: 'finish' }, 'finished')));
    for (const reply of finished) coverage.merge(reply.coverage);

    return {
      model: options.model,
      set: options.set,
      depth: options.depth,
      completedDepth,
      stopped,
      memory,
      states: visited.size,
      transitions,
      statesPerDepth,
      properties: checked,
      notApplicable,
      violations: checked.flatMap((property) => violations.get(property) ?? []),
      coverage: coverage.coverage(),
      durationMs: performance.now() - started,
    };
  } finally {
    clearInterval(poll);
    await Promise.all(handles.map((handle) => handle.worker.terminate()));
  }
}
