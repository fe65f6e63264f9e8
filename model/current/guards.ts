/** Named guards of the current-API chart: pure predicates over the world and the operation. */
import { findModule, targetFunctions } from '../definition.ts';
import type { PatchSet } from '../definition.ts';
import type { Guard } from '../chart/chart.ts';
import { hasFreeWork, isLivepatchInUse, paramWriteError } from '../klp/modules.ts';
import { moduleParams } from '../klp/patch.ts';
import type { Operation } from '../operations.ts';
import type { World } from '../world.ts';
import { isTargetLoaded, patchWithSysfsDir } from '../world.ts';
import { isPatchCompatible } from './enable.ts';

type Op<T extends Operation['type']> = Extract<Operation, { type: T }>;

function sysfsPatch(world: Readonly<World>, op: Operation) {
  return 'patch' in op ? patchWithSysfsDir(world, op.patch) : undefined;
}

/** Why a call cannot happen in this world, or undefined when it can. */
export function callImpossibility(world: Readonly<World>, op: Op<'call'>, set: PatchSet): string | undefined {
  const where = op.object ?? 'vmlinux';
  if (!isTargetLoaded(world, op.object)) return `${where} is not loaded, so ${op.func} cannot run`;
  const func = targetFunctions(set, op.object).find((f) => f.name === op.func);
  if (!func) return `${where} has no function ${op.func}`;
  const alive = world.parents[op.parent]?.alive ?? false;
  if (func.role === 'create' && alive) return `${op.parent} is already alive, so ${op.func} cannot create it`;
  if (func.role !== 'create' && !alive) return `${op.parent} is not alive, so ${op.func} cannot be called on it`;
  return undefined;
}

export const CURRENT_GUARDS: Readonly<Record<string, Guard>> = {
  isUnknownModule: (_w, op, set) => !findModule(set, (op as Op<'insmod'>).module),
  isModuleLoaded: (w, op) => (op as Op<'insmod'>).module in w.modules,
  isModuleNotLoaded: (w, op) => !((op as Op<'rmmod'>).module in w.modules),
  isTargetModule: (_w, op, set) => findModule(set, (op as Op<'insmod'>).module)?.kind === 'target',
  isIncompatible: (w, op, set) => {
    const insmod = op as Op<'insmod'>;
    const def = findModule(set, insmod.module);
    if (def?.kind !== 'livepatch') return false;
    return !isPatchCompatible(w, def, moduleParams(def, insmod.params));
  },
  isLivepatchInUse: (w, op) => isLivepatchInUse(w, (op as Op<'rmmod'>).module),
  hasNoSysfsDir: (w, op) => !sysfsPatch(w, op),
  isSameEnabledValue: (w, op) => sysfsPatch(w, op)?.enabled === ((op as Op<'write_enabled'>).value === 1),
  isTransitionPatch: (w, op) => w.transition !== null && sysfsPatch(w, op)?.id === w.transition.patch,
  isDisableRequest: (_w, op) => (op as Op<'write_enabled'>).value === 0,
  hasNoFreeWork: (w, op) => !hasFreeWork(w, (op as Op<'free_work'>).patch),
  isParamWriteRefused: (w, op, set) => paramWriteError(w, set, op as Op<'write_param'>) !== undefined,
  isCallImpossible: (w, op, set) => callImpossibility(w, op as Op<'call'>, set) !== undefined,
  isPatchingPending: (w) => w.transition?.target === 'patched',
};
