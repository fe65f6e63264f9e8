import { describe, expect, it } from 'vitest';
import type { World } from '../../model/world.ts';
import { structure } from '../../properties/structure.ts';
import { TraceBuilder, VMLINUX, addPatch, livepatch, mod, patchSet, pid, violationOf } from './fixtures.ts';

const set = patchSet([
  livepatch('p1', [{ name: VMLINUX, funcs: [] }]),
  livepatch('p2', [{ name: VMLINUX, funcs: [] }]),
]);
const P1 = pid('p1');
const P2 = pid('p2');

function twoListed(): TraceBuilder {
  return new TraceBuilder(set).step([], (world) => {
    addPatch(world, set, 'p1');
    addPatch(world, set, 'p2');
  });
}

function unlistP1(world: World): void {
  world.klpPatches = [P2];
  world.patches[P1]!.phase = 'freeing';
}

describe('structure', () => {
  it('holds for two listed patches', () => {
    expect(twoListed().judge(structure)).toEqual({ status: 'holds' });
  });

  it('flags a transition patch that is not listed', () => {
    const trace = twoListed().step([], (world) => {
      unlistP1(world);
      world.transition = { patch: P1, target: 'unpatched', allTasksSwitched: false };
    });
    const violation = violationOf(trace.judge(structure));
    expect(violation.explanation).toContain('G1: the transition patch p1 is not on klp_patches');
    expect(violation.steps).toEqual([1]);
  });

  it('flags a list against the enable order', () => {
    const trace = twoListed().step([], (world) => {
      world.klpPatches = [P2, P1];
    });
    expect(violationOf(trace.judge(structure)).explanation).toContain('G3: klp_patches lists p1 (enable order 1) after p2');
  });

  it('flags a list entry outside phase listed', () => {
    const trace = twoListed().step([], (world) => {
      world.patches[P1]!.phase = 'freeing';
    });
    expect(violationOf(trace.judge(structure)).explanation).toContain('p1 is on klp_patches in phase freeing');
  });

  it('flags a listed phase off the list', () => {
    const trace = twoListed().step([], (world) => {
      world.klpPatches = [P2];
    });
    expect(violationOf(trace.judge(structure)).explanation).toContain('p1 is in phase listed but not on klp_patches');
  });

  it('flags removal of a forced patch module', () => {
    const trace = twoListed()
      .step([], (world) => {
        world.patches[P1]!.forced = true;
      })
      .step([], unlistP1)
      .step([{ type: 'module', op: 'removed', module: mod('p1') }], (world) => {
        world.patches[P1]!.phase = 'released';
        delete world.modules['p1'];
      });
    const violation = violationOf(trace.judge(structure));
    expect(violation.explanation).toContain('livepatch module p1 was removed although its patch p1 is forced');
    expect(violation.steps).toEqual([1, 3]);
  });

  it('holds for removal of an unforced patch module', () => {
    const trace = twoListed()
      .step([], unlistP1)
      .step([{ type: 'module', op: 'removed', module: mod('p1') }], (world) => {
        world.patches[P1]!.phase = 'released';
        delete world.modules['p1'];
      });
    expect(trace.judge(structure)).toEqual({ status: 'holds' });
  });

  it('flags a patch back on the list', () => {
    const trace = twoListed()
      .step([], unlistP1)
      .step([], (world) => {
        world.klpPatches = [P1, P2];
        world.patches[P1]!.phase = 'listed';
      });
    const violation = violationOf(trace.judge(structure));
    expect(violation.explanation).toContain('G6: p1 is back on klp_patches after it left it at step 1');
    expect(violation.steps).toEqual([1, 2]);
  });

  it('flags a duplicate shadow entry', () => {
    const trace = twoListed().step([], (world) => {
      world.shadows.push({ obj: 'o1', id: 5, data: 'p1', value: null }, { obj: 'o1', id: 5, data: 'p2', value: null });
    });
    expect(violationOf(trace.judge(structure)).explanation).toContain('G8: the shadow table holds <o1, 5> more than once');
  });

  it('applies to both models', () => {
    expect(structure.appliesTo('current')).toBe(true);
    expect(structure.appliesTo('redesign')).toBe(true);
  });
});
