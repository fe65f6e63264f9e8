/**
 * p11-static-flag-hygiene (redesign): the static flag
 * klp_states_pre_unpatch_replaced_called records, for the running transition
 * only, that the replaced patches' pre_unpatch already ran. It is clear
 * whenever a transition starts and is cleared again by the time that transition
 * ends: by klp_states_post_unpatch_replaced on completion to patched, or by
 * klp_states_post_patch_replaced on a revert or cancel. The one check of it in
 * the code, in klp_states_pre_unpatch_replaced, WARNs when it is already set.
 */
import { involvedSteps, patchLabel } from '../describe.ts';
import type { Property, Violation } from '../property.ts';

export interface StaticFlagState {
  /** Step at which the flag was last seen going from clear to set. */
  readonly setAt: number | null;
}

function violation(explanation: string, steps: (number | null)[]): Violation {
  return { explanation, steps: involvedSteps(...steps) };
}

export const staticFlagHygiene: Property<StaticFlagState> = {
  name: 'p11-static-flag-hygiene',
  title: 'klp_states_pre_unpatch_replaced_called lives for one transition',
  rule:
    'klp_states_pre_unpatch_replaced_called is clear whenever a transition is initialised, it is clear in every ' +
    'world with no transition pending, and klp_states_pre_unpatch_replaced never WARNs that it is already set.',
  appliesTo: (model) => (model === 'redesign' ? true : 'the current API has no klp_states_pre_unpatch_replaced_called flag'),
  init: () => ({ setAt: null }),
  fingerprint: () => null,
  check(state, step) {
    const setAt = step.after.preUnpatchReplacedCalled ? (state.setAt ?? step.index) : null;
    const next = { setAt };

    const init = step.events.find((event) => event.type === 'klp' && event.msg === 'init');
    if (init && init.type === 'klp' && init.msg === 'init' && step.before.preUnpatchReplacedCalled) {
      return {
        state: next,
        violation: violation(
          `stale static flag: the transition of ${patchLabel(step.after, init.patch)} was initialised while ` +
            `klp_states_pre_unpatch_replaced_called was still set${state.setAt === null ? '' : ` from step ${state.setAt}`}`,
          [state.setAt, step.index],
        ),
      };
    }
    if (step.events.some((event) => event.type === 'warning' && event.site === 'klp_states_pre_unpatch_replaced')) {
      return {
        state: next,
        violation: violation('klp_states_pre_unpatch_replaced WARNed: its static flag was already set', [state.setAt, step.index]),
      };
    }
    if (!step.after.transition && step.after.preUnpatchReplacedCalled) {
      return {
        state: next,
        violation: violation(
          'static flag not reset: no transition is pending, but klp_states_pre_unpatch_replaced_called is still set',
          [setAt, step.index],
        ),
      };
    }
    return { state: next };
  },
};
