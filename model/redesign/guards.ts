/**
 * Named guards of the redesign chart: the design-neutral guards of the
 * current chart, with the redesign's compatibility rule and its
 * block_disable check.
 */
import type { Guard } from '../chart/chart.ts';
import { CURRENT_GUARDS } from '../current/guards.ts';
import { findModule } from '../definition.ts';
import { moduleParams } from '../klp/patch.ts';
import type { Operation } from '../operations.ts';
import { patchWithSysfsDir } from '../world.ts';
import { isPatchCompatible } from './enable.ts';
import { isDisableBlocked } from './states.ts';

type Op<T extends Operation['type']> = Extract<Operation, { type: T }>;

export const REDESIGN_GUARDS: Readonly<Record<string, Guard>> = {
  ...CURRENT_GUARDS,
  isIncompatible: (w, op, set) => {
    const insmod = op as Op<'insmod'>;
    const def = findModule(set, insmod.module);
    if (def?.kind !== 'livepatch') return false;
    return !isPatchCompatible(w, def, moduleParams(def, insmod.params));
  },
  /** enabled_store: the patch is enabled and klp_patch_disable_blocked() holds. */
  isDisableBlocked: (w, op) => {
    const patch = patchWithSysfsDir(w, (op as Op<'write_enabled'>).patch);
    return patch !== undefined && patch.enabled && isDisableBlocked(patch);
  },
};
