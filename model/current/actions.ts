/** Named actions of the current-API chart: kernel procedures run on the step's copy of the world. */
import type { Action } from '../chart/chart.ts';
import { ERRNO } from '../errno.ts';
import { callFunction } from '../functions.ts';
import { emit, message, result } from '../kernel.ts';
import type { Notifier } from '../klp/modules.ts';
import {
  loadTargetModule,
  paramWriteError,
  removeLivepatchModule,
  removeTargetModule,
  runFreeWork,
  writeParam,
} from '../klp/modules.ts';
import { forceTransition, reverseTransition } from '../klp/transition.ts';
import type { Operation, TaskState } from '../operations.ts';
import type { World } from '../world.ts';
import { patchWithSysfsDir } from '../world.ts';
import { enablePatch, enablePatchBusy } from './enable.ts';
import { callImpossibility } from './guards.ts';
import { moduleComing, moduleGoing } from './notifier.ts';
import { disablePatch } from './sysfs.ts';
import { tryCompleteTransition } from './transition.ts';

type Op<T extends Operation['type']> = Extract<Operation, { type: T }>;

export const CURRENT_NOTIFIER: Notifier = { coming: moduleComing, going: moduleGoing };

function sysfsPatchId(k: Parameters<Action>[0], op: Operation): string {
  const patch = 'patch' in op ? patchWithSysfsDir(k.world, op.patch) : undefined;
  if (!patch) throw new Error('internal: sysfs write without a sysfs directory');
  return patch.id;
}

/**
 * Returns the patch state of the calling task: none outside a transition, the
 * target after force, and otherwise the operation's. A call that names no task
 * state is taken as made by a task already switched to the target.
 */
function taskOf(world: World, task: TaskState | undefined): TaskState | undefined {
  const transition = world.transition;
  if (!transition) return undefined;
  if (transition.allTasksSwitched) return transition.target;
  return task ?? transition.target;
}

export const CURRENT_ACTIONS: Readonly<Record<string, Action>> = {
  /** The operation fails with an errno and changes nothing. */
  refuse: (k, _op, params) => result(k, Number(params.errno)),
  /** The operation cannot happen in this world; nothing changes. */
  noop: (k, _op, params) => emit(k, { type: 'noop', reason: String(params.reason) }),
  refuseIncompatible: (k, op) => {
    const name = (op as Op<'insmod'>).module;
    const load = (k.world.loads[name] ?? 0) + 1;
    // klp_is_patch_compatible runs before klp_init_patch_early: no instance exists yet.
    message(k, { msg: 'incompatible', patch: `${name}#${load}` as never });
    result(k, -ERRNO.EINVAL);
  },
  refuseParamWrite: (k, op) => result(k, paramWriteError(k.world, k.set, op as Op<'write_param'>) ?? 0),
  refuseCall: (k, op) => emit(k, { type: 'noop', reason: callImpossibility(k.world, op as Op<'call'>, k.set) ?? '' }),
  enablePatch: (k, op) => enablePatch(k, op as Op<'insmod'>),
  enablePatchBusy: (k, op) => enablePatchBusy(k, op as Op<'insmod'>),
  loadTargetModule: (k, op) => loadTargetModule(k, op as Op<'insmod'>, CURRENT_NOTIFIER),
  removeTargetModule: (k, op) => removeTargetModule(k, (op as Op<'rmmod'>).module, CURRENT_NOTIFIER),
  removeLivepatchModule: (k, op) => removeLivepatchModule(k, (op as Op<'rmmod'>).module),
  disablePatch: (k, op) => disablePatch(k, sysfsPatchId(k, op)),
  reverseTransition: (k) => {
    reverseTransition(k);
    result(k, 0);
  },
  forceTransition: (k) => {
    forceTransition(k);
    result(k, 0);
  },
  tryCompleteTransition: (k) => {
    tryCompleteTransition(k);
    result(k, 0);
  },
  runFreeWork: (k, op) => runFreeWork(k, (op as Op<'free_work'>).patch),
  writeParam: (k, op) => writeParam(k, op as Op<'write_param'>),
  callFunction: (k, op) => {
    const call = op as Op<'call'>;
    callFunction(k, call.object, call.func, call.parent, taskOf(k.world, call.task));
    result(k, 0);
  },
};
