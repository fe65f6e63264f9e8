/**
 * Named actions of the redesign chart: the design-neutral actions of the
 * current chart (refusals, module removal, free work, parameter writes,
 * calls, reversal, force and the busy enable), with the redesign's enable,
 * disable, completion and module notifier.
 */
import type { Action } from '../chart/chart.ts';
import { CURRENT_ACTIONS } from '../current/actions.ts';
import type { Kernel } from '../kernel.ts';
import { result } from '../kernel.ts';
import { loadTargetModule, removeTargetModule } from '../klp/modules.ts';
import type { Operation } from '../operations.ts';
import { patchWithSysfsDir } from '../world.ts';
import { enablePatch } from './enable.ts';
import { REDESIGN_NOTIFIER } from './notifier.ts';
import { disablePatch, refuseDisableBlocked } from './sysfs.ts';
import { tryCompleteTransition } from './transition.ts';

type Op<T extends Operation['type']> = Extract<Operation, { type: T }>;

function sysfsPatchId(k: Kernel, op: Operation): string {
  const patch = 'patch' in op ? patchWithSysfsDir(k.world, op.patch) : undefined;
  if (!patch) throw new Error('internal: sysfs write without a sysfs directory');
  return patch.id;
}

export const REDESIGN_ACTIONS: Readonly<Record<string, Action>> = {
  ...CURRENT_ACTIONS,
  enablePatch: (k, op) => enablePatch(k, op as Op<'insmod'>),
  loadTargetModule: (k, op) => loadTargetModule(k, op as Op<'insmod'>, REDESIGN_NOTIFIER),
  removeTargetModule: (k, op) => removeTargetModule(k, (op as Op<'rmmod'>).module, REDESIGN_NOTIFIER),
  disablePatch: (k, op) => disablePatch(k, sysfsPatchId(k, op)),
  refuseDisableBlocked: (k, op) => refuseDisableBlocked(k, sysfsPatchId(k, op)),
  tryCompleteTransition: (k) => {
    tryCompleteTransition(k);
    result(k, 0);
  },
};
