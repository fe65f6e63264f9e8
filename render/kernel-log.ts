/**
 * Renders a trace as the log the livepatch kselftests compare: the harness's
 * command echo lines, the livepatch core's messages with the `livepatch: `
 * prefix, module printk lines, and the loader's error line when an insmod fails.
 *
 * The kselftest harness keeps only dmesg lines that contain `livepatch:` or
 * `test_klp`. This renderer applies no such filter, so lines of modules
 * outside the selftests (for example the samples) are kept too. For the
 * selftest modules the output is the same, because they all print with a
 * `test_klp_` prefix.
 */
import type { PatchSet } from '../model/definition.ts';
import { findModule, printPrefix } from '../model/definition.ts';
import { ERRNO, strerror } from '../model/errno.ts';
import type { Direction, KernelEvent, KlpMessage } from '../model/events.ts';
import type { ModuleName, PatchId } from '../model/ids.ts';
import { objectLabel, patchModule } from '../model/ids.ts';
import type { Operation, OperationType } from '../model/operations.ts';
import type { Trace, TraceStep } from '../model/trace.ts';

/**
 * Module loader of the kselftest harness: `modprobe <m>` while the test modules
 * lived in lib/livepatch, `insmod test_modules/<m>.ko` after they moved (about
 * v6.9). The insmod form assumes the selftest module layout for every module.
 */
export type Loader = 'modprobe' | 'insmod';

export interface KernelLogOptions {
  /** Loader whose command echo and error lines to print. The default is modprobe. */
  readonly loader?: Loader;
}

/** Returns every line of a trace, step by step. */
export function renderKernelLog(trace: Trace, options: KernelLogOptions = {}): string[] {
  return trace.steps.flatMap((step) => renderStepLines(trace.set, step, options));
}

/** Returns the lines of one step: the command echo (if the operation has one), then a line per event. */
export function renderStepLines(
  set: PatchSet,
  step: Pick<TraceStep, 'op' | 'events'>,
  options: KernelLogOptions = {},
): string[] {
  const loader = options.loader ?? 'modprobe';
  const lines: string[] = [];

  const command = commandLine(set, step.op, loader);
  if (command !== null) lines.push(command);

  for (const event of step.events) {
    const line = eventLine(set, step.op, event, loader);
    if (line !== null) lines.push(line);
  }
  return lines;
}

// Command echo lines

type CommandFormatters = {
  readonly [T in OperationType]: (set: PatchSet, op: Extract<Operation, { type: T }>, loader: Loader) => string | null;
};

const COMMANDS: CommandFormatters = {
  insmod: (set, op, loader) => {
    const args = formatParams(set, op.module, op.params ?? {});
    return loader === 'modprobe' ? `% modprobe ${op.module}${args}` : `% insmod test_modules/${op.module}.ko${args}`;
  },
  rmmod: (_set, op) => `% rmmod ${op.module}`,
  write_enabled: (_set, op) => `% echo ${op.value} > /sys/kernel/livepatch/${op.patch}/enabled`,
  write_force: (_set, op) => `% echo 1 > /sys/kernel/livepatch/${op.patch}/force`,
  write_param: (set, op) =>
    `% echo ${formatParamValue(set, op.module, op.param, op.value)} > /sys/module/${op.module}/parameters/${op.param}`,
  // Work items and function calls happen inside the kernel, so the harness echoes nothing for them.
  transition_work: () => null,
  free_work: () => null,
  call: () => null,
};

function commandLine(set: PatchSet, op: Operation, loader: Loader): string | null {
  const format = COMMANDS[op.type] as (set: PatchSet, op: Operation, loader: Loader) => string | null;
  return format(set, op, loader);
}

/** ` name=value` for each parameter, in the order given. */
function formatParams(set: PatchSet, module: string, params: Readonly<Record<string, number>>): string {
  return Object.entries(params)
    .map(([name, value]) => ` ${name}=${formatParamValue(set, module, name, value)}`)
    .join('');
}

/** Writes bool parameters as Y or N, as the kselftests pass them, and other parameters as the number. */
function formatParamValue(set: PatchSet, module: string, name: string, value: number): string {
  const def = findModule(set, module)?.params?.find((param) => param.name === name);
  if (def?.type === 'bool') return value ? 'Y' : 'N';
  return String(value);
}

// Event lines

function eventLine(set: PatchSet, op: Operation, event: KernelEvent, loader: Loader): string | null {
  switch (event.type) {
    case 'klp':
      return klpLine(event);
    case 'print':
      return printLine(set, event.module, event.text);
    case 'result':
      return op.type === 'insmod' && event.errno < 0 ? loaderError(op.module, event.errno, loader) : null;
    default:
      return null;
  }
}

function printLine(set: PatchSet, module: ModuleName, text: string): string {
  const def = findModule(set, module);
  const prefix = def ? printPrefix(def) : `${module}: `;
  return `${prefix}${text}`;
}

/** Formats the userspace loader's message for a failed load, as the harness logs it. */
function loaderError(module: string, errno: number, loader: Loader): string {
  if (loader === 'modprobe') return `modprobe: ERROR: could not insert '${module}': ${strerror(errno)}`;
  // kmod's insmod has its own wording for EINVAL and prints strerror() for other errnos.
  const text = Math.abs(errno) === ERRNO.EINVAL ? 'Invalid parameters' : strerror(errno);
  return `insmod: ERROR: could not insert module test_modules/${module}.ko: ${text}`;
}

// Livepatch core messages

type KlpFormatters = { readonly [M in KlpMessage['msg']]: (message: Extract<KlpMessage, { msg: M }>) => string };

const KLP_PREFIX = 'livepatch: ';

/** Returns the name the kernel prints for a patch, which is its module name. */
function patchName(patch: PatchId): string {
  return patchModule(patch);
}

function opposite(dir: Direction): Direction {
  return dir === 'patching' ? 'unpatching' : 'patching';
}

const KLP_MESSAGES: KlpFormatters = {
  enabling: (m) => `${KLP_PREFIX}enabling patch '${patchName(m.patch)}'`,
  init: (m) => `${KLP_PREFIX}'${patchName(m.patch)}': initializing ${m.dir} transition`,
  start: (m) => `${KLP_PREFIX}'${patchName(m.patch)}': starting ${m.dir} transition`,
  completing: (m) => `${KLP_PREFIX}'${patchName(m.patch)}': completing ${m.dir} transition`,
  complete: (m) => `${KLP_PREFIX}'${patchName(m.patch)}': ${m.dir} complete`,
  canceling: (m) => `${KLP_PREFIX}'${patchName(m.patch)}': canceling patching transition, going to unpatch`,
  reversing: (m) => `${KLP_PREFIX}'${patchName(m.patch)}': reversing transition from ${m.from} to ${opposite(m.from)}`,
  forcing: () => `${KLP_PREFIX}forcing remaining tasks to the patched state`,
  applying: (m) => `${KLP_PREFIX}applying patch '${patchName(m.patch)}' to loading module '${m.module}'`,
  reverting: (m) => `${KLP_PREFIX}reverting patch '${patchName(m.patch)}' on unloading module '${m.module}'`,
  prePatchFailed: (m) => `${KLP_PREFIX}pre-patch callback failed for object '${objectLabel(m.object)}'`,
  enableFailed: (m) => `${KLP_PREFIX}failed to enable patch '${patchName(m.patch)}'`,
  refusingModule: (m) =>
    `${KLP_PREFIX}patch '${patchName(m.patch)}' failed for module '${m.module}', refusing to load module '${m.module}'`,
  incompatible: (m) =>
    `${KLP_PREFIX}Livepatch patch (${patchName(m.patch)}) is not compatible with the already installed livepatches.`,
  disableBlocked: (m) => `${KLP_PREFIX}The livepatch '${patchName(m.patch)}' does not support disable`,
  // The message of the WARN in klp_shadow_alloc: the object pointer (here its name) and the id in %lx.
  duplicateShadow: (m) => `Duplicate shadow variable <${m.obj}, ${m.id.toString(16)}>`,
  // A stand-in for the WARN_ON_ONCE splat in klp_get_prev_state(). The kernel prints
  // a "WARNING: CPU: ... at kernel/livepatch/state.c" header and a stack dump instead.
  prevStateWithoutTransition: () => 'WARNING: klp_get_prev_state() called while no transition is running',
};

function klpLine(message: KlpMessage): string {
  const format = KLP_MESSAGES[message.msg] as (message: KlpMessage) => string;
  return format(message);
}
