/** The current upstream livepatch semantics as a Model. */
import type { Model } from '../trace.ts';
import { initialWorld } from '../world.ts';

// Placeholder until the machine lands; replaced by the xstate-backed step.
export const currentModel: Model = {
  name: 'current',
  title: 'current upstream livepatch API',
  initial: initialWorld,
  step: () => {
    throw new Error('current model step is not implemented yet');
  },
};
