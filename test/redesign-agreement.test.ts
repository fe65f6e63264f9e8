import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { CATALOGUE } from '../model/catalogue/index.ts';
import { chartReferences } from '../model/chart/chart.ts';
import { interpretStep } from '../model/chart/interpreter.ts';
import { XstateStepper, buildMachine } from '../model/chart/xstate.ts';
import { targetFunctions } from '../model/definition.ts';
import type { ParamDef, PatchSet } from '../model/definition.ts';
import type { Operation } from '../model/operations.ts';
import { REDESIGN_IMPLEMENTATION } from '../model/redesign/index.ts';
import { REDESIGN_CATALOGUE } from '../model/redesign-catalogue/index.ts';
import { hallOf } from '../model/redesign-catalogue/speaker.ts';
import { translatePatchSet } from '../model/translate.ts';
import { initialWorld } from '../model/world.ts';

/** Values worth writing to a parameter: both bool values, or 0 and an errno for an int. */
function paramValues(param: ParamDef): number[] {
  return param.type === 'bool' ? [0, 1] : [0, -19];
}

/**
 * Every operation on the set's modules, valid or not, so that refusals are
 * exercised too. Livepatch loads come without parameters, with each parameter
 * alone, and with all of them set.
 */
function operationPool(set: PatchSet): Operation[] {
  const ops: Operation[] = [{ type: 'transition_work' }];
  for (const def of set.modules) {
    ops.push({ type: 'insmod', module: def.name }, { type: 'rmmod', module: def.name });
    const params = def.params ?? [];
    for (const param of params) {
      ops.push({ type: 'insmod', module: def.name, params: { [param.name]: paramValues(param)[1]! } });
      for (const value of paramValues(param)) ops.push({ type: 'write_param', module: def.name, param: param.name, value });
    }
    if (params.length > 1) {
      const all = Object.fromEntries(params.filter((p) => p.type === 'bool').map((p) => [p.name, 1]));
      ops.push({ type: 'insmod', module: def.name, params: all });
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
  const targets = set.modules.filter((m) => m.kind === 'target').map((m) => m.name);
  for (const object of [null, ...targets]) {
    const parents = object === null ? ['p1', 'p2'] : ['p1', 'p2', hallOf(object)];
    for (const func of targetFunctions(set, object)) {
      for (const parent of parents) {
        ops.push({ type: 'call', object, func: func.name, parent, task: 'unpatched' });
        ops.push({ type: 'call', object, func: func.name, parent, task: 'patched' });
      }
    }
  }
  return ops;
}

describe('redesign statechart', () => {
  it('implements every guard and action it names', () => {
    const refs = chartReferences(REDESIGN_IMPLEMENTATION.chart);
    for (const guard of refs.guards) expect(REDESIGN_IMPLEMENTATION.guards, guard).toHaveProperty(guard);
    for (const action of refs.actions) expect(REDESIGN_IMPLEMENTATION.actions, action).toHaveProperty(action);
  });

  const machine = buildMachine(REDESIGN_IMPLEMENTATION);
  const sets = [...REDESIGN_CATALOGUE, ...CATALOGUE.map((set) => translatePatchSet(set).set)];

  for (const set of sets) {
    it(`fast interpreter agrees with xstate on ${set.name}`, () => {
      const pool = operationPool(set);
      fc.assert(
        fc.property(fc.array(fc.nat(pool.length - 1), { maxLength: 30 }), (choices) => {
          let world = initialWorld(set);
          const stepper = new XstateStepper(machine, set, world);
          for (const choice of choices) {
            const op = pool[choice]!;
            const fast = interpretStep(REDESIGN_IMPLEMENTATION, set, world, op);
            const viaXstate = stepper.step(op);
            expect(viaXstate.state).toBe(fast.state);
            expect(viaXstate.events).toEqual(fast.events);
            expect(viaXstate.world).toEqual(fast.world);
            world = fast.world;
          }
        }),
        { seed: 11, numRuns: 80 },
      );
    });
  }
});
