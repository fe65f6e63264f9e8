/**
 * The benchmark compares the chart interpreter with a plain function of the
 * same logic (bench/plain-step.ts). That comparison only means something while
 * both compute the same steps, which these tests check on random runs.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { plainStep } from '../bench/plain-step.ts';
import { benchPatchSet } from '../bench/patch-set.ts';
import { operationFromChoice, refusedOperations } from '../engine/generate-operations.ts';
import { interpretStep } from '../model/chart/interpreter.ts';
import { CATALOGUE } from '../model/catalogue/index.ts';
import { CURRENT_IMPLEMENTATION } from '../model/current/index.ts';
import type { PatchSet } from '../model/definition.ts';
import { initialWorld } from '../model/world.ts';

function agreesOn(set: PatchSet): void {
  fc.assert(
    fc.property(fc.array(fc.nat(0xffff), { maxLength: 30 }), fc.array(fc.nat(0xffff), { maxLength: 30 }), (choices, refusals) => {
      let world = initialWorld(set);
      choices.forEach((choice, i) => {
        // Every other step may be an operation the kernel refuses, so that every refusal branch runs.
        const refused = refusedOperations(set, world);
        const pick = refusals[i];
        const op = pick !== undefined && pick % 2 === 0 && refused.length > 0 ? refused[pick % refused.length]! : operationFromChoice(set, world, choice);
        const chart = interpretStep(CURRENT_IMPLEMENTATION, set, world, op);
        const plain = plainStep(set, world, op);
        expect(plain.state).toBe(chart.state);
        expect(plain.events).toEqual(chart.events);
        expect(plain.world).toEqual(chart.world);
        world = chart.world;
      });
    }),
    { numRuns: 150, seed: 7 },
  );
}

describe('plain-function baseline of the benchmark', () => {
  for (const set of [...CATALOGUE, benchPatchSet()]) {
    it(`agrees with the chart interpreter on ${set.name}`, () => agreesOn(set));
  }
});
