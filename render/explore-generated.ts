/**
 * Text of `klpcheck explore --generated`: the progress line of each set, the
 * aggregate bound certificate, the Markdown section with one row per set and
 * the merged coverage, and the JSON result.
 */
import type { WrittenFile } from '../engine/counterexample.ts';
import { patchSetSize } from '../engine/explore/explore.ts';
import {
  type GeneratedExploreResult,
  type GeneratedSetOutcome,
  setStatus,
  totals,
} from '../engine/explore/generated.ts';
import { coverageTables, memoryLine, plural } from './explore.ts';

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

/** Describes one searched set in a line: its index, name, counts, time and summary. */
export function generatedSetLine(outcome: GeneratedSetOutcome, total: number): string {
  const { result, set } = outcome;
  if (!result) return `set ${outcome.index} of ${total}: ${set.name} not explored`;
  const stopped = result.stopped ? `, stopped after depth ${result.completedDepth}` : '';
  return (
    `set ${outcome.index} of ${total}: ${set.name}, ${plural(result.states, 'state')}, ` +
    `${plural(result.transitions, 'transition')} in ${seconds(result.durationMs)}${stopped}; ${set.description ?? ''}`
  );
}

/** Names the run's bounds: the seed and the maximum modules per set. */
function boundsText(result: GeneratedExploreResult): string {
  return (
    `model ${result.model}, seed ${result.seed}, at most ${plural(result.maxPatches, 'livepatch module')} ` +
    `and ${plural(result.maxTargets, 'target module')}`
  );
}

/** Writes the aggregate bound certificate as lines: the sets explored to the depth, those stopped or not explored, then the verdicts. */
export function generatedCertificateLines(result: GeneratedExploreResult, files: ReadonlyMap<string, WrittenFile>): string[] {
  const explored = result.outcomes.filter((o) => setStatus(o) === 'explored');
  const sum = totals(explored);
  const lines = [
    `Every sequence of up to ${plural(result.depth, 'operation')} on each of ${plural(explored.length, 'generated patch set')} ` +
      `(${boundsText(result)}): ${plural(sum.states, 'distinct state')}, ${plural(sum.transitions, 'transition')} in total.`,
  ];
  if (result.outcomes.length < result.count) {
    lines.push(
      `The generator gave only ${plural(result.outcomes.length, 'distinct set')} in ${plural(result.draws, 'draw')}; ` +
        'raise --max-patches or --max-targets for more.',
    );
  } else if (result.duplicates > 0) {
    lines.push(`Skipped ${plural(result.duplicates, 'duplicate set')} among ${plural(result.draws, 'draw')}.`);
  }
  lines.push(...incompleteLines(result));

  const violatedNames = new Set(result.violations.map((v) => v.property.name));
  const holding = result.properties.filter((p) => !violatedNames.has(p.name)).map((p) => p.name);
  lines.push(`These properties hold on every set explored: ${holding.length > 0 ? holding.join(', ') : 'none'}.`);
  for (const found of result.violations) {
    const file = files.get(found.property.name);
    lines.push(
      `Violated: ${found.property.name} on ${plural(found.sets, 'set')}, shortest counterexample ` +
        `${plural(found.found.ops.length, 'operation')} on ${found.outcome.set.name}${file ? `, ${file.path}` : ''}`,
    );
  }
  for (const { property, reason } of result.notApplicable) lines.push(`Not applicable: ${property.name} (${reason})`);
  return lines;
}

/** Names the sets searched only part of the way, and the sets a stop request left unexplored. */
function incompleteLines(result: GeneratedExploreResult): string[] {
  const lines: string[] = [];
  for (const outcome of result.outcomes) {
    const searched = outcome.result;
    if (!searched?.stopped) continue;
    const reason = searched.memory ? 'for lack of heap' : 'at the time limit or on Ctrl-C';
    lines.push(
      `${outcome.set.name} stopped ${reason} before depth ${searched.completedDepth + 1}: ${plural(searched.states, 'state')} ` +
        `and ${plural(searched.transitions, 'transition')} cover every sequence of up to ${plural(searched.completedDepth, 'operation')} only.`,
    );
    if (searched.memory) lines.push(`${outcome.set.name}: ${memoryLine(searched.memory, searched.completedDepth)}`);
  }
  // A stop request leaves every later set unexplored, so the unexplored sets are the last ones and a range names them.
  const skipped = result.outcomes.filter((o) => setStatus(o) === 'not-explored').map((o) => o.set.name);
  const first = skipped[0];
  const last = skipped.at(-1);
  if (first !== undefined && last !== undefined) {
    const names = skipped.length <= 2 ? skipped.join(' and ') : `${first} to ${last}`;
    lines.push(`Not explored (${plural(skipped.length, 'set')}): ${names}.`);
  }
  return lines;
}

/** Renders the Markdown section: the certificate, one row per set, and the merged coverage tables. */
export function generatedMarkdown(result: GeneratedExploreResult, files: ReadonlyMap<string, WrittenFile>): string {
  const lines = [
    '## Exhaustive exploration of generated patch sets',
    '',
    ...generatedCertificateLines(result, files).map((line) => `- ${line}`),
    '',
    '| set | livepatch modules | target modules | status | depth | states | transitions | violated | description |',
    '|---|---:|---:|---|---:|---:|---:|---|---|',
  ];
  for (const outcome of result.outcomes) lines.push(setRow(outcome));
  lines.push('', ...coverageTables(result.coverage));
  return `${lines.join('\n')}\n`;
}

function setRow(outcome: GeneratedSetOutcome): string {
  const { patches, targets } = patchSetSize(outcome.set);
  const searched = outcome.result;
  const violated = searched?.violations.map((v) => `${v.property.name} (${v.ops.length})`).join(', ') ?? '';
  const cells = [
    outcome.set.name,
    patches,
    targets,
    setStatus(outcome),
    searched?.completedDepth ?? '',
    searched?.states.toLocaleString('en-US') ?? '',
    searched?.transitions.toLocaleString('en-US') ?? '',
    violated,
    outcome.set.description ?? '',
  ];
  return `| ${cells.join(' | ')} |`;
}

/** Serializes the JSON result: the bounds, the totals, the verdicts with their files, one row per set, and the coverage. */
export function generatedResultJson(
  result: GeneratedExploreResult,
  files: ReadonlyMap<string, WrittenFile>,
  stoppedBy: 'time-limit' | 'interrupt' | null = null,
): string {
  const violated = new Set(result.violations.map((v) => v.property));
  const json = {
    format: 'klpcheck-explore-generated',
    version: 1,
    date: new Date().toISOString(),
    model: result.model,
    seed: result.seed,
    requestedSets: result.count,
    maxPatches: result.maxPatches,
    maxTargets: result.maxTargets,
    draws: result.draws,
    duplicates: result.duplicates,
    stoppedBy,
    depth: result.depth,
    stopped: result.stopped,
    states: result.states,
    transitions: result.transitions,
    durationMs: Math.round(result.durationMs),
    holds: result.properties.filter((p) => !violated.has(p)).map((p) => p.name),
    violated: result.violations.map((v) => ({
      property: v.property.name,
      sets: v.sets,
      length: v.found.ops.length,
      patchSet: v.outcome.set.name,
      explanation: v.found.violation.explanation,
      file: files.get(v.property.name)?.path ?? null,
    })),
    notApplicable: result.notApplicable.map(({ property, reason }) => ({ property: property.name, reason })),
    sets: result.outcomes.map(setJson),
    coverage: result.coverage,
  };
  return `${JSON.stringify(json, null, 2)}\n`;
}

function setJson(outcome: GeneratedSetOutcome) {
  const { patches, targets } = patchSetSize(outcome.set);
  const searched = outcome.result;
  return {
    index: outcome.index,
    patchSet: outcome.set.name,
    description: outcome.set.description ?? null,
    patches,
    targetModules: targets,
    status: setStatus(outcome),
    completedDepth: searched?.completedDepth ?? null,
    memory: searched?.memory ?? null,
    states: searched?.states ?? null,
    transitions: searched?.transitions ?? null,
    statesPerDepth: searched?.statesPerDepth ?? null,
    durationMs: searched ? Math.round(searched.durationMs) : null,
    violated: (searched?.violations ?? []).map((v) => ({ property: v.property.name, length: v.ops.length })),
  };
}
