/** The "Coverage of the random search" section of the summary report. */
import { COVERAGE_KINDS, type CoverageKind } from '../engine/explore/coverage.ts';
import type { SearchCoverage } from '../engine/search-coverage.ts';
import { cell, code, modelLabel } from './markdown.ts';
import { plural } from './terminal.ts';

export const KIND_LABELS: Record<CoverageKind, string> = {
  operations: 'operation types',
  refusals: 'refusals (operation, errno)',
  callbacks: 'callback call sites (callback, module state)',
  stateCallbacks: 'state callbacks',
  transitionPhases: 'transition phases (kernel log)',
  controlStates: 'control states',
  chartTransitions: 'chart transitions (state, operation, guard)',
};

function itemList(items: readonly string[]): string {
  return items.length > 0 ? items.map(code).join(', ') : 'none';
}

/** Renders one row: known items exercised out of the known ones, and the known items never exercised. */
function kindRow(model: SearchCoverage, kind: CoverageKind): string {
  const known = model.known[kind];
  const exercised = Object.keys(model.coverage[kind].exercised);
  if (known.length === 0 && exercised.length === 0) return `| ${KIND_LABELS[kind]} | not in this design | |`;
  const exercisedKnown = known.filter((item) => exercised.includes(item)).length;
  const unlisted = exercised.filter((item) => !known.includes(item));
  const extra = unlisted.length > 0 ? `, and ${unlisted.length} not named by the chart: ${itemList(unlisted)}` : '';
  const never = model.coverage[kind].never;
  return `| ${KIND_LABELS[kind]} | ${cell(`${exercisedKnown} of ${known.length}${extra}`)} | ${cell(itemList(never))} |`;
}

function modelTable(model: SearchCoverage): string[] {
  return [
    `### ${modelLabel(model.model)}: ${plural(model.sequences, 'sequence')}`,
    '',
    '| kind | exercised, of the known items | never exercised |',
    '|---|---|---|',
    ...COVERAGE_KINDS.map((kind) => kindRow(model, kind)),
    '',
  ];
}

/** Renders the coverage of every sequence the search generated, per model; empty when no model was checked. */
export function searchCoverageSection(coverage: readonly SearchCoverage[]): string[] {
  if (coverage.length === 0) return [];
  return [
    '## Coverage of the random search',
    '',
    'Each table counts what the sequences of the random search exercised on one model, over all its patch sets; the runs of shrinking are left out. ' +
      'The items never exercised are what random search missed in this run, so no verdict above says anything about them. ' +
      `${code('klpcheck explore')} runs every sequence up to a depth on one patch set and reports the same kinds of coverage for that bound.`,
    '',
    ...coverage.flatMap(modelTable),
  ];
}
