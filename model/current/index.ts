/** The current upstream livepatch semantics as a Model, executed from its statechart. */
import type { ChartImplementation } from '../chart/chart.ts';
import { interpretStep } from '../chart/interpreter.ts';
import type { Model } from '../trace.ts';
import type { World } from '../world.ts';
import { initialWorld } from '../world.ts';
import { CURRENT_ACTIONS } from './actions.ts';
import { CURRENT_CHART } from './chart.ts';
import { CURRENT_GUARDS } from './guards.ts';

/** The chart's control state of a world: it follows klp_transition_patch and klp_target_state. */
function controlState(world: Readonly<World>): string {
  if (!world.transition) return 'idle';
  return world.transition.target === 'patched' ? 'transition.patching' : 'transition.unpatching';
}

export const CURRENT_IMPLEMENTATION: ChartImplementation = {
  chart: CURRENT_CHART,
  guards: CURRENT_GUARDS,
  actions: CURRENT_ACTIONS,
  controlState,
  callbackKinds: ['object'],
};

export const currentModel: Model = {
  name: 'current',
  title: 'current upstream livepatch API',
  initial: initialWorld,
  step: (set, world, op) => {
    const { world: next, events } = interpretStep(CURRENT_IMPLEMENTATION, set, world, op);
    return { world: next, events };
  },
};
