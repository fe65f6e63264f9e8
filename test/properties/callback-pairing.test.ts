import { describe, expect, it } from 'vitest';
import { callbackPairing } from '../../properties/callback-pairing.ts';
import {
  ALL_CALLBACKS,
  TRACE_ONLY,
  TraceBuilder,
  VMLINUX,
  addPatch,
  callback,
  livepatch,
  loadTarget,
  mod,
  patchSet,
  pid,
  target,
  violationOf,
} from './fixtures.ts';

const TMOD = 'tmod';
const set = patchSet([
  livepatch('lp', [
    { name: VMLINUX, funcs: [], callbacks: ALL_CALLBACKS },
    { name: mod(TMOD), funcs: [], callbacks: ALL_CALLBACKS },
  ]),
  livepatch('only_post_unpatch', [{ name: VMLINUX, funcs: [], callbacks: { post_unpatch: TRACE_ONLY } }]),
  target(TMOD),
]);
const LP = pid('lp');

function enabled(): TraceBuilder {
  return new TraceBuilder(set).step(
    [
      callback(LP, VMLINUX, 'pre_patch', 0),
      callback(LP, VMLINUX, 'post_patch'),
    ],
    (world) => {
      addPatch(world, set, 'lp');
    },
  );
}

describe('callback-pairing', () => {
  it('holds for enable then disable', () => {
    const trace = enabled().step(
      [
        callback(LP, VMLINUX, 'pre_unpatch'),
        callback(LP, VMLINUX, 'post_unpatch'),
        { type: 'patchFreed', patch: LP },
      ],
      (world) => {
        world.klpPatches = [];
        const patch = world.patches[LP]!;
        patch.phase = 'freeing';
        patch.objects = [];
      },
    );
    expect(trace.judge(callbackPairing)).toEqual({ status: 'holds' });
  });

  it('holds for post_patch again after a reversed disable', () => {
    const trace = enabled()
      .step([callback(LP, VMLINUX, 'pre_unpatch')])
      .step([callback(LP, VMLINUX, 'post_patch')]);
    expect(trace.judge(callbackPairing)).toEqual({ status: 'holds' });
  });

  it('flags a second post_unpatch', () => {
    const trace = new TraceBuilder(set)
      .step([callback(LP, VMLINUX, 'pre_patch', 0)], (world) => {
        addPatch(world, set, 'lp');
      })
      .step([callback(LP, VMLINUX, 'post_unpatch')])
      .step([callback(LP, VMLINUX, 'post_unpatch')]);
    const violation = violationOf(trace.judge(callbackPairing));
    expect(violation.step).toBe(2);
    expect(violation.explanation).toContain('post_unpatch of lp for vmlinux');
    expect(violation.explanation).toContain('more than once');
    expect(violation.steps).toEqual([0, 1, 2]);
  });

  it('flags post_unpatch after a failed pre_patch', () => {
    const trace = new TraceBuilder(set).step(
      [callback(LP, VMLINUX, 'pre_patch', -19), callback(LP, VMLINUX, 'post_unpatch')],
      (world) => {
        addPatch(world, set, 'lp');
      },
    );
    expect(violationOf(trace.judge(callbackPairing)).explanation).toContain('without one');
  });

  it('holds for a failed pre_patch alone', () => {
    const trace = new TraceBuilder(set).step([callback(LP, VMLINUX, 'pre_patch', -19)]);
    expect(trace.judge(callbackPairing)).toEqual({ status: 'holds' });
  });

  it('flags pre_unpatch before post_patch', () => {
    const trace = new TraceBuilder(set)
      .step([callback(LP, VMLINUX, 'pre_patch', 0)])
      .step([callback(LP, VMLINUX, 'pre_unpatch')]);
    const violation = violationOf(trace.judge(callbackPairing));
    expect(violation.explanation).toContain('pre_unpatch ran although post_patch never ran');
    expect(violation.step).toBe(1);
  });

  it('flags a callback after patchFreed', () => {
    const trace = enabled()
      .step([
        callback(LP, VMLINUX, 'pre_unpatch'),
        callback(LP, VMLINUX, 'post_unpatch'),
        { type: 'patchFreed', patch: LP },
      ])
      .step([callback(LP, VMLINUX, 'pre_patch', 0)]);
    const violation = violationOf(trace.judge(callbackPairing));
    expect(violation.explanation).toContain('after the patch was freed at step 1');
    expect(violation.steps).toEqual([1, 2]);
  });

  it('flags a patch freed with its pair open', () => {
    const trace = enabled().step([{ type: 'patchFreed', patch: LP }]);
    const violation = violationOf(trace.judge(callbackPairing));
    expect(violation.explanation).toContain('unpaired callbacks: lp was freed while a callback pair of its vmlinux object was still open');
    expect(violation.explanation).toContain('post_patch ran but neither pre_unpatch nor post_unpatch did');
    expect(violation.steps).toEqual([0, 1]);
  });

  it('flags a patch freed after pre_patch alone', () => {
    const trace = new TraceBuilder(set)
      .step([callback(LP, VMLINUX, 'pre_patch', 0)], (world) => {
        addPatch(world, set, 'lp');
      })
      .step([{ type: 'patchFreed', patch: LP }]);
    const violation = violationOf(trace.judge(callbackPairing));
    expect(violation.explanation).toContain('pre_patch succeeded but post_unpatch never ran');
    expect(violation.steps).toEqual([0, 1]);
  });

  it('names the load number of a reloaded module', () => {
    const second = pid('lp', 2);
    const trace = new TraceBuilder(set, (world) => {
      world.loads['lp'] = 2;
    })
      .step([callback(second, VMLINUX, 'pre_patch', 0)])
      .step([callback(second, VMLINUX, 'pre_patch', 0)]);
    expect(violationOf(trace.judge(callbackPairing)).explanation).toContain('pre_patch of lp (load 2) for vmlinux');
  });

  it('holds when the module notifier closes a module pair', () => {
    const trace = new TraceBuilder(set, (world) => {
      addPatch(world, set, 'lp');
    })
      .step([callback(LP, mod(TMOD), 'pre_patch', 0), callback(LP, mod(TMOD), 'post_patch')], (world) => {
        loadTarget(world, TMOD);
      })
      .step(
        [
          callback(LP, mod(TMOD), 'pre_unpatch'),
          callback(LP, mod(TMOD), 'post_unpatch'),
          { type: 'module', op: 'removed', module: mod(TMOD) },
        ],
        (world) => {
          delete world.modules[TMOD];
        },
      )
      .step([callback(LP, mod(TMOD), 'pre_patch', 0)], (world) => {
        loadTarget(world, TMOD);
      });
    expect(trace.judge(callbackPairing)).toEqual({ status: 'holds' });
  });

  it('flags a target module gone with its pair open', () => {
    const trace = new TraceBuilder(set, (world) => {
      addPatch(world, set, 'lp');
    })
      .step([callback(LP, mod(TMOD), 'pre_patch', 0), callback(LP, mod(TMOD), 'post_patch')], (world) => {
        loadTarget(world, TMOD);
      })
      .step([{ type: 'module', op: 'removed', module: mod(TMOD) }], (world) => {
        delete world.modules[TMOD];
      });
    const violation = violationOf(trace.judge(callbackPairing));
    expect(violation.explanation).toContain('target module tmod is gone');
    expect(violation.explanation).toContain('post_patch ran but neither pre_unpatch nor post_unpatch did');
  });

  it('flags an undefined pre_patch whose pair stays open', () => {
    const patch = pid('only_post_unpatch');
    const trace = new TraceBuilder(set)
      .step([], (world) => {
        addPatch(world, set, 'only_post_unpatch');
      })
      .step([{ type: 'patchFreed', patch }], (world) => {
        world.klpPatches = [];
        world.patches[patch]!.phase = 'freeing';
        world.patches[patch]!.objects = [];
      });
    const violation = violationOf(trace.judge(callbackPairing));
    expect(violation.explanation).toContain('only_post_unpatch was freed while a callback pair of its vmlinux object was still open');
    expect(violation.steps).toEqual([0, 1]);
  });

  it('holds for an undefined pre_patch closed by post_unpatch', () => {
    const patch = pid('only_post_unpatch');
    const trace = new TraceBuilder(set)
      .step([], (world) => {
        addPatch(world, set, 'only_post_unpatch');
      })
      .step([callback(patch, VMLINUX, 'post_unpatch'), { type: 'patchFreed', patch }], (world) => {
        world.klpPatches = [];
        world.patches[patch]!.phase = 'freeing';
        world.patches[patch]!.objects = [];
      });
    expect(trace.judge(callbackPairing)).toEqual({ status: 'holds' });
  });

  it('applies only to the current model', () => {
    expect(callbackPairing.appliesTo('current')).toBe(true);
    expect(callbackPairing.appliesTo('redesign')).toMatch(/per-object callbacks/);
  });
});
