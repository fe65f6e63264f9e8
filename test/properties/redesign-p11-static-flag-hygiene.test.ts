import { describe, expect, it } from 'vitest';
import { staticFlagHygiene } from '../../properties/redesign/p11-static-flag-hygiene.ts';
import { TraceBuilder, VMLINUX, addPatch, livepatch, patchSet, pid, violationOf } from './fixtures.ts';
import { beginTransition, endTransition, klpInit } from './redesign-fixtures.ts';

const set = patchSet([livepatch('cumul', [{ name: VMLINUX, funcs: [] }], { replace: true })]);
const CUMUL = pid('cumul');

/** cumul's enable sets the flag (step 0). */
function replaceStarted(): TraceBuilder {
  return new TraceBuilder(set).step([klpInit(CUMUL, 'patched')], (world) => {
    addPatch(world, set, 'cumul');
    beginTransition(world, CUMUL, 'patched');
    world.preUnpatchReplacedCalled = true;
  });
}

describe('p11-static-flag-hygiene', () => {
  it('holds when the completion clears the flag', () => {
    const trace = replaceStarted().step([], (world) => {
      endTransition(world);
      world.preUnpatchReplacedCalled = false;
    });
    expect(trace.judge(staticFlagHygiene, 'redesign')).toEqual({ status: 'holds' });
  });

  it('flags a flag left set', () => {
    const trace = replaceStarted().step([], (world) => endTransition(world));
    const violation = violationOf(trace.judge(staticFlagHygiene, 'redesign'));
    expect(violation.explanation).toContain('static flag not reset');
    expect(violation.steps).toEqual([0, 1]);
  });

  it('flags a transition started with the flag set', () => {
    const trace = new TraceBuilder(set, (world) => {
      world.preUnpatchReplacedCalled = true;
    }).step([klpInit(CUMUL, 'patched')], (world) => {
      addPatch(world, set, 'cumul');
      beginTransition(world, CUMUL, 'patched');
    });
    expect(violationOf(trace.judge(staticFlagHygiene, 'redesign')).explanation).toContain(
      'stale static flag: the transition of cumul was initialised while klp_states_pre_unpatch_replaced_called was still set',
    );
  });

  it('flags the WARN', () => {
    const trace = replaceStarted().step([{ type: 'warning', site: 'klp_states_pre_unpatch_replaced' }]);
    expect(violationOf(trace.judge(staticFlagHygiene, 'redesign')).explanation).toContain('klp_states_pre_unpatch_replaced WARNed');
  });

  it('applies to the redesign only', () => {
    expect(staticFlagHygiene.appliesTo('redesign')).toBe(true);
    expect(staticFlagHygiene.appliesTo('current')).not.toBe(true);
  });
});
