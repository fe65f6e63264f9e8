import { describe, expect, it } from 'vitest';
import type { Code } from '../../model/code.ts';
import type { World } from '../../model/world.ts';
import { shadowLeak } from '../../properties/shadow-leak.ts';
import { TraceBuilder, addPatch, livepatch, loadTarget, mod, patchSet, pid, pushFuncs, target, violationOf } from './fixtures.ts';

const DUMMY = 'dummymod';
const FREE_ALL: Code = [{ op: 'shadowFreeAll', id: 1 }];

/** Builds a target that creates and releases parents, and a fix whose new functions attach shadow id 1 to them. */
function shadowSet(fix: { exit?: Code; postUnpatch?: Code } = {}) {
  return patchSet([
    target(DUMMY, {
      functions: [
        { name: 'dummy_alloc', role: 'create' },
        { name: 'dummy_free', role: 'release', body: [{ op: 'releaseParent' }] },
      ],
    }),
    livepatch(
      'fix',
      [
        {
          name: mod(DUMMY),
          funcs: [
            { oldName: 'dummy_alloc', body: [{ op: 'shadowAlloc', id: 1, obj: { kind: 'parent' } }] },
            {
              oldName: 'dummy_free',
              body: [{ op: 'shadowFree', id: 1, obj: { kind: 'parent' } }, { op: 'releaseParent' }],
            },
          ],
          ...(fix.postUnpatch ? { callbacks: { post_unpatch: fix.postUnpatch } } : {}),
        },
      ],
      fix.exit ? { exit: fix.exit } : {},
    ),
  ]);
}

const FIX = pid('fix');

/** Target loaded, fix enabled, one parent d1 with shadow <d1, 1> allocated at step 0. */
function withShadow(set: ReturnType<typeof shadowSet>, forced = false): TraceBuilder {
  return new TraceBuilder(set, (world) => {
    loadTarget(world, DUMMY);
    pushFuncs(world, addPatch(world, set, 'fix', { forced }));
  }).step([{ type: 'parent', op: 'create', parent: 'd1' }], (world) => {
    world.parents['d1'] = { owner: mod(DUMMY), alive: true };
    world.shadows.push({ obj: 'd1', id: 1, data: 'p1', value: null });
  });
}

function releaseD1(world: World): void {
  world.parents['d1']!.alive = false;
}

describe('shadow-leak', () => {
  it('holds while a runnable version uses the id', () => {
    expect(withShadow(shadowSet()).judge(shadowLeak)).toEqual({ status: 'holds' });
  });

  it('flags a shadow whose parent died with no cleanup', () => {
    const trace = withShadow(shadowSet()).step([{ type: 'parent', op: 'release', parent: 'd1' }], releaseD1);
    const violation = violationOf(trace.judge(shadowLeak));
    expect(violation.step).toBe(1);
    expect(violation.explanation).toContain('shadow variable <d1, 1> (allocated at step 0) leaked');
    expect(violation.explanation).toContain('its parent d1 was released at step 1');
    expect(violation.steps).toEqual([0, 1]);
  });

  it('flags a shadow no runnable version uses', () => {
    const trace = withShadow(shadowSet()).step([], (world) => {
      world.funcStacks = {};
    });
    expect(violationOf(trace.judge(shadowLeak)).explanation).toContain('no runnable function version uses id 1');
  });

  it('holds when the livepatch module exit frees the id', () => {
    const trace = withShadow(shadowSet({ exit: FREE_ALL })).step([], releaseD1);
    expect(trace.judge(shadowLeak)).toEqual({ status: 'holds' });
  });

  it('flags a forced patch whose exit never runs', () => {
    const trace = withShadow(shadowSet({ exit: FREE_ALL }), true).step([], releaseD1);
    expect(violationOf(trace.judge(shadowLeak)).explanation).toContain('leaked');
  });

  it('holds while post_unpatch can still run', () => {
    const trace = withShadow(shadowSet({ postUnpatch: FREE_ALL })).step([], releaseD1);
    expect(trace.judge(shadowLeak)).toEqual({ status: 'holds' });
  });

  it('flags post_unpatch of a patch that left the list', () => {
    const trace = withShadow(shadowSet({ postUnpatch: FREE_ALL })).step([{ type: 'patchFreed', patch: FIX }], (world) => {
      releaseD1(world);
      world.klpPatches = [];
      world.patches[FIX]!.phase = 'freeing';
      world.funcStacks = {};
    });
    expect(violationOf(trace.judge(shadowLeak)).step).toBe(1);
  });

  it('waits until no transition is pending', () => {
    const trace = withShadow(shadowSet()).step([], (world) => {
      releaseD1(world);
      world.transition = { patch: FIX, target: 'unpatched', allTasksSwitched: false };
    });
    expect(trace.judge(shadowLeak)).toEqual({ status: 'holds' });
  });

  it('holds for a static address used by runnable code', () => {
    const trace = withShadow(shadowSet()).step([], (world) => {
      world.shadows.push({ obj: 'static_obj', id: 1, data: 'p2', value: null });
    });
    expect(trace.judge(shadowLeak)).toEqual({ status: 'holds' });
  });

  it('applies to the current model', () => {
    expect(shadowLeak.appliesTo('current')).toBe(true);
  });
});
