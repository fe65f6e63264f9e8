/**
 * Operations and shadow-variable events in kernel words, for reports, the
 * terminal and replay output: the shell command a user would type, or what
 * the kernel or a task does.
 */
import { findModule, type PatchSet } from '../model/definition.ts';
import type { KernelEvent } from '../model/events.ts';
import { objectLabel } from '../model/ids.ts';
import type { Operation, OperationType } from '../model/operations.ts';
import type { Trace } from '../model/trace.ts';
import { siteLabel } from '../properties/describe.ts';

/** Bool parameters as Y or N, the way they are written to sysfs; others as numbers. */
function paramValue(set: PatchSet, module: string, name: string, value: number): string {
  const def = findModule(set, module)?.params?.find((param) => param.name === name);
  if (def?.type === 'bool') return value ? 'Y' : 'N';
  return String(value);
}

type Describers = {
  readonly [T in OperationType]: (op: Extract<Operation, { type: T }>, set: PatchSet) => string;
};

/** Marks the insmod of an atomic-replace livepatch, which the command line alone does not show. */
function replaceNote(set: PatchSet, op: Extract<Operation, { type: 'insmod' }>): string {
  const def = set.modules.find((m) => m.name === op.module);
  if (def?.kind !== 'livepatch') return '';
  const replace =
    typeof def.replace === 'boolean'
      ? def.replace
      : (op.params?.[def.replace.param] ?? def.params?.find((p) => p.name === (def.replace as { param: string }).param)?.default ?? 0) !== 0;
  return replace ? ' (atomic replace)' : '';
}

const DESCRIBERS: Describers = {
  insmod: (op, set) => {
    const params = Object.entries(op.params ?? {}).map(([name, value]) => ` ${name}=${paramValue(set, op.module, name, value)}`);
    return `insmod ${op.module}${params.join('')}${replaceNote(set, op)}`;
  },
  rmmod: (op) => `rmmod ${op.module}`,
  write_enabled: (op) => `echo ${op.value} > /sys/kernel/livepatch/${op.patch}/enabled`,
  write_force: (op) => `echo 1 > /sys/kernel/livepatch/${op.patch}/force`,
  write_param: (op, set) =>
    `echo ${paramValue(set, op.module, op.param, op.value)} > /sys/module/${op.module}/parameters/${op.param}`,
  transition_work: () => 'transition work completes',
  free_work: (op) => `free work of ${op.patch} runs`,
  call: (op) => {
    const task = op.task ? `task (${op.task})` : 'task';
    return `${task} calls ${op.func}(${op.parent}) in ${objectLabel(op.object)}`;
  },
};

/** Describes one operation in kernel words, such as `echo 0 > /sys/kernel/livepatch/p/enabled`. */
export function describeOperation(op: Operation, set: PatchSet): string {
  const describe = DESCRIBERS[op.type] as (op: Operation, set: PatchSet) => string;
  return describe(op, set);
}

const SHADOW_CALLS: Record<Extract<KernelEvent, { type: 'shadow' }>['op'], string> = {
  alloc: 'klp_shadow_alloc',
  get_or_alloc: 'klp_shadow_get_or_alloc',
  get: 'klp_shadow_get',
  free: 'klp_shadow_free',
  free_all: 'klp_shadow_free_all',
  ctor: 'shadow constructor',
  dtor: 'shadow destructor',
};

function shadowCall(event: Extract<KernelEvent, { type: 'shadow' }>): string {
  const name = SHADOW_CALLS[event.op];
  if (event.op === 'free_all') return `${name}(id=${event.id})`;
  const args = `obj=${event.obj ?? 'NULL'}, id=${event.id}`;
  if (event.op === 'ctor' || event.op === 'dtor') return `${name} for (${args}), data ${event.data ?? 'NULL'}`;
  if (event.op === 'free') return `${name}(${args})`;
  return `${name}(${args}) = ${event.data ?? 'NULL'}`;
}

/** Lists every shadow-variable call of a trace, as `step 2: klp_shadow_alloc(obj=o, id=1) = d, in <site>`. */
export function shadowLines(trace: Trace): string[] {
  const lines: string[] = [];
  for (const step of trace.steps) {
    for (const event of step.events) {
      if (event.type !== 'shadow') continue;
      lines.push(`step ${step.index}: ${shadowCall(event)}, in ${siteLabel(step.after, event.site)}`);
    }
  }
  return lines;
}
