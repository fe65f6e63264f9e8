/**
 * Terminal text for check and replay: the verdict table, each violation with
 * the one command that replays it, engine errors with the command that
 * reproduces them, the comparison of the designs, the closing hint, and
 * replay results.
 */
import type {
  CheckResult,
  CheckVerdict,
  Counterexample,
  EngineError,
  PairResult,
  PatchSetSource,
} from '../engine/check.ts';
import { sourceLabel, verdictChanges } from '../engine/check.ts';
import type { ShrinkQualityResult } from '../engine/shrink-quality.ts';
import type { CompareResult } from '../engine/compare.ts';
import type { Classification } from '../engine/counterexample.ts';
import type { EventComparison, PropertyOutcome, ReplayResult } from '../engine/replay.ts';
import type { KernelEvent } from '../model/events.ts';
import type { ModelName } from '../model/trace.ts';
import { CLASS_TABLE_HEADER, classTable, compareFindingLines, compareHintLine } from './compare.ts';
import { renderStepLines } from './kernel-log.ts';
import { describeOperation } from './operations.ts';

/** Command prefix for running klpcheck from a checkout, printed in replay commands. */
export const COMMAND = 'npx klpcheck';

export const CLASSIFICATION_LABELS: Record<Classification, string> = {
  'api-flaw': 'API flaw',
  'author-error': 'author error',
};

const numberFormat = new Intl.NumberFormat('en-US');
export function formatCount(n: number): string {
  return numberFormat.format(n);
}

export function plural(n: number, word: string, plural = `${word}s`): string {
  return `${formatCount(n)} ${n === 1 ? word : plural}`;
}

export function replayCommand(file: string): string {
  return `${COMMAND} replay ${file}`;
}

/** Returns the check command that reruns one (model, property), for errors that have no file. */
export function rerunCommand(result: Pick<CheckResult, 'seed' | 'runs' | 'maxSteps'>, pair: PairResult): string {
  return (
    `${COMMAND} check --model ${pair.model} --property ${pair.property.name} ` +
    `--seed ${result.seed} --runs ${result.runs} --max-steps ${result.maxSteps}`
  );
}

/** Returns the counterexample with the fewest operations; on a tie the first, which puts an API flaw first. */
export function shortestCounterexample(found: readonly [Counterexample, ...Counterexample[]]): Counterexample {
  return found.reduce((best, candidate) => (candidate.ops.length < best.ops.length ? candidate : best), found[0]);
}

/** Returns a short verdict for table cells. */
export function verdictCell(verdict: CheckVerdict): string {
  switch (verdict.status) {
    case 'holds':
      return 'holds';
    case 'violated':
      return `VIOLATED (${CLASSIFICATION_LABELS[verdict.counterexamples[0].classification]})`;
    case 'error':
      return 'ERROR';
    case 'not-applicable':
      return 'not applicable';
  }
}

/** Lays out rows as columns padded to the widest cell, with a rule under the header. */
export function textTable(header: readonly string[], rows: readonly (readonly string[])[]): string[] {
  const widths = header.map((cell, column) => Math.max(cell.length, ...rows.map((row) => (row[column] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((cell, column) => cell.padEnd(widths[column] ?? 0))
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)];
}

/** Properties as rows and models as columns. */
export function verdictTable(result: CheckResult): string[] {
  const models: readonly ModelName[] = result.models;
  const rows = result.properties.map((property) => [
    property,
    ...models.map((model) => {
      const pair = result.pairs.find((p) => p.model === model && p.property.name === property);
      return pair ? verdictCell(pair.verdict) : '';
    }),
  ]);
  return textTable(['property', ...models], rows);
}

function sourceText(source: PatchSetSource): string {
  switch (source.kind) {
    case 'catalogue':
      return `catalogue patch set ${source.name}`;
    case 'translated':
      return `catalogue patch set ${source.from} translated to the redesign`;
    case 'generated':
      return `a patch set of ${source.name}`;
  }
}

function counterexampleLines(found: Counterexample): string[] {
  const lines = [
    `  ${CLASSIFICATION_LABELS[found.classification]} in ${sourceText(found.source)}, ${plural(found.ops.length, 'operation')}:`,
    ...found.ops.map((op, index) => {
      const marker = index === found.step ? '   <- violated here' : '';
      return `    step ${index}: ${describeOperation(op, found.set)}${marker}`;
    }),
    `  ${found.violation.explanation}`,
  ];
  if (found.file) lines.push(`  replay: ${replayCommand(found.file.path)}`);
  return lines;
}

function errorLines(result: CheckResult, pair: PairResult, error: EngineError): string[] {
  return [
    `ERROR ${pair.property.name} on ${pair.model} with ${sourceLabel(error.source)}: ${error.message}`,
    `  reproduce: ${rerunCommand(result, pair)}`,
  ];
}

/** Lists every violation with its replay command, and every engine error with its rerun command. */
export function findingLines(result: CheckResult): string[] {
  const lines: string[] = [];
  for (const pair of result.pairs) {
    const verdict = pair.verdict;
    if (verdict.status === 'violated') {
      lines.push('', `VIOLATED ${pair.property.name} on ${pair.model}: ${pair.property.rule}`);
      for (const found of verdict.counterexamples) lines.push(...counterexampleLines(found));
    }
    if (verdict.status === 'violated' || verdict.status === 'error') {
      for (const error of verdict.errors) lines.push('', ...errorLines(result, pair, error));
    }
  }
  return lines;
}

/**
 * Returns the closing hint: how far the search went where nothing was found,
 * and what to raise. A property checked on both designs is one pair per
 * design, so with both designs the hint counts pairs and names the number of
 * distinct properties.
 */
export function hintLine(result: CheckResult): string {
  const holding = result.pairs.filter((p) => p.verdict.status === 'holds');
  if (holding.length === 0) return 'every checked property was violated or failed; see the report for details';
  const sequences = holding.reduce((sum, p) => sum + (p.verdict.status === 'holds' ? p.verdict.explored.sequences : 0), 0);
  const properties = plural(new Set(holding.map((p) => p.property.name)).size, 'property', 'properties');
  const models = [...new Set(holding.map((p) => p.model))];
  const scope =
    models.length === 1
      ? `no violation of ${properties} on ${models[0]}`
      : `no violation in ${plural(holding.length, 'property/design pair')} (${properties})`;
  return `${scope} in ${plural(sequences, 'sequence')} of up to ${plural(result.maxSteps, 'operation')}; raise --runs or --max-steps to search further`;
}

export function formatDuration(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}

/** Names the properties whose verdict the redesign changes, when both designs were checked. */
export function verdictChangeLines(result: CheckResult): string[] {
  if (!result.models.includes('current') || !result.models.includes('redesign')) return [];
  const { removed, introduced } = verdictChanges(result);
  const names = (changes: typeof removed) => (changes.length > 0 ? changes.map((c) => c.property.name).join(', ') : 'none');
  return [
    `violated on the current API, holding on the redesign: ${names(removed)}`,
    `holding on the current API, violated on the redesign: ${names(introduced)}`,
  ];
}

function comparisonLines(comparison: CompareResult): string[] {
  return [
    '',
    'comparison of the designs:',
    ...textTable(CLASS_TABLE_HEADER, classTable(comparison)),
    ...compareFindingLines(comparison),
  ];
}

/** Summarises the shrinking quality in one line: how many counterexamples are shortest, longer, discrepant or cut short. */
export function shrinkQualityLine(quality: ShrinkQualityResult): string {
  const kinds = quality.rows.map((row) => row.outcome.kind);
  const exact = quality.rows.filter((row) => row.outcome.kind === 'shortest' && row.outcome.ratio === 1).length;
  const longer = kinds.filter((kind) => kind === 'shortest').length - exact;
  const discrepancies = kinds.filter((kind) => kind === 'discrepancy').length;
  const cut = kinds.length - exact - longer - discrepancies;
  return (
    `shrinking quality: ${exact} of ${plural(kinds.length, 'counterexample')} as short as the explorer's shortest, ` +
    `${longer} longer, ${plural(discrepancies, 'discrepancy', 'discrepancies')}, ${cut} cut short (see the report)`
  );
}

/** Returns the whole closing output of `klpcheck check`. */
export function checkSummary(
  result: CheckResult,
  reportPath: string | null,
  comparison: CompareResult | null = null,
  quality: ShrinkQualityResult | null = null,
): string[] {
  const lines = ['', ...verdictTable(result), ...crossCheckLines(result), ...verdictChangeLines(result), ...findingLines(result)];
  if (comparison) lines.push(...comparisonLines(comparison));
  lines.push('');
  if (quality) lines.push(shrinkQualityLine(quality));
  if (reportPath) lines.push(`report written to ${reportPath}`);
  const duration = result.durationMs + (comparison?.durationMs ?? 0) + (quality?.durationMs ?? 0);
  lines.push(`finished in ${formatDuration(duration)}`, hintLine(result));
  if (comparison) lines.push(compareHintLine(comparison));
  return lines;
}

/** Names the verdicts that the cross-check of counterexamples changed after their progress line was printed. */
function crossCheckLines(result: CheckResult): string[] {
  const revealed = result.pairs.filter(
    (pair) => pair.verdict.status === 'violated' && pair.verdict.counterexamples.some((c) => c.revealedBy !== undefined),
  );
  if (revealed.length === 0) return [];
  const names = revealed.map((pair) => `${pair.property.name} on ${pair.model}`).join(', ');
  return [
    '',
    `The table includes the cross-check, which judges each property on the other properties' counterexamples: it found ${names}, ` +
      'so these verdicts can differ from the progress lines above.',
  ];
}

/** Returns a plain progress line for a finished (model, property), for output that is not a terminal. */
export function pairProgressLine(pair: PairResult, index: number, total: number): string {
  const verdict = pair.verdict;
  const head = `[${index}/${total}] ${pair.model} ${pair.property.name}: ${verdictCell(verdict)}`;
  // A property that does not apply runs nothing, so its line gives the reason and no time.
  if (verdict.status === 'not-applicable') return `${head} (${verdict.reason})`;
  const explored = `${plural(verdict.explored.sequences, 'sequence')}, ${plural(verdict.explored.steps, 'operation')}`;
  return `${head} (${explored}, ${formatDuration(pair.durationMs)})`;
}

// Replay

function propertyLine(outcome: PropertyOutcome): string {
  const name = outcome.property.name;
  switch (outcome.status) {
    case 'not-applicable':
      return `  not applicable  ${name}: ${outcome.reason}`;
    case 'error':
      return `  ERROR           ${name}: ${outcome.message}`;
    case 'judged':
      if (outcome.verdict.status === 'holds') return `  holds           ${name}`;
      return `  VIOLATED        ${name} at step ${outcome.verdict.step}: ${outcome.verdict.violation.explanation}`;
  }
}

function logOf(result: ReplayResult, events: readonly (readonly KernelEvent[])[]): string[] {
  return result.ops.flatMap((op, index) =>
    index < events.length ? renderStepLines(result.set, { op, events: events[index] ?? [] }) : [],
  );
}

function eventDifferenceLines(result: ReplayResult, events: EventComparison): string[] {
  if (events.equal) return ['events: the same as stored'];
  const step = events.firstDifference ?? 0;
  return [
    `events: differ from stored, first at step ${step} (${describeOperation(result.ops[step] ?? { type: 'transition_work' }, result.set)})`,
    'stored kernel log (the replayed one is the kernel log above):',
    ...logOf(result, events.stored).map((line) => `  ${line}`),
    `stored events of step ${step}:`,
    `  ${JSON.stringify(events.stored[step] ?? null)}`,
    `replayed events of step ${step}:`,
    `  ${JSON.stringify(events.replayed[step] ?? null)}`,
  ];
}

function reproductionLine(result: ReplayResult): string | null {
  const reproduction = result.reproduction;
  if (!reproduction) return null;
  const stored = reproduction.stored;
  const storedStep = stored.steps[stored.steps.length - 1] ?? 0;
  const was = `stored verdict: ${stored.property} violated at step ${storedStep}`;
  if (reproduction.reproduced) return `${was}: reproduced`;
  const now = reproduction.now;
  if (!now) {
    const run = result.run;
    const outcome = run.status === 'completed' ? run.properties.find((p) => p.property.name === stored.property) : undefined;
    if (outcome?.status === 'not-applicable') {
      return `${was}: NOT reproduced, the property does not apply to model ${result.model}: ${outcome.reason}`;
    }
    return `${was}: NOT reproduced, the property was not judged on this run`;
  }
  if (now.status === 'holds') return `${was}: NOT reproduced, the property now holds`;
  return `${was}: NOT reproduced, now violated at step ${now.step}: ${now.violation.explanation}`;
}

/** Everything replay shows for one file. */
export function replayLines(result: ReplayResult): string[] {
  const kind = result.input.kind;
  const about = result.input.content.property ? ` of ${result.input.content.property}` : '';
  const lines = [
    `${result.input.file}: ${kind}${about}, patch set ${result.set.name}, model ${result.model}` +
      (result.modelOverridden ? ` (the file names ${result.input.content.model})` : ''),
    'operations:',
    ...result.ops.map((op, index) => `  step ${index}: ${describeOperation(op, result.set)}`),
    'kernel log:',
    ...logOf(
      result,
      result.run.trace.steps.map((step) => step.events),
    ).map((line) => `  ${line}`),
  ];

  if (result.run.status === 'crashed') {
    lines.push(`ERROR: the model failed at step ${result.run.step}: ${result.run.message}`);
  } else {
    lines.push('properties:', ...result.run.properties.map(propertyLine));
  }

  const reproduction = reproductionLine(result);
  if (reproduction) lines.push(reproduction);
  if (result.events) lines.push(...eventDifferenceLines(result, result.events));
  lines.push(result.passed ? 'replay: passed' : 'replay: FAILED');
  return lines;
}
