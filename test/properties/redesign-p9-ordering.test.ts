import { describe, expect, it } from 'vitest';
import type { KernelEvent } from '../../model/events.ts';
import { stateOrdering } from '../../properties/redesign/p9-ordering.ts';
import { TraceBuilder, VMLINUX, addPatch, livepatch, patchSet, pid, violationOf } from './fixtures.ts';
import { coreFree, klpComplete, klpCompleting, state, stateCallback } from './redesign-fixtures.ts';

const set = patchSet([
  livepatch('old', [{ name: VMLINUX, funcs: [] }], { states: [state(10, { isShadow: true }), state(11, { isShadow: true })] }),
  livepatch('new', [{ name: VMLINUX, funcs: [] }], { replace: true, states: [state(20)] }),
]);
const OLD = pid('old');
const NEW = pid('new');

/** Builds one step with the given events while old and new are both listed. */
function step(events: readonly KernelEvent[]): TraceBuilder {
  return new TraceBuilder(set, (world) => {
    addPatch(world, set, 'old');
    addPatch(world, set, 'new');
  }).step(events);
}

const REPLACE_DONE: KernelEvent[] = [
  klpCompleting(NEW, 'patched'),
  stateCallback(OLD, 10, 'post_unpatch'),
  ...coreFree(OLD, 10, []),
  stateCallback(OLD, 11, 'post_unpatch'),
  ...coreFree(OLD, 11, []),
  stateCallback(NEW, 20, 'post_patch'),
  klpComplete(NEW, 'patched'),
];

describe('p9-ordering', () => {
  it('holds for the documented replace completion', () => {
    expect(step(REPLACE_DONE).judge(stateOrdering, 'redesign')).toEqual({ status: 'holds' });
  });

  it('flags post_patch before the old post_unpatch', () => {
    const events = [
      klpCompleting(NEW, 'patched'),
      stateCallback(NEW, 20, 'post_patch'),
      stateCallback(OLD, 10, 'post_unpatch'),
      klpComplete(NEW, 'patched'),
    ];
    expect(violationOf(step(events).judge(stateOrdering, 'redesign')).explanation).toContain(
      'replace completion out of order: post_unpatch of klp_state 10 in old ran after the post_patch of replace patch new',
    );
  });

  it('flags a shadow free after post_patch', () => {
    const events = [klpCompleting(NEW, 'patched'), stateCallback(NEW, 20, 'post_patch'), ...coreFree(OLD, 10, []), klpComplete(NEW, 'patched')];
    expect(violationOf(step(events).judge(stateOrdering, 'redesign')).explanation).toContain(
      'a free of the shadow variables of klp_state 10 in old ran after the post_patch',
    );
  });

  it('flags a teardown in reverse order', () => {
    const events = [stateCallback(OLD, 11, 'pre_unpatch'), stateCallback(OLD, 10, 'pre_unpatch')];
    expect(violationOf(step(events).judge(stateOrdering, 'redesign')).explanation).toContain(
      'state callbacks out of states[] order: pre_unpatch of klp_state 10 in old ran after pre_unpatch of klp_state 11 in old',
    );
  });

  it('flags a free of an earlier state after a later post_unpatch', () => {
    const events = [stateCallback(OLD, 10, 'post_unpatch'), stateCallback(OLD, 11, 'post_unpatch'), ...coreFree(OLD, 10, [])];
    expect(violationOf(step(events).judge(stateOrdering, 'redesign')).explanation).toContain(
      "the core's free of klp_state 10 in old ran after post_unpatch of klp_state 11 in old",
    );
  });

  it('flags a free before its post_unpatch', () => {
    const events = [...coreFree(OLD, 10, []), stateCallback(OLD, 10, 'post_unpatch')];
    expect(violationOf(step(events).judge(stateOrdering, 'redesign')).explanation).toContain(
      "shadow free before post_unpatch: post_unpatch of klp_state 10 in old ran after the core freed the state's variables",
    );
  });

  it('applies to the redesign only', () => {
    expect(stateOrdering.appliesTo('redesign')).toBe(true);
    expect(stateOrdering.appliesTo('current')).not.toBe(true);
  });
});
