/**
 * The statechart shape both livepatch designs share. Control states: idle,
 * or a transition that is patching or unpatching; `settling` routes an enable
 * to the state its outcome left the world in. Each operation's transitions are
 * tried in order, as the kernel checks its refusal conditions in order.
 */
import { ERRNO } from '../errno.ts';
import type { Chart, ChartTransition } from './chart.ts';

const refuse = (errno: number): ChartTransition['actions'] => [{ type: 'refuse', params: { errno: -errno } }];
const noop = (reason: string): ChartTransition['actions'] => [{ type: 'noop', params: { reason } }];

/** insmod checks shared by every state: unknown module, already loaded, target module, incompatible livepatch. */
const insmodChecks: readonly ChartTransition[] = [
  { guard: 'isUnknownModule', actions: refuse(ERRNO.ENOENT) },
  { guard: 'isModuleLoaded', actions: refuse(ERRNO.EEXIST) },
  { guard: 'isTargetModule', actions: ['loadTargetModule'] },
  { guard: 'isIncompatible', actions: ['refuseIncompatible'] },
];

/** enabled_store checks every design makes before its own: a missing sysfs directory, then the same value. */
const baseEnabledChecks: readonly ChartTransition[] = [
  { guard: 'hasNoSysfsDir', actions: refuse(ERRNO.ENOENT) },
  { guard: 'isSameEnabledValue', actions: refuse(ERRNO.EINVAL) },
];

const forceChecks: readonly ChartTransition[] = [{ guard: 'hasNoSysfsDir', actions: refuse(ERRNO.ENOENT) }];

function transitionState(enabledChecks: readonly ChartTransition[], other: 'patching' | 'unpatching') {
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

export interface LivepatchChartOptions {
  readonly id: string;
  /** Checks of enabled_store that the design adds after the same-value check, before the reversal branch. */
  readonly extraEnabledChecks: readonly ChartTransition[];
}

/**
 * Builds the chart of a livepatch design. Both designs share the control
 * states and the order of the kernel's checks; guards and actions of the same
 * name are implemented by each design for its own rules (for example
 * isIncompatible and enablePatch).
 */
export function livepatchChart(options: LivepatchChartOptions): Chart {
  const enabledChecks = [...baseEnabledChecks, ...options.extraEnabledChecks];
  return {
    id: options.id,
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
          patching: transitionState(enabledChecks, 'unpatching'),
          unpatching: transitionState(enabledChecks, 'patching'),
        },
      },
    },
  };
}
