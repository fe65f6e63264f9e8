/**
 * The Markdown summary of a check run. Apart from the timings section at the
 * end, equal results give equal text: no dates, pairs and findings in a fixed
 * order, counterexample files named by content hash.
 */
import type { CheckResult, Counterexample, EngineError, PairResult } from '../engine/check.ts';
import { sourceLabel } from '../engine/check.ts';
import { deviatingModules } from '../engine/classify.ts';
import { describePatchSet } from '../engine/generate-patch-set.ts';
import { MODELLING_ASSUMPTIONS } from '../model/assumptions.ts';
import type { Property } from '../properties/property.ts';
import { renderKernelLog } from './kernel-log.ts';
import { describeOperation, shadowLines } from './operations.ts';
import {
  CLASSIFICATION_LABELS,
  formatCount,
  formatDuration,
  plural,
  replayCommand,
  rerunCommand,
  verdictCell,
} from './terminal.ts';

/** Escapes the characters that would break a Markdown table cell. */
function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

function code(text: string): string {
  return text.includes('`') ? `\`\` ${text} \`\`` : `\`${text}\``;
}

function fenced(lines: readonly string[]): string[] {
  return ['```text', ...(lines.length > 0 ? lines : ['(no lines)']), '```'];
}

function runSection(result: CheckResult): string[] {
  const generatedSets = result.pairs.reduce(
    (sum, p) => sum + (p.verdict.status === 'not-applicable' ? 0 : p.verdict.explored.generatedSets),
    0,
  );
  const flags = `--seed ${result.seed} --runs ${result.runs} --max-steps ${result.maxSteps}`;
  return [
    '## What was run',
    '',
    `- Models: ${result.models.map(code).join(', ')}`,
    `- Properties: ${result.properties.map(code).join(', ')}`,
    `- Seed ${result.seed}, ${plural(result.runs, 'run')} per patch-set job, up to ${plural(result.maxSteps, 'operation')} per sequence`,
    `- Catalogue patch sets: ${result.catalogue.length > 0 ? result.catalogue.map(code).join(', ') : 'none'}`,
    result.generated
      ? `- Generated patch sets: ${formatCount(generatedSets)} over all properties and models`
      : '- Generated patch sets: none',
    `- Reproduce: ${code(`npx klpcheck check ${flags}`)} with the same models and properties`,
    '',
  ];
}

function exploredText(pair: PairResult): string {
  const verdict = pair.verdict;
  if (verdict.status === 'not-applicable') return cell(verdict.reason);
  return `${formatCount(verdict.explored.sequences)} sequences, ${formatCount(verdict.explored.steps)} operations`;
}

function verdictSection(result: CheckResult): string[] {
  const rows = result.pairs.map(
    (pair) => `| ${code(pair.property.name)} | ${pair.model} | ${verdictCell(pair.verdict)} | ${exploredText(pair)} |`,
  );
  return [
    '## Verdicts',
    '',
    '| property | model | verdict | explored |',
    '|---|---|---|---|',
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

function classificationText(found: Counterexample): string {
  if (found.classification === 'api-flaw') {
    return 'every livepatch module loaded in this counterexample follows the documented practice, so the API itself allows the violation.';
  }
  const modules = deviatingModules(found.set, found.ops).map((def) => `${code(def.name)} (${def.practice})`);
  const verb = modules.length === 1 ? 'deviates' : 'deviate';
  return `${modules.join(', ')} ${verb} from the documented practice, so the violation needs an author mistake.`;
}

function patchSetText(found: Counterexample): string {
  if (found.source.kind === 'catalogue') return `catalogue patch set ${code(found.source.name)}`;
  return `generated, ${describePatchSet(found.set)}`;
}

function counterexampleSection(pair: PairResult, found: Counterexample): string[] {
  const label = CLASSIFICATION_LABELS[found.classification];
  const operations = found.ops.map((op, index) => {
    const marker = index === found.step ? ' (violated here)' : '';
    return `${index}. ${code(describeOperation(op, found.set))}${marker}`;
  });
  const shadows = shadowLines(found.trace);
  const lines = [
    `### ${pair.property.name} on ${pair.model}: ${label}`,
    '',
    `**${label.charAt(0).toUpperCase()}${label.slice(1)}:** ${classificationText(found)}`,
    '',
    found.violation.explanation,
    '',
    `Patch set: ${patchSetText(found)}.`,
    `fast-check's counterexample had ${plural(found.fastCheckLength, 'operation')}; after klpcheck's shrinking ${found.ops.length} remain.`,
    '',
    'Operations:',
    '',
    ...operations,
    '',
    'Kernel log:',
    '',
    ...fenced(renderKernelLog(found.trace)),
    '',
    'Shadow variable operations:',
    '',
    ...(shadows.length > 0 ? fenced(shadows) : ['none', '']),
  ];
  if (shadows.length > 0) lines.push('');
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

function assumptionsSection(): string[] {
  const items = MODELLING_ASSUMPTIONS.map((assumption) => `- ${assumption}`);
  return ['## Modelling assumptions', '', ...(items.length > 0 ? items : ['None recorded.']), ''];
}

const HOW_TO_READ = [
  '## How to read this report',
  '',
  '- Each property is checked on each model with random operation sequences: module loads and removals, sysfs writes, the transition and free work items, and calls into patched functions.',
  '- **holds** means no sequence that was tried violated the property. It is not a proof: more runs or longer sequences may still find a violation.',
  '- **VIOLATED** means a sequence broke the rule. The sequence shown is minimised: no single operation can be removed without the violation going away.',
  '- **API flaw** marks a violation in which every loaded livepatch follows the documented author practice; **author error** marks one that needs a livepatch that deviates from it.',
  '- **ERROR** means the model or the property threw an exception, which is a bug in klpcheck.',
  '- Steps count from 0: step 0 is the first operation, and explanations name steps the same way. The kernel log is what dmesg would show for those operations, with the commands a kselftest would echo.',
  '- Each counterexample file replays with the command under it; replay shows the kernel log, every property\'s verdict and whether the stored verdict is reproduced.',
  '',
];

function timingSection(result: CheckResult): string[] {
  return [
    '## Timings (these vary between runs)',
    '',
    `Total: ${formatDuration(result.durationMs)}`,
    '',
    ...result.pairs.map((pair) => `- ${pair.property.name} on ${pair.model}: ${formatDuration(pair.durationMs)}`),
    '',
  ];
}

/** Renders the whole Markdown report, ending with a newline. */
export function renderReport(result: CheckResult): string {
  const properties = result.pairs
    .map((pair) => pair.property)
    .filter((property, index, all) => all.findIndex((p) => p.name === property.name) === index);
  const lines = [
    '# klpcheck summary',
    '',
    ...runSection(result),
    ...verdictSection(result),
    ...propertySection(properties),
    ...findingsSection(result),
    ...assumptionsSection(),
    ...HOW_TO_READ,
    ...timingSection(result),
  ];
  return `${lines.join('\n').replace(/\n{3,}/g, '\n\n').trimEnd()}\n`;
}
