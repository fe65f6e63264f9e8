/** The "Shrinking quality" section of the summary report. */
import type { ShrinkQualityResult, ShrinkQualityRow } from '../engine/shrink-quality.ts';
import { cell, code, modelLabel } from './markdown.ts';
import { CLASSIFICATION_LABELS, formatCount, formatDuration, plural } from './terminal.ts';

/** Renders the explorer's shortest length, or why there is none. */
function shortestCell(row: ShrinkQualityRow): string {
  const outcome = row.outcome;
  switch (outcome.kind) {
    case 'shortest':
      return String(outcome.shortest);
    case 'discrepancy':
      return `DISCREPANCY: none within ${plural(row.depth, 'operation')}`;
    case 'depth-cap':
      return `none up to ${plural(row.depth, 'operation')}; cut short by the depth cap`;
    case 'time-budget':
      return `none in ${plural(outcome.completedDepth, 'complete depth')}; cut short by the time budget`;
    case 'heap-limit':
      return `none in ${plural(outcome.completedDepth, 'complete depth')}; cut short by the heap limit`;
    case 'not-run':
      return 'not run: the total time budget was spent';
  }
}

function tableRow(row: ShrinkQualityRow): string {
  const ratio = row.outcome.kind === 'shortest' ? row.outcome.ratio.toFixed(2) : '-';
  const cells = [
    code(row.case.property.name),
    modelLabel(row.case.model),
    CLASSIFICATION_LABELS[row.case.classification],
    code(row.case.patchSet),
    String(row.shrunk),
    shortestCell(row),
    ratio,
    formatCount(row.states),
  ];
  return `| ${cells.map(cell).join(' | ')} |`;
}

/** Sums the rows up by outcome, in one sentence. */
function countLine(rows: readonly ShrinkQualityRow[]): string {
  const count = (kind: ShrinkQualityRow['outcome']['kind']) => rows.filter((r) => r.outcome.kind === kind).length;
  const ratios = rows.flatMap((r) => (r.outcome.kind === 'shortest' ? [r.outcome.ratio] : []));
  const minimal = ratios.filter((ratio) => ratio === 1).length;
  const longer = ratios.length - minimal;
  const worst = longer > 0 ? ` (largest ratio ${Math.max(...ratios).toFixed(2)})` : '';
  const cut = count('depth-cap') + count('time-budget') + count('heap-limit') + count('not-run');
  return (
    `Of ${plural(rows.length, 'counterexample')}, ${minimal} ${minimal === 1 ? 'has' : 'have'} a shortest length, ` +
    `${longer} ${longer === 1 ? 'is' : 'are'} longer than the shortest${worst}, ` +
    `${plural(count('discrepancy'), 'discrepancy', 'discrepancies')}, and ${cut} cut short.`
  );
}

const DISCREPANCY_TEXT =
  '**DISCREPANCY** means the explorer found no violation within the shrunk length, although the stored counterexample has one. ' +
  'The explorer tries, in each world, the operations the random engine\'s generator offers there, and the shrinker removes operations from a drawn sequence, ' +
  'so a remaining operation may run in a world where the generator would not offer it; the explorer then never tries that sequence. ' +
  'It can also mean that the explorer merged two states that the property distinguishes. ' +
  'Either way the bound certificate of `klpcheck explore` does not cover that counterexample.';

/** Renders the table of shrunk against shortest lengths; `null` means the run skipped the step. */
export function shrinkQualitySection(quality: ShrinkQualityResult | null): string[] {
  const heading = ['## Shrinking quality', ''];
  if (!quality) return [...heading, 'Not measured in this run: `--no-shrink-quality` skipped it.', ''];
  if (quality.rows.length === 0) return [...heading, 'No counterexample to measure in this run.', ''];
  const { depthCap, rowBudgetMs, totalBudgetMs } = quality.options;
  return [
    ...heading,
    'For each counterexample above, the explorer searched every operation sequence on the counterexample\'s own patch set and model, ' +
      `checking only its property, up to the shrunk length (at most ${plural(depthCap, 'operation')}, ` +
      `${formatDuration(rowBudgetMs)} per counterexample and ${formatDuration(totalBudgetMs)} in all). ` +
      'Its first violation is a shortest counterexample among the operations it tries, so a ratio of 1.00 means shrinking reached a minimum.',
    '',
    '| property | model | kind | patch set | shrunk length | explorer\'s shortest length | ratio shrunk/shortest | explorer states |',
    '|---|---|---|---|---:|---|---:|---:|',
    ...quality.rows.map(tableRow),
    '',
    countLine(quality.rows),
    '',
    DISCREPANCY_TEXT,
    '',
  ];
}
