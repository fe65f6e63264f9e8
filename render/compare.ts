/**
 * Text for the comparison of the two designs: divergences in kernel words,
 * the callbacks and shadow operations a trace caused, the terminal summary,
 * the Markdown section of the report and the output of `compare --replay`.
 */
import type { CompareReplay, CompareResult, ClassSummary, CompareExample } from '../engine/compare.ts';
import type { CallbackKey, Cleanup, Design, DesignPair, Divergence, DivergenceClass } from '../engine/divergence.ts';
import { DESIGNS } from '../engine/divergence.ts';
import { findModule, type PatchSet } from '../model/definition.ts';
import { errnoName } from '../model/errno.ts';
import type { CodeSite, KernelEvent } from '../model/events.ts';
import { objectLabel, patchModule } from '../model/ids.ts';
import type { Trace } from '../model/trace.ts';
import { STATE_SHADOW_FREE } from '../model/redesign/states.ts';
import { CALLBACK_STATE_ID_BASE, CALLBACK_STATE_ID_STRIDE, type SetTranslation, type TranslationLoss } from '../model/translate.ts';
import { siteLabel } from '../properties/describe.ts';
import { describeOperation } from './operations.ts';

/** Command prefix for running klpcheck from a checkout. */
const COMMAND = 'npx klpcheck';

export const DESIGN_LABELS: Record<Design, string> = { current: 'current API', redesign: 'redesign' };

export const CLASS_TITLES: Record<DivergenceClass, string> = {
  refusal: 'refused in one design, accepted in the other',
  errno: 'refused in both designs, with different errnos',
  cleanup: 'a cleanup (unpatch callback or shadow free) ran in one design only, or at another step',
  setup: 'a setup callback (pre_patch or post_patch) ran in one design only, or at another step',
  'shadow-left': 'a shadow variable is left in one design only',
  'system-variable': 'a system variable is left changed in one design only',
  'callback-order': 'callbacks of one operation ran in a different order',
  verdict: 'a property verdict differs',
};

export function compareReplayCommand(file: string): string {
  return `${COMMAND} compare --replay ${file}`;
}

const numberFormat = new Intl.NumberFormat('en-US');

function plural(n: number, word: string, many = `${word}s`): string {
  return `${numberFormat.format(n)} ${n === 1 ? word : many}`;
}

function formatId(id: number): string {
  return id < 10 ? String(id) : `0x${id.toString(16)}`;
}

// Names of callbacks and cleanups

function callbackKeyLabel(key: CallbackKey): string {
  if (key.owner.kind === 'object') return `${key.callback} of ${key.module} for ${objectLabel(key.owner.object)}`;
  return `${key.callback} of klp_state ${formatId(key.owner.state)} of ${key.module}`;
}

function cleanupLabel(cleanup: Cleanup): string {
  if (cleanup.kind === 'callback') return callbackKeyLabel(cleanup.key);
  return `the free of shadow variable <${cleanup.obj}, ${cleanup.id}>`;
}

/**
 * Names a redesign state: a state that the translation made from an object's
 * callbacks by the object, any other by its id. The object index is the
 * remainder of the id above CALLBACK_STATE_ID_BASE, so the name stays right
 * even when the shrinker dropped modules.
 */
function stateLabel(set: PatchSet, module: string, state: number): string {
  if (state < CALLBACK_STATE_ID_BASE) return `klp_state ${formatId(state)}`;
  const def = findModule(set, module);
  const object = def?.kind === 'livepatch' ? def.objects[(state - CALLBACK_STATE_ID_BASE) % CALLBACK_STATE_ID_STRIDE] : undefined;
  return object ? `the state holding the callbacks for ${objectLabel(object.name)}` : `klp_state ${state}`;
}

// The effects of a trace: callbacks, shadow operations and system variable changes

const SHADOW_CALLS: Record<Extract<KernelEvent, { type: 'shadow' }>['op'], string> = {
  alloc: 'klp_shadow_alloc',
  get_or_alloc: 'klp_shadow_get_or_alloc',
  get: 'klp_shadow_get',
  free: 'klp_shadow_free',
  free_all: 'klp_shadow_free_all',
  ctor: 'shadow constructor',
  dtor: 'shadow destructor',
};

function shadowText(event: Extract<KernelEvent, { type: 'shadow' }>): string {
  const name = SHADOW_CALLS[event.op];
  if (event.op === 'free_all') return `${name}(id=${event.id})`;
  const args = `obj=${event.obj ?? 'NULL'}, id=${event.id}`;
  if (event.op === 'ctor' || event.op === 'dtor') return `${name} for (${args})`;
  // klp_shadow_free_all emits one free per variable before its own event, so a free that found a
  // variable is named by its effect; one that found nothing can only come from klp_shadow_free.
  if (event.op === 'free') return event.data === null ? `${name}(${args}), nothing to free` : `shadow variable <${event.obj}, ${event.id}> freed`;
  return `${name}(${args}) = ${event.data ?? 'NULL'}`;
}

/** Names where author code ran; a redesign state callback names its state as stateLabel does. */
function codeSiteLabel(trace: Trace, world: Trace['initial'], site: CodeSite): string {
  if (site.kind !== 'stateCallback') return siteLabel(world, site);
  const module = patchModule(site.patch);
  const what = site.callback === STATE_SHADOW_FREE ? "the core's klp_shadow_free_all" : site.callback;
  return `${what} of ${module}, ${stateLabel(trace.set, module, site.state)}`;
}

function effectText(trace: Trace, world: Trace['initial'], event: KernelEvent): string | null {
  switch (event.type) {
    case 'callback': {
      const ret = event.ret !== undefined && event.ret !== 0 ? ` returned ${event.ret}` : '';
      return `${event.callback} of ${patchModule(event.patch)} for ${objectLabel(event.object)}${ret}`;
    }
    case 'stateCallback': {
      const module = patchModule(event.patch);
      const ret = event.ret !== undefined && event.ret !== 0 ? ` returned ${event.ret}` : '';
      return `${event.callback} of ${module}, ${stateLabel(trace.set, module, event.state)}${ret}`;
    }
    case 'shadow':
      return `${shadowText(event)}, in ${codeSiteLabel(trace, world, event.site)}`;
    case 'variable':
      return `${event.name}: ${event.from} -> ${event.to}, in ${codeSiteLabel(trace, world, event.site)}`;
    default:
      return null;
  }
}

/** Lists the callbacks, shadow operations and system variable changes of a trace, step by step, in event order. */
export function effectLines(trace: Trace): string[] {
  const lines: string[] = [];
  for (const step of trace.steps) {
    for (const event of step.events) {
      const text = effectText(trace, step.after, event);
      if (text !== null) lines.push(`step ${step.index}: ${text}`);
    }
  }
  return lines;
}

// Divergences

function errnoText(errno: number | null): string {
  if (errno === null || errno === 0) return 'accepts it';
  return `refuses it with ${errnoName(errno)} (${errno})`;
}

function stepsText(steps: readonly number[]): string {
  if (steps.length === 0) return 'never';
  return `at step${steps.length === 1 ? '' : 's'} ${steps.join(', ')}`;
}

function countsText(steps: DesignPair<readonly number[]>): string {
  return `ran ${stepsText(steps.current)} in the ${DESIGN_LABELS.current} and ${stepsText(steps.redesign)} in the ${DESIGN_LABELS.redesign}`;
}

function orderText(order: readonly CallbackKey[]): string {
  return order.map(callbackKeyLabel).join(', ');
}

/** Describes one divergence in kernel words. */
export function divergenceText(divergence: Divergence, set: PatchSet): string {
  switch (divergence.class) {
    case 'refusal':
    case 'errno':
      return (
        `step ${divergence.step}, ${describeOperation(divergence.op, set)}: the ${DESIGN_LABELS.current} ` +
        `${errnoText(divergence.errno.current)}, the ${DESIGN_LABELS.redesign} ${errnoText(divergence.errno.redesign)}`
      );
    case 'cleanup':
      return `${cleanupLabel(divergence.cleanup)} ${countsText(divergence.steps)}`;
    case 'setup':
      return `${callbackKeyLabel(divergence.callback)} ${countsText(divergence.steps)}`;
    case 'shadow-left':
      return `shadow variable <${divergence.obj}, ${divergence.id}> exists after the last operation in the ${DESIGN_LABELS[divergence.leftIn]} only`;
    case 'system-variable':
      return (
        `${divergence.name} is left changed in the ${DESIGN_LABELS[divergence.changedIn]} only: ` +
        `${divergence.value.current} in the ${DESIGN_LABELS.current}, ${divergence.value.redesign} in the ` +
        `${DESIGN_LABELS.redesign}, boot value ${divergence.original}`
      );
    case 'callback-order':
      return (
        `step ${divergence.step}: the callbacks both designs ran differ in order from position ${divergence.position}; ` +
        `${DESIGN_LABELS.current}: ${orderText(divergence.order.current)}; ` +
        `${DESIGN_LABELS.redesign}: ${orderText(divergence.order.redesign)}`
      );
    case 'verdict':
      return (
        `${divergence.property} is violated in the ${DESIGN_LABELS[divergence.violatedIn]} only, at step ` +
        `${divergence.step}: ${divergence.explanation}`
      );
  }
}

// Translation losses

function idList(ids: readonly number[]): string {
  return [...new Set(ids)].sort((a, b) => a - b).map(formatId).join(', ');
}

function lossTexts(losses: readonly TranslationLoss[]): string[] {
  const texts: string[] = [];
  const versions = losses.flatMap((loss) => (loss.kind === 'version' ? [loss.state] : []));
  const data = losses.flatMap((loss) => (loss.kind === 'data' ? [loss.state] : []));
  for (const loss of losses) {
    if (loss.kind === 'moduleLoadCallbacks') {
      texts.push(`${loss.callbacks.join(', ')} for ${loss.object} no longer run when ${loss.object} loads or unloads`);
    }
    if (loss.kind === 'perObjectGranularity') {
      texts.push(`the callbacks for ${loss.object} run when their state is added or removed, whether or not ${loss.object} is loaded`);
    }
  }
  if (versions.length > 0) texts.push(`the version of klp_state ${idList(versions)} is dropped`);
  if (data.length > 0) texts.push(`code that uses the data of klp_state ${idList(data)} is kept, but the redesign has no klp_state.data`);
  return texts;
}

/** Lists, per livepatch module of the example, what its translation to the redesign cannot carry over. */
export function translationLines(translation: SetTranslation): string[] {
  return translation.patches.map((patch) => {
    const losses = lossTexts(patch.losses);
    if (patch.unownedShadowIds.length > 0) {
      losses.push(`no state owns shadow id ${idList(patch.unownedShadowIds)}, so the core never frees those variables`);
    }
    return `${patch.module}: ${losses.length > 0 ? losses.join('; ') : 'nothing lost'}`;
  });
}

// Terminal

function resultOf(events: readonly KernelEvent[]): number {
  let errno = 0;
  for (const event of events) if (event.type === 'result') errno = event.errno;
  return errno;
}

/** Notes an operation that either design refused, with both results; empty when both accepted it. */
function resultNote(example: CompareExample, index: number): string {
  const results = DESIGNS.map((design) => resultOf(example.paired.traces[design].steps[index]?.events ?? []));
  if (results.every((errno) => errno === 0)) return '';
  const texts = DESIGNS.map((design, i) => {
    const errno = results[i] ?? 0;
    return `${DESIGN_LABELS[design]}: ${errno === 0 ? 'accepted' : errnoName(errno)}`;
  });
  return ` (${texts.join(', ')})`;
}

function exampleSize(example: CompareExample): string {
  return `${plural(example.paired.ops.length, 'operation')} (from ${example.foundLength})`;
}

/** Header of classTable. */
export const CLASS_TABLE_HEADER = ['class', 'sequences', 'before any refusal', 'minimal example'];

/** Lists one row per class: how many sequences showed it, how many before any refusal, and the size of its minimal example. */
export function classTable(result: CompareResult): string[][] {
  return result.classes.map((summary) => [
    summary.class,
    `${numberFormat.format(summary.sequences)}/${numberFormat.format(result.sequences)}`,
    numberFormat.format(summary.independentSequences),
    summary.example ? exampleSize(summary.example) : '-',
  ]);
}

/** Says whether an example's divergence shows before any operation's result differs. */
function independenceText(example: CompareExample): string {
  if (example.class === 'refusal' || example.class === 'errno') return '';
  return example.independent
    ? 'Every operation before the divergence has the same result in both designs.'
    : 'Every sequence that showed this class had an operation with different results first, so this divergence may follow from it.';
}

function exampleLines(summary: ClassSummary, indent: string): string[] {
  const example = summary.example;
  if (!example) return [];
  const set = example.paired.set;
  const lines = [
    `${summary.class}: ${CLASS_TITLES[summary.class]}, ${plural(example.paired.ops.length, 'operation')}` +
      `${example.independent || summary.class === 'refusal' || summary.class === 'errno' ? '' : ', after a refusal'}:`,
    ...example.paired.ops.map((op, index) => `${indent}step ${index}: ${describeOperation(op, set)}${resultNote(example, index)}`),
    ...example.divergences.map((d) => `${indent}${divergenceText(d, set)}`),
  ];
  if (example.file) lines.push(`${indent}replay: ${compareReplayCommand(example.file.path)}`);
  return lines;
}

/** Lists every minimal example with its replay command, for the end of `klpcheck compare` and `klpcheck check`. */
export function compareFindingLines(result: CompareResult): string[] {
  const lines: string[] = [];
  for (const summary of result.classes) {
    if (summary.example) lines.push('', ...exampleLines(summary, '  '));
  }
  for (const error of result.errors) {
    lines.push('', `ERROR in sequence ${error.run} of the comparison: ${error.message}`);
  }
  if (result.errorCount > result.errors.length) lines.push(`(${result.errorCount - result.errors.length} more errors)`);
  return lines;
}

/** Returns the hint line: how far the comparison went, and what to raise. */
export function compareHintLine(result: CompareResult): string {
  const missing = result.classes.filter((c) => c.sequences === 0).map((c) => c.class);
  const found = `${result.classes.length - missing.length} of ${result.classes.length} divergence classes shown`;
  const where = `in ${plural(result.sequences, 'sequence')} of up to ${plural(result.maxSteps, 'operation')}`;
  return missing.length === 0
    ? `${found} ${where}`
    : `${found} ${where}; none of ${missing.join(', ')}; raise --runs or --max-steps to search further`;
}

// Markdown

function code(text: string): string {
  return text.includes('`') ? `\`\` ${text} \`\`` : `\`${text}\``;
}

function fenced(lines: readonly string[]): string[] {
  return ['```text', ...(lines.length > 0 ? lines : ['(none)']), '```', ''];
}

function remaining(n: number): string {
  return n === 1 ? '1 remains' : `${numberFormat.format(n)} remain`;
}

function markdownExample(summary: ClassSummary): string[] {
  const example = summary.example;
  if (!example) return [];
  const set = example.paired.set;
  const marked = new Set(example.divergences.map((d) => d.step));
  const lines = [
    `### ${summary.class}: ${CLASS_TITLES[summary.class]}`,
    '',
    ...example.divergences.map((d) => `- ${divergenceText(d, set)}`),
    '',
    [
      `Patch set: ${set.description ?? set.name}.`,
      `The operations were generated against the ${DESIGN_LABELS[example.driver]}; sequence ${example.run} had ` +
        `${plural(example.foundLength, 'operation')}, and ${remaining(example.paired.ops.length)} after shrinking.`,
      independenceText(example),
    ]
      .filter((sentence) => sentence !== '')
      .join(' '),
    '',
    'Operations:',
    '',
    ...example.paired.ops.map(
      (op, index) =>
        `${index}. ${code(describeOperation(op, set))}${resultNote(example, index)}${marked.has(index) ? ', diverges here' : ''}`,
    ),
    '',
  ];
  for (const design of DESIGNS) {
    lines.push(`Callbacks and shadow variable operations, ${DESIGN_LABELS[design]}:`, '', ...fenced(effectLines(example.paired.traces[design])));
  }
  lines.push('What the translation to the redesign loses:', '', ...translationLines(example.paired.translation).map((l) => `- ${l}`), '');
  if (example.file) lines.push(`File: ${code(example.file.path)}`, '', `Replay: ${code(compareReplayCommand(example.file.path))}`, '');
  return lines;
}

/** Renders the comparison section of a Markdown report. */
export function compareMarkdown(result: CompareResult, heading = '##'): string[] {
  const rows = result.classes.map(
    (summary) =>
      `| ${summary.class} | ${CLASS_TITLES[summary.class]} | ${numberFormat.format(summary.sequences)} | ` +
      `${numberFormat.format(summary.independentSequences)} | ${summary.example ? exampleSize(summary.example) : 'not shown'} |`,
  );
  const properties = result.properties.length > 0 ? result.properties.map(code).join(', ') : 'none';
  const lines = [
    `${heading} Comparison of the two designs`,
    '',
    `${plural(result.sequences, 'generated current-API patch set')}, each with a sequence of up to ` +
      `${plural(result.maxSteps, 'operation')} (${plural(result.steps, 'operation')} in all), ran on the ${DESIGN_LABELS.current} and, ` +
      `translated, on the ${DESIGN_LABELS.redesign} (seed ${result.seed}). Verdicts are compared for the properties that apply to both: ${properties}.`,
    '',
    '"Before any refusal" counts the sequences that showed the class before the designs first gave an operation different results, ' +
      'so that the divergence is not a mere consequence of a refused operation. The example of a class is taken from those sequences when there are any.',
    '',
    '| class | divergence | sequences showing it | before any refusal | minimal example |',
    '|---|---|---|---|---|',
    ...rows,
    '',
  ];
  if (result.errorCount > 0) {
    lines.push(`${plural(result.errorCount, 'sequence')} made a model or property throw, which is a bug in klpcheck:`, '');
    lines.push(...fenced(result.errors.map((e) => `sequence ${e.run}: ${e.message}`)));
  }
  for (const summary of result.classes) lines.push(...markdownExample(summary));
  return lines;
}

// Replay

/** Everything `compare --replay` shows for one file. */
export function compareReplayLines(path: string, replay: CompareReplay): string[] {
  const set = replay.paired.set;
  const lines = [
    `${path}: ${replay.file.class} divergence (${CLASS_TITLES[replay.file.class]}), patch set ${set.name}`,
    'operations:',
    ...replay.paired.ops.map((op, index) => `  step ${index}: ${describeOperation(op, set)}`),
  ];
  for (const design of DESIGNS) {
    lines.push(`callbacks and shadow variable operations, ${DESIGN_LABELS[design]}:`);
    lines.push(...effectLines(replay.paired.traces[design]).map((line) => `  ${line}`));
  }
  lines.push('divergences now:', ...(replay.divergences.length > 0 ? replay.divergences.map((d) => `  ${divergenceText(d, set)}`) : ['  none']));
  for (const design of DESIGNS) {
    const step = replay.firstEventDifference[design];
    lines.push(
      step === null
        ? `events, ${DESIGN_LABELS[design]}: the same as stored`
        : `events, ${DESIGN_LABELS[design]}: differ from stored, first at step ${step}`,
    );
  }
  lines.push(replay.reproduced ? 'replay: passed, the divergence is reproduced' : 'replay: FAILED, the divergence is NOT reproduced');
  return lines;
}
