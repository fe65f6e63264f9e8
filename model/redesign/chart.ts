/**
 * The redesign (Petr Mladek's v1 series of 15 Jan 2025) as a statechart over
 * the same world and operations as the current API. Control states are those
 * of the current chart. Two transitions differ: insmod uses the redesign's
 * compatibility rule, and a write to `enabled` is rejected for an enabled
 * patch with a block_disable state right after the same-value check.
 */
import type { Chart, ChartTransition } from '../chart/chart.ts';
import { ERRNO } from '../errno.ts';

const refuse = (errno: number): ChartTransition['actions'] => [{ type: 'refuse', params: { errno: -errno } }];
const noop = (reason: string): ChartTransition['actions'] => [{ type: 'noop', params: { reason } }];

/** insmod checks shared by every state: unknown module, already loaded, target module, incompatible livepatch. */
const insmodChecks: readonly ChartTransition[] = [
  { guard: 'isUnknownModule', actions: refuse(ERRNO.ENOENT) },
  { guard: 'isModuleLoaded', actions: refuse(ERRNO.EEXIST) },
  { guard: 'isTargetModule', actions: ['loadTargetModule'] },
  { guard: 'isIncompatible', actions: ['refuseIncompatible'] },
];

/**
 * enabled_store checks before the transition branch: a missing sysfs
 * directory, the same value, then klp_patch_disable_blocked() of an enabled
 * patch. The last one comes before the reversal, so it also keeps a patching
 * transition of such a patch from being reversed.
 */
const enabledChecks: readonly ChartTransition[] = [
  { guard: 'hasNoSysfsDir', actions: refuse(ERRNO.ENOENT) },
  { guard: 'isSameEnabledValue', actions: refuse(ERRNO.EINVAL) },
  { guard: 'isDisableBlocked', actions: ['refuseDisableBlocked'] },
];

const forceChecks: readonly ChartTransition[] = [{ guard: 'hasNoSysfsDir', actions: refuse(ERRNO.ENOENT) }];

function transitionState(other: 'patching' | 'unpatching') {
  return {
    on: {
      write_enabled: [
        ...enabledChecks,
        { guard: 'isTransitionPatch', target: other, actions: ['reverseTransition'] },
        { guard: 'isDisableRequest', actions: refuse(ERRNO.EBUSY) },
        { actions: refuse(ERRNO.EINVAL) },
      ],
    },
  };
}

export const REDESIGN_CHART: Chart = {
  id: 'klp-redesign',
  initial: 'idle',
  on: {
    rmmod: [
      { guard: 'isModuleNotLoaded', actions: refuse(ERRNO.ENOENT) },
      { guard: 'isTargetModule', actions: ['removeTargetModule'] },
      { guard: 'isLivepatchInUse', actions: refuse(ERRNO.EWOULDBLOCK) },
      { actions: ['removeLivepatchModule'] },
    ],
    free_work: [
      { guard: 'hasNoFreeWork', actions: noop('no free work is pending for this patch') },
      { actions: ['runFreeWork'] },
    ],
    write_param: [{ guard: 'isParamWriteRefused', actions: ['refuseParamWrite'] }, { actions: ['writeParam'] }],
    call: [{ guard: 'isCallImpossible', actions: ['refuseCall'] }, { actions: ['callFunction'] }],
  },
  states: {
    idle: {
      on: {
        insmod: [...insmodChecks, { target: 'settling', actions: ['enablePatch'] }],
        write_enabled: [
          ...enabledChecks,
          { guard: 'isDisableRequest', target: 'transition.unpatching', actions: ['disablePatch'] },
          { actions: refuse(ERRNO.EINVAL) },
        ],
        write_force: [...forceChecks, { actions: refuse(ERRNO.EINVAL) }],
        transition_work: [{ actions: noop('no transition is pending, so no transition work is queued') }],
      },
    },
    settling: {
      always: [{ guard: 'isPatchingPending', target: 'transition.patching', actions: [] }, { target: 'idle', actions: [] }],
    },
    transition: {
      initial: 'patching',
      on: {
        insmod: [...insmodChecks, { actions: ['enablePatchBusy'] }],
        write_force: [
          ...forceChecks,
          { guard: 'isTransitionPatch', actions: ['forceTransition'] },
          { actions: refuse(ERRNO.EINVAL) },
        ],
        transition_work: [{ target: 'idle', actions: ['tryCompleteTransition'] }],
      },
      states: {
        patching: transitionState('unpatching'),
        unpatching: transitionState('patching'),
      },
    },
  },
};
