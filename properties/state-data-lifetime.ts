/**
 * state-data-lifetime: klp_state data buffers are used only while allocated,
 * and freed before the last pointer to them disappears. klp_state.data lives
 * in the livepatch module's static array, so the pointer is gone once every
 * module whose patch stores it has been removed. The handover between patches
 * is manual, through klp_get_prev_state in the callbacks.
 */
import type { KernelEvent } from '../model/events.ts';
import type { TraceStep } from '../model/trace.ts';
import type { World } from '../model/world.ts';
import { involvedSteps, patchLabel } from './describe.ts';
import type { Property, Violation } from './property.ts';

export interface BufferSteps {
  readonly allocated?: number;
  readonly freed?: number;
}

export interface StateDataHistory {
  /** Allocation and free steps of each state data buffer, by buffer id. */
  readonly buffers: Readonly<Record<string, BufferSteps>>;
}

type StateDataEvent = Extract<KernelEvent, { type: 'stateData' }>;

/** Tells whether a loaded livepatch module's patch instance has a klp_state whose data points to the buffer. */
function bufferReferenced(world: Readonly<World>, buffer: string): boolean {
  return Object.values(world.modules).some((module) => {
    if (module.kind !== 'livepatch' || !module.patch) return false;
    return world.patches[module.patch]?.states.some((state) => state.data === buffer) ?? false;
  });
}

/** The past tense of a klp_state data access, for explanations. */
const ACCESS_VERB: Record<StateDataEvent['op'], string> = {
  alloc: 'allocated',
  free: 'freed',
  takeOver: 'took over',
  read: 'read',
  write: 'wrote',
};

function useAfterFree(step: TraceStep, event: StateDataEvent, steps: BufferSteps | undefined): Violation {
  const patch = patchLabel(step.after, event.patch);
  if (event.buffer === null) {
    return {
      explanation: `invalid use of klp_state data: ${patch} ${ACCESS_VERB[event.op]} the data of klp_state ${event.id} through a NULL data pointer`,
      steps: involvedSteps(step.index),
    };
  }
  const history = [
    steps?.allocated === undefined ? '' : `allocated at step ${steps.allocated}`,
    steps?.freed === undefined ? '' : `freed at step ${steps.freed}`,
  ].filter((part) => part !== '');
  const when = history.length > 0 ? ` (${history.join(', ')})` : '';
  return {
    explanation:
      `use after free of klp_state data: ${patch} ${ACCESS_VERB[event.op]} the data of klp_state ${event.id}, ` +
      `buffer ${event.buffer}${when}`,
    steps: involvedSteps(steps?.allocated, steps?.freed, step.index),
  };
}

function leakedBuffer(step: TraceStep, buffers: Readonly<Record<string, BufferSteps>>): Violation | undefined {
  for (const [buffer, heap] of Object.entries(step.after.buffers)) {
    if (heap.freed || bufferReferenced(step.after, buffer)) continue;
    const allocatedAt = buffers[buffer]?.allocated;
    const at = allocatedAt === undefined ? '' : ` at step ${allocatedAt}`;
    const removed = step.events
      .filter((event) => event.type === 'module' && event.op === 'removed')
      .map((event) => (event.type === 'module' ? event.module : ''));
    const gone = removed.length > 0 ? ` after rmmod of ${removed.join(', ')}` : '';
    return {
      explanation:
        `klp_state data buffer ${buffer}, allocated by ${patchLabel(step.after, heap.allocatedBy)}${at}, leaked: ` +
        `it is not freed and no loaded livepatch module's klp_state points to it any more${gone}`,
      steps: involvedSteps(allocatedAt, step.index),
    };
  }
  return undefined;
}

export const stateDataLifetime: Property<StateDataHistory> = {
  name: 'state-data-lifetime',
  title: 'klp_state data is neither used after free nor leaked',
  rule:
    'No callback reads, writes or frees klp_state data through a NULL or freed pointer, and whenever no ' +
    'transition is pending every unfreed state data buffer is pointed to by a klp_state of a loaded livepatch module.',
  appliesTo: (model) => (model === 'current' ? true : 'the redesign removes klp_state.data'),
  init: () => ({ buffers: {} }),
  // The verdict depends on the world alone; the history only dates the steps in explanations.
  fingerprint: () => null,
  check(state, step) {
    const buffers: Record<string, BufferSteps> = { ...state.buffers };
    for (const event of step.events) {
      if (event.type !== 'stateData') continue;
      const known = event.buffer ? buffers[event.buffer] : undefined;
      if (event.afterFree) return { state, violation: useAfterFree(step, event, known) };
      if (!event.buffer) continue;
      if (event.op === 'alloc') buffers[event.buffer] = { allocated: step.index };
      else if (event.op === 'free') buffers[event.buffer] = { ...known, freed: step.index };
    }

    const history = { buffers };
    if (step.after.transition) return { state: history };
    const violation = leakedBuffer(step, buffers);
    return violation ? { state: history, violation } : { state: history };
  },
};
