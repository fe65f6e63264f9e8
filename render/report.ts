/**
 * The Markdown reports: the summary of a check run, with the comparison of
 * the designs when both ran, and the report of `klpcheck compare`. Apart
 * from the timings section at the end, equal results give equal text: no
 * dates, pairs and findings in a fixed order, counterexample files named by
 * content hash.
 */
import type { CheckResult, Counterexample, EngineError, PairResult, SourceSummary } from '../engine/check.ts';
import { sourceLabel } from '../engine/check.ts';
import { deviatingModules } from '../engine/classify.ts';
import type { CompareResult } from '../engine/compare.ts';
import { describePatchSet } from '../engine/generate-patch-set.ts';
import { describeRedesignPatchSet } from '../engine/generate-redesign-patch-set.ts';
import type { ShrinkQualityResult } from '../engine/shrink-quality.ts';
import { MODELLING_ASSUMPTIONS } from '../model/assumptions.ts';
import { REDESIGN_ASSUMPTIONS } from '../model/redesign/assumptions.ts';
import type { ModelName } from '../model/trace.ts';
import type { Property } from '../properties/property.ts';
import { compareMarkdown, effectLines } from './compare.ts';
import { searchCoverageSection } from './coverage.ts';
import { changesSection } from './design-changes.ts';
import { renderKernelLog } from './kernel-log.ts';
import { cell, code, modelLabel } from './markdown.ts';
import { describeOperation } from './operations.ts';
import { shrinkQualitySection } from './shrink-quality.ts';
import {
  CLASSIFICATION_LABELS,
  formatCount,
  formatDuration,
  plural,
  replayCommand,
  rerunCommand,
  shortestCounterexample,
} from './terminal.ts';

function fenced(lines: readonly string[]): string[] {
  return ['```text', ...(lines.length > 0 ? lines : ['(no lines)']), '```'];
}

// What was run

function sourceLine(summary: SourceSummary): string {
  const fixed = summary.fixed.length > 0 ? summary.fixed.map(code).join(', ') : 'none';
  const generated = summary.generated.length > 0 ? summary.generated.map(code).join(', ') : 'none';
  return (
    `- ${modelLabel(summary.model)}: ${plural(summary.runs, 'sequence')} per patch-set job; fixed patch sets ${fixed}; ` +
    `generated patch sets from ${generated}`
  );
}

function runSection(result: CheckResult, comparison: CompareResult | null): string[] {
  const generatedSets = result.pairs.reduce(
    (sum, p) => sum + (p.verdict.status === 'not-applicable' ? 0 : p.verdict.explored.generatedSets),
    0,
  );
  const flags = `--seed ${result.seed} --runs ${result.runs} --max-steps ${result.maxSteps}`;
  const lines = [
    '## What was run',
    '',
    `- Models: ${result.models.map(code).join(', ')}`,
    `- Properties: ${result.properties.map(code).join(', ')}`,
    `- Seed ${result.seed}, up to ${plural(result.maxSteps, 'operation')} per sequence`,
    ...result.sources.map(sourceLine),
    result.generated
      ? `- Generated patch sets: ${formatCount(generatedSets)} over all properties and models`
      : '- Generated patch sets: none',
  ];
  if (comparison) {
    lines.push(`- Comparison of the designs: ${plural(comparison.sequences, 'generated patch set')} with one sequence each`);
  }
  lines.push(`- Reproduce: ${code(`npx klpcheck check ${flags}`)} with the same models and properties`, '');
  return lines;
}

// Verdicts

function exploredText(pair: PairResult): string {
  const verdict = pair.verdict;
  if (verdict.status === 'not-applicable') return '';
  return `${formatCount(verdict.explored.sequences)} sequences, ${formatCount(verdict.explored.steps)} operations`;
}

/** Renders one cell of the verdict matrix. */
function matrixCell(pair: PairResult | undefined): string {
  if (!pair) return 'not checked';
  const verdict = pair.verdict;
  switch (verdict.status) {
    case 'holds':
      return `holds (${exploredText(pair)})`;
    case 'not-applicable':
      return `not applicable: ${verdict.reason}`;
    case 'error':
      return `ERROR (${exploredText(pair)})`;
    case 'violated': {
      const kinds = verdict.counterexamples.map((c) => CLASSIFICATION_LABELS[c.classification]).join(' and ');
      const found = shortestCounterexample(verdict.counterexamples);
      const where = found.file ? code(found.file.path) : 'not stored';
      const revealed = verdict.counterexamples.every((c) => c.revealedBy !== undefined)
        ? `; its own sequences (${exploredText(pair)}) found none, the counterexample of ${code(found.revealedBy ?? '')} does`
        : `; ${exploredText(pair)}`;
      return (
        `VIOLATED (${kinds}); shortest counterexample: ${CLASSIFICATION_LABELS[found.classification]}, ` +
        `${plural(found.ops.length, 'operation')}, ${where}${revealed}`
      );
    }
  }
}

function verdictSection(result: CheckResult): string[] {
  const rows = result.properties.map((property) => {
    const cells = result.models.map((model) =>
      cell(matrixCell(result.pairs.find((p) => p.model === model && p.property.name === property))),
    );
    return `| ${code(property)} | ${cells.join(' | ')} |`;
  });
  return [
    '## Verdicts',
    '',
    `| property | ${result.models.map(modelLabel).join(' | ')} |`,
    `|---|${result.models.map(() => '---|').join('')}`,
    ...rows,
    '',
  ];
}

function propertySection(properties: readonly Property[]): string[] {
  return [
    '## Properties',
    '',
    ...properties.flatMap((property) => [`- ${code(property.name)}: ${property.title}. ${property.rule}`]),
    '',
  ];
}

// Violations

function classificationText(found: Counterexample): string {
  if (found.classification === 'api-flaw') {
    return 'every livepatch module loaded in this counterexample follows the documented practice, so the API itself allows the violation.';
  }
  const modules = deviatingModules(found.set, found.ops).map((def) => `${code(def.name)} (${def.practice})`);
  const verb = modules.length === 1 ? 'deviates' : 'deviate';
  return (
    `${modules.join(', ')} ${verb} from the documented practice, so this counterexample does not show that the API ` +
    'alone allows the violation; an API-flaw counterexample of the same property, if the run found one, is listed with it.'
  );
}

function patchSetText(pair: PairResult, found: Counterexample): string {
  switch (found.source.kind) {
    case 'catalogue':
      return `catalogue patch set ${code(found.source.name)}`;
    case 'translated':
      return `catalogue patch set ${code(found.source.from)}, translated to the redesign`;
    case 'generated': {
      const describe = pair.model === 'redesign' ? describeRedesignPatchSet : describePatchSet;
      return `generated by ${code(found.source.name)}, ${describe(found.set)}`;
    }
  }
}

function counterexampleSection(pair: PairResult, found: Counterexample): string[] {
  const label = CLASSIFICATION_LABELS[found.classification];
  const operations = found.ops.map((op, index) => {
    const marker = index === found.step ? ' (violated here)' : '';
    return `${index}. ${code(describeOperation(op, found.set))}${marker}`;
  });
  const lines = [
    `### ${pair.property.name} on ${pair.model}: ${label}`,
    '',
    `**${label.charAt(0).toUpperCase()}${label.slice(1)}:** ${classificationText(found)}`,
    '',
    found.violation.explanation,
    '',
    `Patch set: ${patchSetText(pair, found)}.`,
    found.revealedBy
      ? `Found by judging the counterexample of ${code(found.revealedBy)} against this property, then shrunk for it to ${plural(found.ops.length, 'operation')}.`
      : `fast-check's counterexample had ${plural(found.fastCheckLength, 'operation')}; klpcheck's shrinking left ${plural(found.ops.length, 'operation')}.`,
    '',
    'Operations:',
    '',
    ...operations,
    '',
    'Callbacks, shadow variable operations and system variable changes:',
    '',
    ...fenced(effectLines(found.trace)),
    '',
    'Kernel log:',
    '',
    ...fenced(renderKernelLog(found.trace)),
    '',
  ];
  if (found.file) {
    lines.push(`File: ${code(found.file.path)}`, '', `Replay: ${code(replayCommand(found.file.path))}`, '');
  }
  return lines;
}

function errorSection(result: CheckResult, pair: PairResult, error: EngineError): string[] {
  return [
    `### ${pair.property.name} on ${pair.model}: error in ${sourceLabel(error.source)}`,
    '',
    'The model or the property threw an exception; this is a bug in klpcheck, not a finding about livepatch.',
    '',
    ...fenced([error.message]),
    '',
    `Reproduce: ${code(rerunCommand(result, pair))}`,
    '',
  ];
}

function findingsSection(result: CheckResult): string[] {
  const lines: string[] = [];
  for (const pair of result.pairs) {
    const verdict = pair.verdict;
    if (verdict.status === 'violated') {
      for (const found of verdict.counterexamples) lines.push(...counterexampleSection(pair, found));
    }
    if (verdict.status === 'violated' || verdict.status === 'error') {
      for (const error of verdict.errors) lines.push(...errorSection(result, pair, error));
    }
  }
  if (lines.length === 0) return ['## Violations', '', 'None found.', ''];
  return ['## Violations', '', ...lines];
}

// Assumptions, reading guide and timings

function assumptionList(assumptions: readonly string[]): string[] {
  return assumptions.length > 0 ? assumptions.map((assumption) => `- ${assumption}`) : ['None recorded.'];
}

function assumptionsSection(models: readonly ModelName[]): string[] {
  const lines = [
    '## Modelling assumptions',
    '',
    '### The shared kernel world and the current API',
    '',
    ...assumptionList(MODELLING_ASSUMPTIONS),
    '',
  ];
  if (models.includes('redesign')) {
    lines.push(
      '### The redesign',
      '',
      'The assumptions above hold for the redesign too; these are its own.',
      '',
      ...assumptionList(REDESIGN_ASSUMPTIONS),
      '',
    );
  }
  return lines;
}

const HOW_TO_READ = [
  '## How to read this report',
  '',
  '- Each property is checked on each model with random operation sequences: module loads and removals, sysfs writes, the transition and free work items, and calls into patched functions.',
  '- **holds** means no sequence that was tried violated the property. It is not a proof: more runs or longer sequences may still find a violation. The numbers say how much was explored.',
  '- **VIOLATED** means a sequence broke the rule. The sequence shown is minimised: no single operation can be removed without the violation going away.',
  '- **API flaw** marks a violation in which every loaded livepatch follows the documented author practice; **author error** marks one in which some loaded livepatch deviates from it, so the counterexample alone does not show whether the API or the deviation is to blame. Practice tags: `no-state` (declares no klp_state), `exit-frees-shadows` (frees shadow variables in module_exit), `ignores-prev-state` (does not consult klp_get_prev_state), `callbacks-on-module-object` (state handling in the callbacks of a target module object), `kernel-module` (a kernel selftest or sample module), `translated` (a current-API module translated to the redesign), and the redesign deviations `inconsistent-shared-state`, `duplicate-state-id` and `undeclared-shadow-id`.',
  '- **not applicable** means the rule speaks about a mechanism the design does not have; the cell gives the reason.',
  '- **ERROR** means the model or the property threw an exception, which is a bug in klpcheck.',
  '- Steps count from 0: step 0 is the first operation, and explanations name steps the same way. The kernel log is what dmesg would show for those operations, with the commands a kselftest would echo.',
  '- Each counterexample file replays with the command under it; replay shows the kernel log, every property\'s verdict and whether the stored verdict is reproduced.',
  '- **Shrinking quality** compares each counterexample\'s length with the shortest one the explorer finds on the same patch set and model; a ratio above 1.00 means a shorter sequence exists, and a DISCREPANCY means the explorer cannot reach the counterexample within its length.',
  '- **Coverage of the random search** lists, per model, the operations, refusals, callback call sites, state callbacks, transition phases, control states and chart transitions that no sequence of the search exercised; a kind of callback the design does not have reads "not in this design".',
  '- The comparison runs one generated current-API patch set per sequence on the current API and its translation on the redesign. Each class lists how many sequences showed it, and a minimised example that `compare --replay` reruns.',
  '',
];

function timingSection(result: CheckResult, comparison: CompareResult | null, quality: ShrinkQualityResult | null): string[] {
  const total = result.durationMs + (comparison?.durationMs ?? 0) + (quality?.durationMs ?? 0);
  const lines = [
    '## Timings (these vary between runs)',
    '',
    `Total: ${formatDuration(total)}`,
    '',
    // Pairs whose property does not apply run nothing, so they have no time to list.
    ...result.pairs
      .filter((pair) => pair.verdict.status !== 'not-applicable')
      .map((pair) => `- ${pair.property.name} on ${pair.model}: ${formatDuration(pair.durationMs)}`),
  ];
  if (quality) lines.push(`- shrinking quality: ${formatDuration(quality.durationMs)}`);
  if (comparison) lines.push(`- comparison of the designs: ${formatDuration(comparison.durationMs)}`);
  lines.push('');
  return lines;
}

function joinReport(lines: readonly string[]): string {
  return `${lines.join('\n').replace(/\n{3,}/g, '\n\n').trimEnd()}\n`;
}

/**
 * Renders the whole Markdown summary of a check run, ending with a newline.
 * A null `shrinkQuality` means the run skipped that step.
 */
export function renderReport(
  result: CheckResult,
  comparison: CompareResult | null = null,
  shrinkQuality: ShrinkQualityResult | null = null,
): string {
  const properties = result.pairs
    .map((pair) => pair.property)
    .filter((property, index, all) => all.findIndex((p) => p.name === property.name) === index);
  return joinReport([
    '# klpcheck summary',
    '',
    ...changesSection(result, comparison),
    ...runSection(result, comparison),
    ...verdictSection(result),
    ...propertySection(properties),
    ...findingsSection(result),
    ...shrinkQualitySection(shrinkQuality),
    ...searchCoverageSection(result.coverage),
    ...(comparison ? compareMarkdown(comparison) : []),
    ...assumptionsSection(result.models),
    ...HOW_TO_READ,
    ...timingSection(result, comparison, shrinkQuality),
  ]);
}

/** Renders the Markdown report of `klpcheck compare`, ending with a newline. */
export function renderCompareReport(result: CompareResult): string {
  return joinReport([
    '# klpcheck comparison of the current API and the redesign',
    '',
    `Reproduce: ${code(`npx klpcheck compare --seed ${result.seed} --runs ${result.runs} --max-steps ${result.maxSteps}`)}`,
    '',
    ...compareMarkdown(result),
    ...assumptionsSection(['current', 'redesign']),
    '## Timings (these vary between runs)',
    '',
    `Total: ${formatDuration(result.durationMs)}`,
    '',
  ]);
}
