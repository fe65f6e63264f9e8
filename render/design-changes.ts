/**
 * The "What the redesign changes" section of the summary report: verdicts
 * that differ between the designs, and the comparison's verdict divergences.
 */
import type { CheckResult, PairResult } from '../engine/check.ts';
import { verdictChanges, type VerdictChange } from '../engine/check.ts';
import type { CompareResult } from '../engine/compare.ts';
import { code, modelLabel } from './markdown.ts';
import { CLASSIFICATION_LABELS, formatCount, plural, shortestCounterexample, verdictCell } from './terminal.ts';

/** Names the kinds of counterexample a violated pair has, and the size of the shortest, as "API flaw, 4 operations". */
function violationText(pair: PairResult): string {
  const verdict = pair.verdict;
  if (verdict.status !== 'violated') return verdictCell(verdict);
  const kinds = verdict.counterexamples.map((c) => CLASSIFICATION_LABELS[c.classification]).join(' and ');
  const shortest = shortestCounterexample(verdict.counterexamples);
  return `${kinds}, shortest counterexample ${plural(shortest.ops.length, 'operation')}`;
}

function changeLine(change: VerdictChange, violated: PairResult, holding: PairResult): string {
  const explored = holding.verdict.status === 'holds' ? holding.verdict.explored : null;
  const holds = explored
    ? `holds on the ${modelLabel(holding.model)} in ${formatCount(explored.sequences)} sequences`
    : `holds on the ${modelLabel(holding.model)}`;
  return `- ${code(change.property.name)}: violated on the ${modelLabel(violated.model)} (${violationText(violated)}); ${holds}.`;
}

function flawLine(change: VerdictChange): string {
  return (
    `- ${code(change.property.name)}: on the ${modelLabel('current')} ${violationText(change.current)}; ` +
    `on the ${modelLabel('redesign')} ${violationText(change.redesign)}.`
  );
}

/**
 * Lists the comparison's verdict divergences: the same patch set and
 * operations, violating a property on one design and not on the other.
 */
function splitLines(comparison: CompareResult): string[] {
  const line = (violatedIn: 'current' | 'redesign') => {
    const splits = comparison.verdictSplits.filter((s) => s.violatedIn === violatedIn);
    if (splits.length === 0) return ['- none in this run'];
    return splits.map(
      (s) =>
        `- ${code(s.property)}: in ${plural(s.sequences, 'sequence')} of ${formatCount(comparison.sequences)}, ` +
        `${formatCount(s.independentSequences)} of them before any operation's result differed between the designs ` +
        '(in the others the split may only follow a load one design rejected)',
    );
  };
  return [
    '**The same operations, judged on both designs** (from the comparison below: each sequence runs on both designs, the redesign on the translated patch set):',
    '',
    'These sequences come from the comparison\'s own generator, so a property can be listed here for a design although the matrix shows it holding there: the main search of that property did not meet such a sequence. The comparison stores one example per divergence class, not one per property.',
    '',
    `Violated on the ${modelLabel('current')} and holding on the ${modelLabel('redesign')}, that is, current-API violations the redesign removes for those sequences:`,
    '',
    ...line('current'),
    '',
    `Violated on the ${modelLabel('redesign')} and holding on the ${modelLabel('current')}:`,
    '',
    ...line('redesign'),
    '',
  ];
}

export function changesSection(result: CheckResult, comparison: CompareResult | null): string[] {
  const hasBoth = result.models.includes('current') && result.models.includes('redesign');
  if (!hasBoth) return [];
  const changes = verdictChanges(result);
  const shared = result.pairs.filter((p) => p.model === 'current' && p.verdict.status !== 'not-applicable').filter((p) =>
    result.pairs.some((q) => q.model === 'redesign' && q.property.name === p.property.name && q.verdict.status !== 'not-applicable'),
  );
  const lines = [
    '## What the redesign changes',
    '',
    `Computed from the verdicts below, for the ${plural(shared.length, 'property', 'properties')} that apply to both designs.`,
    '',
    '**Current-API violations the redesign removes in this run** (violated on the current API, holding on the redesign in every sequence the run tried):',
    '',
    ...(changes.removed.length > 0 ? changes.removed.map((c) => changeLine(c, c.current, c.redesign)) : ['- none in this run']),
    '',
    '**Violations the redesign introduces** (holding on the current API, violated on the redesign in this run):',
    '',
    ...(changes.introduced.length > 0 ? changes.introduced.map((c) => changeLine(c, c.redesign, c.current)) : ['- none in this run']),
    '',
    '**API flaws the redesign turns into author errors** (violated on both; an API flaw on the current API, only author errors on the redesign):',
    '',
    ...(changes.flawsRemoved.length > 0 ? changes.flawsRemoved.map(flawLine) : ['- none in this run']),
    '',
    '**API flaws of the redesign where the current API needs an author error** (violated on both; only author errors on the current API):',
    '',
    ...(changes.flawsIntroduced.length > 0 ? changes.flawsIntroduced.map(flawLine) : ['- none in this run']),
    '',
  ];
  if (comparison) {
    lines.push(...splitLines(comparison));
    const shown = comparison.classes.filter((c) => c.sequences > 0).map((c) => code(c.class));
    lines.push(
      `The comparison below ran ${plural(comparison.sequences, 'sequence')} on both designs and showed ` +
        `${shown.length} of ${comparison.classes.length} classes of divergence${shown.length > 0 ? `: ${shown.join(', ')}` : ''}.`,
      '',
    );
  }
  return lines;
}
