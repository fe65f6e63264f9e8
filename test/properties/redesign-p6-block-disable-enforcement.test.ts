import { describe, expect, it } from 'vitest';
import type { Operation } from '../../model/operations.ts';
import type { World } from '../../model/world.ts';
import { blockDisableEnforcement } from '../../properties/redesign/p6-block-disable-enforcement.ts';
import { TraceBuilder, VMLINUX, addPatch, livepatch, patchSet, pid, violationOf } from './fixtures.ts';
import { beginTransition, endTransition, klpInit, state } from './redesign-fixtures.ts';

const set = patchSet([
  livepatch('blocking', [{ name: VMLINUX, funcs: [] }], { states: [state(10, { blockDisable: true })] }),
  livepatch('lifting', [{ name: VMLINUX, funcs: [] }], { replace: true, states: [state(10)] }),
  livepatch('lacking', [{ name: VMLINUX, funcs: [] }], { replace: true }),
  livepatch('stacked', [{ name: VMLINUX, funcs: [] }]),
]);
const BLOCKING = pid('blocking');
const LIFTING = pid('lifting');
const LACKING = pid('lacking');

const writeZero: Operation = { type: 'write_enabled', patch: 'blocking', value: 0 };

function blockingListed(): TraceBuilder {
  return new TraceBuilder(set, (world) => {
    addPatch(world, set, 'blocking');
  });
}

function insmodOp(module: string, params?: Record<string, number>): Operation {
  return params ? { type: 'insmod', module, params } : { type: 'insmod', module };
}

function rejectedAsIncompatible(patch: string) {
  return [{ type: 'klp', msg: 'incompatible', patch: pid(patch) } as const, { type: 'result', errno: -22 } as const];
}

describe('p6-block-disable-enforcement', () => {
  it('holds for a refused disable', () => {
    const trace = blockingListed().step([{ type: 'result', errno: -22 }], () => {}, writeZero);
    expect(trace.judge(blockDisableEnforcement, 'redesign')).toEqual({ status: 'holds' });
  });

  it('flags a disable that went through', () => {
    const trace = blockingListed().step(
      [klpInit(BLOCKING, 'unpatched')],
      (world: World) => {
        world.patches[BLOCKING]!.enabled = false;
        beginTransition(world, BLOCKING, 'unpatched');
      },
      writeZero,
    );
    expect(violationOf(trace.judge(blockDisableEnforcement, 'redesign')).explanation).toContain(
      'block_disable ignored: echo 0 > enabled disabled blocking, which carries klp_state 10 with block_disable',
    );
  });

  it('flags an accepted replace that lacks the id', () => {
    const trace = blockingListed().step([klpInit(LACKING, 'patched')], (world) => {
      addPatch(world, set, 'lacking');
    });
    expect(violationOf(trace.judge(blockDisableEnforcement, 'redesign')).explanation).toContain(
      'replace patch lacking lacks klp_state 10, which blocking carries with block_disable, yet it passed the compatibility check',
    );
  });

  it('holds for a replace that carries the id', () => {
    const trace = blockingListed()
      .step([klpInit(LIFTING, 'patched')], (world) => {
        addPatch(world, set, 'lifting');
        beginTransition(world, LIFTING, 'patched');
      })
      .step([], (world) => endTransition(world, [BLOCKING]));
    expect(trace.judge(blockDisableEnforcement, 'redesign')).toEqual({ status: 'holds' });
  });

  it('flags a removal that leaves no carrier', () => {
    const trace = blockingListed().step([], (world) => endTransition(world, [BLOCKING]));
    expect(violationOf(trace.judge(blockDisableEnforcement, 'redesign')).explanation).toContain(
      'block_disable state removed: blocking left klp_patches and no listed patch carries klp_state 10 any more',
    );
  });

  it('holds for the refusal of a replace that lacks the id', () => {
    const trace = blockingListed().step(rejectedAsIncompatible('lacking'), () => {}, insmodOp('lacking'));
    expect(trace.judge(blockDisableEnforcement, 'redesign')).toEqual({ status: 'holds' });
  });

  it('flags a refused non-replace load', () => {
    const trace = blockingListed().step(rejectedAsIncompatible('stacked'), () => {}, insmodOp('stacked'));
    expect(violationOf(trace.judge(blockDisableEnforcement, 'redesign')).explanation).toContain(
      'non-replace patch stacked was refused as incompatible',
    );
  });

  it('flags a refused replace that carries the id', () => {
    const trace = blockingListed().step(rejectedAsIncompatible('lifting'), () => {}, insmodOp('lifting'));
    expect(violationOf(trace.judge(blockDisableEnforcement, 'redesign')).explanation).toContain(
      'replace patch lifting was refused as incompatible, although it carries every block_disable state',
    );
  });

  it('applies to the redesign only', () => {
    expect(blockDisableEnforcement.appliesTo('redesign')).toBe(true);
    expect(blockDisableEnforcement.appliesTo('current')).toMatch(/block_disable/);
  });
});
