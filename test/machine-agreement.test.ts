import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { chartReferences } from '../model/chart/chart.ts';
import { interpretStep } from '../model/chart/interpreter.ts';
import { XstateStepper, buildMachine } from '../model/chart/xstate.ts';
import { CATALOGUE } from '../model/catalogue/index.ts';
import { targetFunctions } from '../model/definition.ts';
import type { PatchSet } from '../model/definition.ts';
import { CURRENT_IMPLEMENTATION } from '../model/current/index.ts';
import type { Operation } from '../model/operations.ts';
import { initialWorld } from '../model/world.ts';

/** Every operation on the set's modules, valid or not, so that refusals are exercised too. */
function operationPool(set: PatchSet): Operation[] {
  const ops: Operation[] = [{ type: 'transition_work' }];
  for (const def of set.modules) {
    ops.push({ type: 'insmod', module: def.name }, { type: 'rmmod', module: def.name });
    for (const param of def.params ?? []) {
      ops.push({ type: 'insmod', module: def.name, params: { [param.name]: param.type === 'bool' ? 1 : -19 } });
      ops.push({ type: 'write_param', module: def.name, param: param.name, value: -19 });
    }
    if (def.kind === 'livepatch') {
      ops.push(
        { type: 'write_enabled', patch: def.name, value: 0 },
        { type: 'write_enabled', patch: def.name, value: 1 },
        { type: 'write_force', patch: def.name },
        { type: 'free_work', patch: def.name },
      );
    }
  }
  const objects = [null, ...set.modules.filter((m) => m.kind === 'target').map((m) => m.name)];
  for (const object of objects) {
    for (const func of targetFunctions(set, object)) {
      for (const parent of ['p1', 'p2']) {
        ops.push({ type: 'call', object, func: func.name, parent, task: 'unpatched' });
        ops.push({ type: 'call', object, func: func.name, parent, task: 'patched' });
      }
    }
  }
  return ops;
}

describe('current-API statechart', () => {
  it('implements every guard and action it names', () => {
    const refs = chartReferences(CURRENT_IMPLEMENTATION.chart);
    for (const guard of refs.guards) expect(CURRENT_IMPLEMENTATION.guards, guard).toHaveProperty(guard);
    for (const action of refs.actions) expect(CURRENT_IMPLEMENTATION.actions, action).toHaveProperty(action);
  });

  const machine = buildMachine(CURRENT_IMPLEMENTATION);

  for (const set of CATALOGUE) {
    it(`fast interpreter agrees with xstate on ${set.name}`, () => {
      const pool = operationPool(set);
      fc.assert(
        fc.property(fc.array(fc.nat(pool.length - 1), { maxLength: 25 }), (choices) => {
          let world = initialWorld(set);
          const stepper = new XstateStepper(machine, set, world);
          for (const choice of choices) {
            const op = pool[choice]!;
            const fast = interpretStep(CURRENT_IMPLEMENTATION, set, world, op);
            const viaXstate = stepper.step(op);
            expect(viaXstate.state).toBe(fast.state);
            expect(viaXstate.events).toEqual(fast.events);
            expect(viaXstate.world).toEqual(fast.world);
            world = fast.world;
          }
        }),
        { seed: 7, numRuns: 60 },
      );
    });
  }
});
