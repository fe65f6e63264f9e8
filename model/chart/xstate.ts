/* eslint-disable @typescript-eslint/no-explicit-any */
/**
 * Builds an xstate v5 machine from a chart and its named guards and actions,
 * and steps it with xstate's own pure `transition()`. The machine's context is
 * the patch set, the world and the events of the current step.
 */
import lodash from 'lodash';
import { assign, initialTransition, setup, transition } from 'xstate';
import type { AnyStateMachine, MachineSnapshot } from 'xstate';
import type { PatchSet } from '../definition.ts';
import type { KernelEvent } from '../events.ts';
import type { Kernel } from '../kernel.ts';
import type { Operation } from '../operations.ts';
import type { World } from '../world.ts';
import { cloneWorld } from '../world.ts';
import type { ActionParams, ChartImplementation } from './chart.ts';

// lodash is CommonJS; a default import works under Node's ESM loader as well as under tsx.
const { mapValues } = lodash;

export interface MachineContext {
  readonly set: PatchSet;
  readonly world: World;
  readonly events: readonly KernelEvent[];
}

/** Creates the xstate machine of a chart. */
export function buildMachine(impl: ChartImplementation): AnyStateMachine {
  const guards = mapValues(impl.guards, (guard) => ({ context, event }: { context: MachineContext; event: Operation }) =>
    guard(context.world, event, context.set),
  );
  const actions = mapValues(impl.actions, (action) =>
    assign(({ context, event }: { context: MachineContext; event: Operation }, params: ActionParams | undefined) => {
      const k: Kernel = { set: context.set, world: cloneWorld(context.world), events: [...context.events] };
      action(k, event, params ?? {});
      return { world: k.world, events: k.events };
    }),
  );
  // The chart is plain data with string references, the shape xstate's config takes.
  const config = {
    ...(impl.chart as object),
    context: ({ input }: { input: { set: PatchSet; world: World } }) => ({ set: input.set, world: input.world, events: [] }),
  };
  return setup({
    types: {} as { context: MachineContext; events: Operation; input: { set: PatchSet; world: World } },
    guards: guards as never,
    actions: actions as never,
  }).createMachine(config as never) as unknown as AnyStateMachine;
}

// xstate's snapshot generics do not survive a machine built from runtime data; the context type is ours.
type Snapshot = MachineSnapshot<any, any, any, any, any, any, any, any> & { context: MachineContext };

/** The state value of a snapshot as a dot path. */
export function stateValuePath(value: unknown): string {
  if (typeof value === 'string') return value;
  const [key, child] = Object.entries(value as Record<string, unknown>)[0] ?? [];
  return key === undefined ? '' : `${key}.${stateValuePath(child)}`;
}

/** Steps through xstate: a snapshot for a world, then `transition()` with the operation. */
export class XstateStepper {
  private snapshot: Snapshot;

  constructor(
    private readonly machine: AnyStateMachine,
    set: PatchSet,
    world: World,
  ) {
    [this.snapshot] = initialTransition(machine, { set, world }) as unknown as [Snapshot, unknown];
  }

  get state(): string {
    return stateValuePath(this.snapshot.value);
  }

  get world(): World {
    return this.snapshot.context.world;
  }

  step(op: Operation): { world: World; events: readonly KernelEvent[]; state: string } {
    const fresh = this.machine.resolveState({
      value: this.snapshot.value,
      context: { ...this.snapshot.context, events: [] },
    }) as unknown as Snapshot;
    const [next] = transition(this.machine, fresh, op) as unknown as [Snapshot, unknown];
    this.snapshot = next;
    return { world: next.context.world, events: next.context.events, state: this.state };
  }
}
