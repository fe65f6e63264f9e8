import { describe, expect, it } from 'vitest';
import type { KernelEvent } from '../../model/events.ts';
import type { World } from '../../model/world.ts';
import { shadowPrematureFree } from '../../properties/shadow-premature-free.ts';
import { TraceBuilder, addPatch, livepatch, loadTarget, mod, patchSet, pid, pushFuncs, target, violationOf } from './fixtures.ts';

const DUMMY = 'dummymod';
const set = patchSet([
  target(DUMMY, {
    functions: [
      { name: 'dummy_check', role: 'use' },
      { name: 'dummy_free', role: 'release', body: [{ op: 'releaseParent' }] },
    ],
  }),
  livepatch(
    'fix',
    [
      {
        name: mod(DUMMY),
        funcs: [{ oldName: 'dummy_check', body: [{ op: 'shadowGetOrAlloc', id: 2, obj: { kind: 'parent' } }] }],
      },
    ],
    { exit: [{ op: 'shadowFreeAll', id: 2 }] },
  ),
  livepatch('other', [{ name: mod(DUMMY), funcs: [{ oldName: 'dummy_free' }] }], {
    exit: [{ op: 'shadowFreeAll', id: 2 }],
  }),
]);
const FIX = pid('fix');

/** fix enabled and <d1, 2> allocated at step 0 by fix's dummy_check. */
function counterAllocated(): TraceBuilder {
  return new TraceBuilder(set, (world) => {
    loadTarget(world, DUMMY);
    world.parents['d1'] = { owner: mod(DUMMY), alive: true };
    pushFuncs(world, addPatch(world, set, 'fix'));
  }).step([], (world) => {
    world.shadows.push({ obj: 'd1', id: 2, data: 'p1', value: null });
  });
}

const freeAllByOther: KernelEvent = {
  type: 'shadow',
  op: 'free_all',
  obj: null,
  id: 2,
  data: null,
  site: { kind: 'exit', module: mod('other') },
};

function dropShadows(world: World): void {
  world.shadows = [];
}

describe('shadow-premature-free', () => {
  it('flags a free under a runnable user', () => {
    const trace = counterAllocated().step([freeAllByOther], dropShadows);
    const violation = violationOf(trace.judge(shadowPrematureFree));
    expect(violation.step).toBe(1);
    expect(violation.explanation).toContain('shadow variable <d1, 2> (allocated at step 0) was freed by module_exit of other');
    expect(violation.explanation).toContain('dummy_check of dummymod as patched by fix can still run');
    expect(violation.steps).toEqual([0, 1]);
  });

  it('holds when the parent dies in the same step', () => {
    const trace = counterAllocated().step([freeAllByOther], (world) => {
      dropShadows(world);
      world.parents['d1']!.alive = false;
    });
    expect(trace.judge(shadowPrematureFree)).toEqual({ status: 'holds' });
  });

  it('holds once no runnable version uses the id', () => {
    const trace = counterAllocated().step([freeAllByOther], (world) => {
      dropShadows(world);
      world.funcStacks = {};
    });
    expect(trace.judge(shadowPrematureFree)).toEqual({ status: 'holds' });
  });

  it('flags a free while unpatched tasks can still run the user', () => {
    const trace = counterAllocated().step([freeAllByOther], (world) => {
      dropShadows(world);
      world.transition = { patch: FIX, target: 'unpatched', allTasksSwitched: false };
      world.patches[FIX]!.objects[0]!.funcs[0]!.transition = true;
    });
    expect(violationOf(trace.judge(shadowPrematureFree)).step).toBe(1);
  });

  it('holds after every task switched away from the user', () => {
    const trace = counterAllocated().step([freeAllByOther], (world) => {
      dropShadows(world);
      world.transition = { patch: FIX, target: 'unpatched', allTasksSwitched: true };
      world.patches[FIX]!.objects[0]!.funcs[0]!.transition = true;
    });
    expect(trace.judge(shadowPrematureFree)).toEqual({ status: 'holds' });
  });

  it('flags a variable allocated and freed in one step', () => {
    const trace = new TraceBuilder(set, (world) => {
      loadTarget(world, DUMMY);
      world.parents['d1'] = { owner: mod(DUMMY), alive: true };
      pushFuncs(world, addPatch(world, set, 'fix'));
    }).step([
      {
        type: 'shadow',
        op: 'free',
        obj: 'd1',
        id: 2,
        data: 'p1',
        site: { kind: 'function', object: mod(DUMMY), func: 'dummy_free', patch: null },
      },
    ]);
    expect(violationOf(trace.judge(shadowPrematureFree)).explanation).toContain('by dummy_free of dummymod (original code)');
  });

  it('applies to both models', () => {
    expect(shadowPrematureFree.appliesTo('current')).toBe(true);
    expect(shadowPrematureFree.appliesTo('redesign')).toBe(true);
  });
});
