import { describe, expect, it } from 'vitest';
import type { KernelEvent } from '../../model/events.ts';
import { bufferId } from '../../model/ids.ts';
import { refusalCleanup } from '../../properties/refusal-cleanup.ts';
import { TraceBuilder, VMLINUX, callback, livepatch, mod, patchSet, pid, violationOf } from './fixtures.ts';

const set = patchSet([livepatch('lp', [{ name: VMLINUX, funcs: [] }], { states: [{ id: 1, version: 1 }] })], {
  systemVariables: { console_loglevel: 7 },
});
const LP = pid('lp');
const ENODEV: KernelEvent = { type: 'result', errno: -19 };
const BUF = bufferId('buf1');
const inPrePatch = { kind: 'callback', patch: LP, object: null, callback: 'pre_patch' } as const;
const inPostUnpatch = { kind: 'callback', patch: LP, object: null, callback: 'post_unpatch' } as const;

const raise: KernelEvent = { type: 'variable', name: 'console_loglevel', from: 7, to: 15, site: inPrePatch };
const restore: KernelEvent = { type: 'variable', name: 'console_loglevel', from: 15, to: 7, site: inPostUnpatch };

describe('refusal-cleanup', () => {
  it('flags a variable change left by a refused load', () => {
    const trace = new TraceBuilder(set).step([callback(LP, VMLINUX, 'pre_patch', -19), raise, ENODEV], (world) => {
      world.systemVariables['console_loglevel'] = { value: 15, original: 7, changedBy: { patch: LP, id: null, version: null } };
    });
    const violation = violationOf(trace.judge(refusalCleanup));
    expect(violation.explanation).toBe(
      'the operation failed with -ENODEV, but system variable console_loglevel changed from 7 to 15 by pre_patch of lp for vmlinux',
    );
    expect(violation.steps).toEqual([0]);
  });

  it('holds when post_unpatch undoes the change', () => {
    const trace = new TraceBuilder(set).step([
      callback(LP, VMLINUX, 'pre_patch', 0),
      raise,
      callback(LP, VMLINUX, 'post_unpatch'),
      restore,
      ENODEV,
    ]);
    expect(trace.judge(refusalCleanup)).toEqual({ status: 'holds' });
  });

  it('holds for a successful step with changes', () => {
    const trace = new TraceBuilder(set).step([callback(LP, VMLINUX, 'pre_patch', 0), raise, { type: 'result', errno: 0 }], (world) => {
      world.systemVariables['console_loglevel']!.value = 15;
    });
    expect(trace.judge(refusalCleanup)).toEqual({ status: 'holds' });
  });

  it('flags a state data buffer left allocated', () => {
    const trace = new TraceBuilder(set).step(
      [callback(LP, VMLINUX, 'pre_patch', 0), { type: 'stateData', op: 'alloc', buffer: BUF, patch: LP, id: 1 }, ENODEV],
      (world) => {
        world.buffers[BUF] = { allocatedBy: LP, freed: false, value: null };
      },
    );
    expect(violationOf(trace.judge(refusalCleanup)).explanation).toContain(
      'klp_state 1 data buffer buf1 allocated and not freed by pre_patch of lp for vmlinux',
    );
  });

  it('holds for a state data buffer freed again', () => {
    const trace = new TraceBuilder(set).step(
      [
        callback(LP, VMLINUX, 'pre_patch', 0),
        { type: 'stateData', op: 'alloc', buffer: BUF, patch: LP, id: 1 },
        callback(LP, VMLINUX, 'post_unpatch'),
        { type: 'stateData', op: 'free', buffer: BUF, patch: LP, id: 1 },
        ENODEV,
      ],
      (world) => {
        world.buffers[BUF] = { allocatedBy: LP, freed: true, value: null };
      },
    );
    expect(trace.judge(refusalCleanup)).toEqual({ status: 'holds' });
  });

  it('flags a shadow variable left behind', () => {
    const trace = new TraceBuilder(set).step(
      [
        callback(LP, VMLINUX, 'pre_patch', 0),
        { type: 'shadow', op: 'alloc', obj: 'static_obj', id: 3, data: 'p1', site: inPrePatch },
        ENODEV,
      ],
      (world) => {
        world.shadows.push({ obj: 'static_obj', id: 3, data: 'p1', value: null });
      },
    );
    expect(violationOf(trace.judge(refusalCleanup)).explanation).toContain(
      'shadow variable <static_obj, 3> created and still present by pre_patch of lp for vmlinux',
    );
  });

  it('ignores changes outside callbacks', () => {
    const trace = new TraceBuilder(set).step(
      [{ type: 'shadow', op: 'alloc', obj: 'o', id: 3, data: 'p1', site: { kind: 'init', module: mod('lp') } }, ENODEV],
      (world) => {
        world.shadows.push({ obj: 'o', id: 3, data: 'p1', value: null });
      },
    );
    expect(trace.judge(refusalCleanup)).toEqual({ status: 'holds' });
  });
});
