/**
 * Text of `klpcheck explore` on one patch set: the progress line of each
 * depth, the bound certificate, the coverage summary, the Markdown section
 * and the JSON result.
 */
import type { WrittenFile } from '../engine/counterexample.ts';
import { COVERAGE_KINDS, type Coverage } from '../engine/explore/coverage.ts';
import { KIND_LABELS } from './coverage.ts';
import { type ExploreProgress, type ExploreResult, type MemoryEstimate, patchSetSize } from '../engine/explore/explore.ts';

export function plural(count: number, word: string, pluralWord = `${word}s`): string {
  return `${count.toLocaleString('en-US')} ${count === 1 ? word : pluralWord}`;
}

export function progressLine(progress: ExploreProgress): string {
  const seconds = progress.elapsedMs / 1000;
  const rate = seconds > 0 ? Math.round(progress.states / seconds) : 0;
  const heap = Math.round(progress.heapUsedBytes / 2 ** 20);
  return (
    `depth ${progress.depth}: ${plural(progress.frontier, 'new state')}, ${plural(progress.states, 'state')} in all, ` +
    `${rate.toLocaleString('en-US')} states/s, heap ${heap} MiB`
  );
}

function mebibytes(bytes: number): string {
  return `${Math.round(bytes / 2 ** 20).toLocaleString('en-US')} MiB`;
}

/** Says why the search stopped for lack of heap, and which bound fits. */
export function memoryLine(memory: MemoryEstimate, completed: number): string {
  const need =
    `depth ${memory.depth} would need about ${mebibytes(memory.estimatedBytes)} of heap ` +
    `(${memory.extrapolated ? 'extrapolated from the depths done' : 'an estimate'}), above V8's heap limit of ${mebibytes(memory.limitBytes)}`;
  return (
    `The search stopped after depth ${completed}: ${need}. Depth ${memory.fittingDepth} fits: rerun with --depth ${memory.fittingDepth}, ` +
    'or raise the limit with NODE_OPTIONS=--max-old-space-size=N, N in MiB.'
  );
}

/** Writes the bound certificate as lines: one sentence, then the verdicts. */
export function certificateLines(result: ExploreResult, files: ReadonlyMap<string, WrittenFile>): string[] {
  const { patches, targets } = patchSetSize(result.set);
  const bound = result.completedDepth;
  const lines = [
    `Every sequence of up to ${plural(bound, 'operation')} over these ${plural(patches, 'patch', 'patches')}` +
      ` and ${plural(targets, 'target module')} (patch set ${result.set.name}, model ${result.model}): ` +
      `${plural(result.states, 'distinct state')}, ${plural(result.transitions, 'transition')}.`,
  ];
  const memory = result.memory;
  if (memory) {
    lines.push(memoryLine(memory, bound));
  } else if (result.stopped) {
    lines.push(
      `The search stopped before depth ${result.depth}; the certificate covers ${plural(bound, 'operation')} only. ` +
        `Violations and coverage also count the steps of depth ${bound + 1} that ran before the stop.`,
    );
  }
  const violated = new Set(result.violations.map((v) => v.property));
  const holding = result.properties.filter((p) => !violated.has(p)).map((p) => p.name);
  lines.push(`These properties hold: ${holding.length > 0 ? holding.join(', ') : 'none'}.`);
  for (const found of result.violations) {
    const file = files.get(found.property.name);
    lines.push(`Violated: ${found.property.name} (shortest length ${found.ops.length})${file ? `, ${file.path}` : ''}`);
  }
  for (const { property, reason } of result.notApplicable) lines.push(`Not applicable: ${property.name} (${reason})`);
  return lines;
}

/** Writes one line per coverage kind: how many items were exercised, and the known items never exercised. */
export function coverageLines(coverage: Coverage): string[] {
  return COVERAGE_KINDS.map((kind) => {
    const { exercised, never } = coverage[kind];
    const count = Object.keys(exercised).length;
    if (count === 0 && never.length === 0) return `  ${KIND_LABELS[kind]}: not in this design`;
    const missing = never.length > 0 ? `; never: ${never.join(', ')}` : '';
    return `  ${KIND_LABELS[kind]}: ${count} exercised${missing}`;
  });
}

/** Renders the Markdown section for reports: the certificate and the coverage tables. */
export function coverageMarkdown(result: ExploreResult, files: ReadonlyMap<string, WrittenFile>): string {
  const lines = ['## Exhaustive exploration', '', ...certificateLines(result, files).map((line) => `- ${line}`), ''];
  lines.push(...coverageTables(result.coverage));
  return `${lines.join('\n')}\n`;
}

/** Renders one Markdown table per coverage kind: each item with its steps, then the items never exercised. */
export function coverageTables(coverage: Coverage): string[] {
  const lines: string[] = [];
  for (const kind of COVERAGE_KINDS) {
    const { exercised, never } = coverage[kind];
    lines.push(`### Coverage: ${KIND_LABELS[kind]}`, '', '| item | steps |', '|---|---:|');
    for (const [item, count] of Object.entries(exercised)) lines.push(`| \`${item}\` | ${count} |`);
    for (const item of never) lines.push(`| \`${item}\` | never |`);
    lines.push('');
  }
  return lines;
}

/** Serializes the JSON result: counts, verdicts, counterexample paths and coverage. */
export function resultJson(
  result: ExploreResult,
  files: ReadonlyMap<string, WrittenFile>,
  stoppedBy: 'time-limit' | 'interrupt' | null = null,
): string {
  const { patches, targets } = patchSetSize(result.set);
  const json = {
    format: 'klpcheck-explore',
    version: 1,
    date: new Date().toISOString(),
    model: result.model,
    patchSet: result.set.name,
    patches,
    targetModules: targets,
    depth: result.depth,
    completedDepth: result.completedDepth,
    stopped: result.stopped,
    stoppedBy: stoppedBy ?? (result.memory ? 'memory' : null),
    memory: result.memory,
    states: result.states,
    transitions: result.transitions,
    statesPerDepth: result.statesPerDepth,
    durationMs: Math.round(result.durationMs),
    holds: result.properties.filter((p) => !result.violations.some((v) => v.property === p)).map((p) => p.name),
    violated: result.violations.map((v) => ({
      property: v.property.name,
      length: v.ops.length,
      explanation: v.violation.explanation,
      file: files.get(v.property.name)?.path ?? null,
    })),
    notApplicable: result.notApplicable.map(({ property, reason }) => ({ property: property.name, reason })),
    coverage: result.coverage,
  };
  return `${JSON.stringify(json, null, 2)}\n`;
}
