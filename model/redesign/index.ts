/**
 * Petr Mladek's proposed redesign of livepatch states (v1 series, 15 Jan
 * 2025, not merged) as a Model over the same world and operations as the
 * current API, executed from its statechart.
 */
import type { ChartImplementation } from '../chart/chart.ts';
import { interpretStep } from '../chart/interpreter.ts';
import type { Model } from '../trace.ts';
import type { World } from '../world.ts';
import { initialWorld } from '../world.ts';
import { REDESIGN_ACTIONS } from './actions.ts';
import { REDESIGN_CHART } from './chart.ts';
import { REDESIGN_GUARDS } from './guards.ts';

/** The chart's control state of a world: it follows klp_transition_patch and klp_target_state. */
function controlState(world: Readonly<World>): string {
  if (!world.transition) return 'idle';
  return world.transition.target === 'patched' ? 'transition.patching' : 'transition.unpatching';
}

export const REDESIGN_IMPLEMENTATION: ChartImplementation = {
  chart: REDESIGN_CHART,
  guards: REDESIGN_GUARDS,
  actions: REDESIGN_ACTIONS,
  controlState,
  callbackKinds: ['state'],
};

export const redesignModel: Model = {
  name: 'redesign',
  title: 'livepatch redesign: state callbacks, state-owned shadow variables, block_disable (v1, not merged)',
  initial: initialWorld,
  step: (set, world, op) => {
    const { world: next, events } = interpretStep(REDESIGN_IMPLEMENTATION, set, world, op);
    return { world: next, events };
  },
};

export { REDESIGN_ASSUMPTIONS } from './assumptions.ts';
