/**
 * `npm run bench`: throughput of the livepatch model in one process, on the
 * benchmark patch set (bench/patch-set.ts) and the current model.
 *
 * 1. Model steps per second through the xstate machine (XstateStepper), the
 *    fast interpreter of the same chart, and a plain function with the same
 *    logic (bench/plain-step.ts), on the same operations.
 * 2. Explorer states per second against a breadth-first search over the plain
 *    function, and against xstate/graph's getAdjacencyMap on the machine. Both
 *    baselines merge states by the explorer's fingerprints and judge every
 *    step with the explorer's monitors (bench/baselines.ts).
 * 3. Random-engine steps per second: operations drawn from choices, stepped,
 *    and judged by every property on every step.
 * 4. Shrink quality: the random engine's shrunk counterexamples against the
 *    explorer's shortest, on the catalogue.
 * 5. The default exhaustive run: depth 8, all properties.
 *
 * Rates are per CPU second of this process, so that other load on the machine
 * does not change them.
 *
 * Flags: --quick uses smaller bounds, for a smoke run. --only LIST runs some
 * sections (steps, random, search, graph, shrink, full). --graph-depths LIST
 * sets the depths of the getAdjacencyMap comparison, by default 4,5,6,7.
 * Depth 8 needs about 7 GB of heap and ten minutes.
 */
import os from 'node:os';
import { parseArgs } from 'node:util';
import { explore, type ExploreResult } from '../engine/explore/explore.ts';
import { operationsFromChoices } from '../engine/generate-operations.ts';
import { buildMachine, XstateStepper } from '../model/chart/xstate.ts';
import { interpretStep } from '../model/chart/interpreter.ts';
import { CURRENT_IMPLEMENTATION, currentModel } from '../model/current/index.ts';
import type { PatchSet } from '../model/definition.ts';
import type { Operation } from '../model/operations.ts';
import type { World } from '../model/world.ts';
import { ALL_PROPERTIES } from '../properties/index.ts';
import type { Property, PropertyContext } from '../properties/property.ts';
import { plainBfs, type SearchCount, xstateGraph } from './baselines.ts';
import { BENCH_SET_NAME, benchPatchSet } from './patch-set.ts';
import { plainStep } from './plain-step.ts';
import { compareShrinking, shrinkLines } from './shrink-quality.ts';

// The random engine runs before the searches, whose large heaps would otherwise slow its collections.
const SECTIONS = ['steps', 'random', 'search', 'graph', 'shrink', 'full'] as const;
type Section = (typeof SECTIONS)[number];

interface BenchFlags {
  readonly quick: boolean;
  readonly sections: ReadonlySet<Section>;
  readonly graphDepths: readonly number[] | null;
}

function usage(message: string): never {
  console.error(`bench: ${message}`);
  console.error('usage: npm run bench -- [--quick] [--only steps,random,search,graph,shrink,full] [--graph-depths 4,5,6,7]');
  process.exit(2);
}

function parseBenchFlags(argv: readonly string[]): BenchFlags {
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], options: { quick: { type: 'boolean' }, only: { type: 'string' }, 'graph-depths': { type: 'string' } } });
  } catch (error) {
    usage(error instanceof Error ? error.message : String(error));
  }
  const only = parsed.values.only?.split(',').map((name) => name.trim()) ?? [...SECTIONS];
  for (const name of only) {
    if (!(SECTIONS as readonly string[]).includes(name)) usage(`unknown section "${name}" in --only; sections are ${SECTIONS.join(', ')}`);
  }
  const depthsText = parsed.values['graph-depths'];
  const graphDepths = depthsText === undefined ? null : depthsText.split(',').map((text) => Number(text.trim()));
  if (graphDepths?.some((depth) => !Number.isInteger(depth) || depth < 1 || depth > 12)) {
    usage(`invalid --graph-depths "${depthsText}": give whole numbers from 1 to 12, separated by commas`);
  }
  return { quick: parsed.values.quick ?? false, sections: new Set(only as Section[]), graphDepths };
}

const FLAGS = parseBenchFlags(process.argv.slice(2));
const quick = FLAGS.quick;
const BOUNDS = quick
  ? { sequences: 200, sequenceLength: 30, compareDepth: 4, graphDepths: FLAGS.graphDepths ?? [3, 4], fullDepth: 5, shrinkRuns: 100 }
  : { sequences: 2000, sequenceLength: 30, compareDepth: 6, graphDepths: FLAGS.graphDepths ?? [4, 5, 6, 7], fullDepth: 8, shrinkRuns: 500 };
const CURRENT_PROPERTIES = ALL_PROPERTIES.filter((p) => p.appliesTo('current') === true);

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

function sampleChoices(): number[][] {
  return Array.from({ length: BOUNDS.sequences }, (_, i) => randomChoices(i + 1, BOUNDS.sequenceLength));
}

/** Operation sequences the random engine would run, as concrete operations. */
function sampleSequences(set: PatchSet, choices: readonly number[][]): Operation[][] {
  return choices.map((run) => operationsFromChoices(currentModel, set, run).ops);
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

function searchFigures(search: Measured<SearchCount>): string {
  const { states, transitions } = search.value;
  return (
    `${format(states)} states, ${format(transitions)} transitions in ${(search.cpuMs / 1000).toFixed(2)} s CPU ` +
    `(${(search.ms / 1000).toFixed(2)} s wall): ${format(perSecond(states, search.cpuMs))} states/s`
  );
}

function ratio(fast: Measured<SearchCount>, slow: Measured<SearchCount>): number {
  return perSecond(fast.value.states, fast.cpuMs) / perSecond(slow.value.states, slow.cpuMs);
}

function sameCount(a: SearchCount, b: SearchCount): string {
  return a.states === b.states && a.transitions === b.transitions ? 'same states and transitions' : 'DIFFERENT COUNTS';
}

// 1. Steps through the plain function, the fast interpreter and xstate

function plainSteps(set: PatchSet, sequences: readonly Operation[][]): number {
  let steps = 0;
  for (const ops of sequences) {
    let world: World = currentModel.initial(set);
    for (const op of ops) {
      world = plainStep(set, world, op).world;
      steps++;
    }
  }
  return steps;
}

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

// 3. Random engine with every property

/**
 * The random engine's inner loop with every property: each run's choices
 * become operations against the world they reach, and every property judges
 * every step, as the engine's monitors do.
 */
function judgedSteps(set: PatchSet, runs: readonly number[][]): number {
  const context: PropertyContext = { model: 'current', set };
  let steps = 0;
  for (const choices of runs) {
    const { trace } = operationsFromChoices(currentModel, set, choices);
    const monitors = CURRENT_PROPERTIES.map((p) => p.init(context));
    const live = CURRENT_PROPERTIES.map(() => true);
    for (const step of trace.steps) {
      for (let i = 0; i < CURRENT_PROPERTIES.length; i++) {
        if (!live[i]) continue;
        const judged = (CURRENT_PROPERTIES[i] as Property).check(monitors[i], step, context);
        if (judged.violation) live[i] = false;
        else monitors[i] = judged.state;
      }
    }
    steps += trace.steps.length;
  }
  return steps;
}

type Print = (line: string) => void;

/** Rounds of each step measurement; the median rate counts, so one disturbed round does not. */
const STEP_ROUNDS = 5;

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

/** Steps per CPU second of each stepper, the median of rounds that take turns, so that all see the same machine. */
async function medianRates(set: PatchSet, sequences: readonly Operation[][], steppers: readonly StepRun[]): Promise<number[]> {
  const rates: number[][] = steppers.map(() => []);
  for (let round = 0; round < STEP_ROUNDS; round++) {
    for (const [i, run] of steppers.entries()) {
      const measured = await measure(() => run(set, sequences));
      rates[i]?.push(perSecond(measured.value, measured.cpuMs));
    }
  }
  return rates.map(median);
}

type StepRun = (set: PatchSet, sequences: readonly Operation[][]) => number;

async function stepRates(set: PatchSet, sequences: readonly Operation[][], print: Print): Promise<void> {
  const steppers: StepRun[] = [plainSteps, interpreterSteps, xstateSteps];
  // Warm up every stepper so that none pays for compilation in its figure.
  for (const run of steppers) run(set, sequences.slice(0, 200));
  const [plainRate, fastRate, slowRate] = (await medianRates(set, sequences, steppers)) as [number, number, number];
  const steps = sequences.reduce((sum, ops) => sum + ops.length, 0);
  print(
    `model steps/s (median of ${STEP_ROUNDS} rounds of ${format(steps)} steps): plain function ${format(plainRate)}, ` +
      `fast interpreter of the chart ${format(fastRate)} (${Math.round((100 * fastRate) / plainRate)}% of plain), ` +
      `xstate machine ${format(slowRate)} (1/${(plainRate / slowRate).toFixed(1)} of plain; the interpreter is ${(fastRate / slowRate).toFixed(1)}x xstate)`,
  );
}

async function searchRates(set: PatchSet, print: Print): Promise<void> {
  const depth = BOUNDS.compareDepth;
  await explorerRun(set, Math.min(depth, 4), CURRENT_PROPERTIES);
  const explorer = await explorerRun(set, depth, CURRENT_PROPERTIES);
  const plain = await measure(() => plainBfs(set, depth, CURRENT_PROPERTIES));
  print(`depth ${depth}, explorer: ${searchFigures(explorer)}`);
  print(`depth ${depth}, BFS over the plain function: ${searchFigures(plain)} (${sameCount(explorer.value, plain.value)})`);
  print(`explorer at ${Math.round(100 * ratio(explorer, plain))}% of the plain-function BFS in states/s`);
}

async function graphRates(set: PatchSet, print: Print): Promise<void> {
  await explorerRun(set, 4, CURRENT_PROPERTIES);
  for (const graphDepth of BOUNDS.graphDepths) {
    const small = await explorerRun(set, graphDepth, CURRENT_PROPERTIES);
    const graph = await measure(() => xstateGraph(set, graphDepth, CURRENT_PROPERTIES));
    print(
      `depth ${graphDepth}: explorer ${searchFigures(small)}; getAdjacencyMap ${searchFigures(graph)} ` +
        `(${sameCount(small.value, graph.value)}); explorer ${ratio(small, graph).toFixed(1)}x getAdjacencyMap in states/s`,
    );
  }
}

async function randomEngineRate(set: PatchSet, choices: readonly number[][], print: Print): Promise<void> {
  judgedSteps(set, choices.slice(0, 200));
  const judgedRates: number[] = [];
  for (let round = 0; round < STEP_ROUNDS; round++) {
    const judged = await measure(() => judgedSteps(set, choices));
    judgedRates.push(perSecond(judged.value, judged.cpuMs));
  }
  print(
    `random engine: ${format(median(judgedRates))} steps/s (median of ${STEP_ROUNDS} rounds of ${format(choices.length)} runs), ` +
      `drawing each operation and judging all ${CURRENT_PROPERTIES.length} properties of the current model on every step`,
  );
}

async function shrinkQuality(print: Print): Promise<void> {
  const shrinkDepth = BOUNDS.compareDepth;
  const rows = await compareShrinking({ depth: shrinkDepth, runs: BOUNDS.shrinkRuns });
  print(`shrink quality (catalogue sets, ${BOUNDS.shrinkRuns} random runs per set, explorer depth ${shrinkDepth} or the longest shrunk length):`);
  for (const line of shrinkLines(rows)) print(line);
}

async function fullRun(set: PatchSet, print: Print): Promise<void> {
  const full = await explorerRun(set, BOUNDS.fullDepth, CURRENT_PROPERTIES);
  const violated = full.value.violations.map((v) => `${v.property.name} (${v.ops.length})`).join(', ') || 'none';
  print(`exhaustive run, depth ${BOUNDS.fullDepth}: ${searchFigures(full)}; violated: ${violated}`);
}

async function main(): Promise<void> {
  const set = benchPatchSet();
  const choices = sampleChoices();
  const sequences = sampleSequences(set, choices);
  const print: Print = (line) => console.log(line);
  const sections = [...FLAGS.sections].join(', ');
  print(`klpcheck bench: patch set ${BENCH_SET_NAME}, model current, Node ${process.version}, ${os.cpus().length} CPUs${quick ? ', --quick' : ''}; ${sections}`);

  const run: Record<Section, () => Promise<void>> = {
    steps: () => stepRates(set, sequences, print),
    search: () => searchRates(set, print),
    graph: () => graphRates(set, print),
    random: () => randomEngineRate(set, choices, print),
    shrink: () => shrinkQuality(print),
    full: () => fullRun(set, print),
  };
  for (const section of SECTIONS) if (FLAGS.sections.has(section)) await run[section]();
}

await main();
