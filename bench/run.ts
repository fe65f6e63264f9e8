/**
 * `npm run bench`: throughput of the livepatch model in one process, on the
 * benchmark patch set (bench/patch-set.ts) and the current model.
 *
 * 1. Model steps per second through the xstate machine (XstateStepper) and
 *    through the fast interpreter of the same chart, on the same operations.
 * 2. Explorer states per second against a plain breadth-first search over
 *    the same step function, which keys states by the raw world JSON and has
 *    no monitors, coverage or canonical names. Also against xstate/graph's
 *    getAdjacencyMap on the machine, bounded to the same depth with `stopWhen`.
 * 3. Random-engine steps per second with every property judged on every step.
 * 4. Shrink quality: the random engine's shrunk counterexamples against the
 *    explorer's shortest, on the catalogue.
 * 5. The default exhaustive run: depth 8, all properties.
 *
 * Flags: --quick uses smaller bounds, for a smoke run.
 */
import os from 'node:os';
import { getAdjacencyMap } from 'xstate/graph';
import { explore, type ExploreResult, successorOperations } from '../engine/explore/explore.ts';
import { operationsFromChoices } from '../engine/generate-operations.ts';
import { buildMachine, XstateStepper } from '../model/chart/xstate.ts';
import { interpretStep } from '../model/chart/interpreter.ts';
import { CURRENT_IMPLEMENTATION, currentModel } from '../model/current/index.ts';
import type { PatchSet } from '../model/definition.ts';
import type { Operation } from '../model/operations.ts';
import type { World } from '../model/world.ts';
import { ALL_PROPERTIES } from '../properties/index.ts';
import type { Property, PropertyContext } from '../properties/property.ts';
import { BENCH_SET_NAME, benchPatchSet } from './patch-set.ts';
import { compareShrinking, shrinkLines } from './shrink-quality.ts';

const quick = process.argv.includes('--quick');
const BOUNDS = quick
  ? { sequences: 200, sequenceLength: 30, compareDepth: 4, xstateDepth: 4, fullDepth: 5, shrinkRuns: 100 }
  : { sequences: 2000, sequenceLength: 30, compareDepth: 6, xstateDepth: 5, fullDepth: 8, shrinkRuns: 500 };

/** A small deterministic generator (mulberry32), so every run steps the same operations. */
function randomChoices(seed: number, count: number): number[] {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) % 0x10000;
  };
  return Array.from({ length: count }, next);
}

/** Operation sequences the random engine would run, as concrete operations. */
function sampleSequences(set: PatchSet): Operation[][] {
  return Array.from({ length: BOUNDS.sequences }, (_, i) =>
    operationsFromChoices(currentModel, set, randomChoices(i + 1, BOUNDS.sequenceLength)).ops,
  );
}

function perSecond(count: number, ms: number): number {
  return Math.round((count * 1000) / ms);
}

function format(value: number): string {
  return value.toLocaleString('en-US');
}

interface Measured<T> {
  readonly value: T;
  /** Wall time. */
  readonly ms: number;
  /**
   * CPU time of this process, user and system, over all its threads (GC
   * included). Other load on the machine does not inflate it, so rates use it.
   */
  readonly cpuMs: number;
}

async function measure<T>(run: () => T | Promise<T>): Promise<Measured<T>> {
  const started = performance.now();
  const cpu = process.cpuUsage();
  const value = await run();
  const used = process.cpuUsage(cpu);
  return { value, ms: performance.now() - started, cpuMs: (used.user + used.system) / 1000 };
}

function explorerRun(set: PatchSet, depth: number, properties: readonly Property[]): Promise<Measured<ExploreResult>> {
  return measure(() => explore({ model: 'current', set, properties, depth }));
}

function searchFigures(search: Measured<{ states: number; transitions: number }>): string {
  const { states, transitions } = search.value;
  return (
    `${format(states)} states, ${format(transitions)} transitions in ${(search.cpuMs / 1000).toFixed(1)} s CPU ` +
    `(${(search.ms / 1000).toFixed(1)} s wall): ${format(perSecond(states, search.cpuMs))} states/s, ` +
    `${format(perSecond(transitions, search.cpuMs))} transitions/s`
  );
}

function percent(part: number, whole: number): string {
  return `${Math.round((100 * part) / whole)}%`;
}

// 1. Steps through xstate and through the fast interpreter

function interpreterSteps(set: PatchSet, sequences: readonly Operation[][]): number {
  let steps = 0;
  for (const ops of sequences) {
    let world: World = currentModel.initial(set);
    for (const op of ops) {
      world = interpretStep(CURRENT_IMPLEMENTATION, set, world, op).world;
      steps++;
    }
  }
  return steps;
}

function xstateSteps(set: PatchSet, sequences: readonly Operation[][]): number {
  const machine = buildMachine(CURRENT_IMPLEMENTATION);
  let steps = 0;
  for (const ops of sequences) {
    const stepper = new XstateStepper(machine, set, currentModel.initial(set));
    for (const op of ops) {
      stepper.step(op);
      steps++;
    }
  }
  return steps;
}

// 2. Breadth-first searches to compare the explorer with

/** Breadth-first search over the interpreter with the raw world JSON as key: no canonical names, monitors or coverage. */
function plainBfs(set: PatchSet, depth: number): { states: number; transitions: number } {
  let frontier: World[] = [currentModel.initial(set)];
  const visited = new Set<string>([JSON.stringify(frontier[0])]);
  let transitions = 0;
  for (let d = 1; d <= depth; d++) {
    const next: World[] = [];
    for (const world of frontier) {
      for (const op of successorOperations(set, world)) {
        transitions++;
        const after = interpretStep(CURRENT_IMPLEMENTATION, set, world, op).world;
        const key = JSON.stringify(after);
        if (visited.has(key)) continue;
        visited.add(key);
        if (d < depth) next.push(after);
      }
    }
    frontier = next;
  }
  return { states: visited.size, transitions };
}

/**
 * xstate/graph's getAdjacencyMap on the machine of the same chart. It has no
 * depth bound of its own, so the depth of each snapshot is kept as it is
 * serialized, and `stopWhen` ends expansion at the bound.
 */
function xstateGraph(set: PatchSet, depth: number): { states: number } {
  const machine = buildMachine(CURRENT_IMPLEMENTATION);
  const depths = new WeakMap<object, number>();
  type Snapshot = { value: unknown; context: { world: World } };
  const map = getAdjacencyMap(machine, {
    input: { set, world: currentModel.initial(set) },
    events: (snapshot) => successorOperations(set, (snapshot as unknown as Snapshot).context.world) as never,
    serializeState: (snapshot, _event, previous) => {
      depths.set(snapshot, previous ? (depths.get(previous) ?? 0) + 1 : 0);
      const { value, context } = snapshot as unknown as Snapshot;
      return JSON.stringify([value, context.world]);
    },
    stopWhen: (snapshot) => (depths.get(snapshot) ?? 0) >= depth,
  });
  return { states: Object.keys(map).length };
}

// 3. Random engine with every property

/** Runs each sequence and judges every property on every step, as the random engine's monitors do. */
function judgedSteps(set: PatchSet, sequences: readonly Operation[][]): number {
  const context: PropertyContext = { model: 'current', set };
  const properties = ALL_PROPERTIES.filter((p) => p.appliesTo('current') === true);
  let steps = 0;
  for (const ops of sequences) {
    let world: World = currentModel.initial(set);
    const monitors = properties.map((p) => p.init(context));
    const live = properties.map(() => true);
    ops.forEach((op, index) => {
      const { world: after, events } = currentModel.step(set, world, op);
      const step = { index, op, before: world, after, events };
      properties.forEach((property, i) => {
        if (!live[i]) return;
        const judged = property.check(monitors[i], step, context);
        if (judged.violation) live[i] = false;
        else monitors[i] = judged.state;
      });
      world = after;
      steps++;
    });
  }
  return steps;
}

async function main(): Promise<void> {
  const set = benchPatchSet();
  const sequences = sampleSequences(set);
  const print = (line: string): void => console.log(line);
  print(`klpcheck bench: patch set ${BENCH_SET_NAME}, model current, Node ${process.version}, ${os.cpus().length} CPUs${quick ? ', --quick' : ''}`);

  // Warm up both steppers so that neither pays for compilation in its figure.
  interpreterSteps(set, sequences.slice(0, 50));
  xstateSteps(set, sequences.slice(0, 50));

  const fast = await measure(() => interpreterSteps(set, sequences));
  const slow = await measure(() => xstateSteps(set, sequences));
  const fastRate = perSecond(fast.value, fast.cpuMs);
  const slowRate = perSecond(slow.value, slow.cpuMs);
  print(
    `model steps/s: fast interpreter ${format(fastRate)}, xstate machine ${format(slowRate)} ` +
      `(ratio ${(fastRate / slowRate).toFixed(1)}x; ${format(fast.value)} steps each)`,
  );

  const depth = BOUNDS.compareDepth;
  const explorer = await explorerRun(set, depth, ALL_PROPERTIES);
  const bare = await explorerRun(set, depth, []);
  const plain = await measure(() => plainBfs(set, depth));
  const rate = (search: Measured<{ states: number; transitions: number }>) => ({
    states: perSecond(search.value.states, search.cpuMs),
    transitions: perSecond(search.value.transitions, search.cpuMs),
  });
  print(`depth ${depth}, explorer with all properties: ${searchFigures(explorer)}`);
  print(`depth ${depth}, explorer without properties: ${searchFigures(bare)}`);
  print(`depth ${depth}, plain BFS: ${searchFigures(plain)}`);
  print(
    `explorer at ${percent(rate(explorer).states, rate(plain).states)} of plain BFS in states/s, ` +
      `${percent(rate(explorer).transitions, rate(plain).transitions)} in transitions/s; without properties ` +
      `${percent(rate(bare).states, rate(plain).states)} and ${percent(rate(bare).transitions, rate(plain).transitions)}`,
  );

  const graphDepth = BOUNDS.xstateDepth;
  const explorerSmall = await explorerRun(set, graphDepth, ALL_PROPERTIES);
  const graph = await measure(() => xstateGraph(set, graphDepth));
  const graphStates = perSecond(graph.value.states, graph.cpuMs);
  print(
    `depth ${graphDepth}, explorer: ${searchFigures(explorerSmall)}; xstate getAdjacencyMap: ${format(graph.value.states)} states in ` +
      `${(graph.cpuMs / 1000).toFixed(1)} s CPU, ${format(graphStates)} states/s (explorer ${(rate(explorerSmall).states / graphStates).toFixed(1)}x ` +
      `in states/s, and it covers the same bound in ${percent(explorerSmall.cpuMs, graph.cpuMs)} of the CPU time)`,
  );

  const judged = await measure(() => judgedSteps(set, sequences));
  const applicable = ALL_PROPERTIES.filter((p) => p.appliesTo('current') === true).length;
  print(
    `random engine: ${format(perSecond(judged.value, judged.cpuMs))} steps/s with all ${applicable} properties of the current model ` +
      `judged on every step (${format(judged.value)} steps)`,
  );

  const shrinkDepth = BOUNDS.compareDepth;
  const rows = await compareShrinking({ depth: shrinkDepth, runs: BOUNDS.shrinkRuns });
  print(`shrink quality (catalogue sets, ${BOUNDS.shrinkRuns} random runs per set, explorer depth ${shrinkDepth}):`);
  for (const line of shrinkLines(rows, shrinkDepth)) print(line);

  const full = await explorerRun(set, BOUNDS.fullDepth, ALL_PROPERTIES);
  const violated = full.value.violations.map((v) => `${v.property.name} (${v.ops.length})`).join(', ') || 'none';
  print(`exhaustive run, depth ${BOUNDS.fullDepth}: ${searchFigures(full)}; violated: ${violated}`);
}

await main();
