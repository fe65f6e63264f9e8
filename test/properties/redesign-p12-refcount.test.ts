/**
 * The reference-count pair on hand-built traces and on the redesign model.
 * The model's code has no increment, so the patch sets keep one object:
 * dev_refcount is 1 (the system's own reference) and 2 while the object holds
 * the reference the fix takes.
 */
import { describe, expect, it } from 'vitest';
import type { Code, ObjectRef } from '../../model/code.ts';
import type { Operation } from '../../model/operations.ts';
import { judge } from '../../properties/property.ts';
import { refcountBalance } from '../../properties/redesign/p12-refcount-balance.ts';
import { systemStateConsistency } from '../../properties/system-state-consistency.ts';
import { TraceBuilder, VMLINUX, addPatch, livepatch, mod, patchSet, pid, target, violationOf } from './fixtures.ts';
import { disableLp, expectViolationAt, freeWork, insmod, loadLp, rmmod, runRedesign, state, work } from './redesign-fixtures.ts';

const REF = 30;
const OBJ = 'refmod_obj1';
const PARENT: ObjectRef = { kind: 'parent' };
const MARK_OF_OBJ: ObjectRef = { kind: 'static', name: OBJ };

/** The fixed get: take the reference and mark the object. */
const GET: Code = [
  { op: 'varSet', name: 'dev_refcount', value: 2, id: REF },
  { op: 'shadowAlloc', id: REF, obj: PARENT },
];
/** The fixed put: drop the reference only for a marked object, then release it. */
const PUT: Code = [
  {
    op: 'if',
    cond: { kind: 'shadowExists', id: REF, obj: PARENT },
    then: [
      { op: 'varSet', name: 'dev_refcount', value: 1, id: REF },
      { op: 'shadowFree', id: REF, obj: PARENT },
    ],
  },
  { op: 'releaseParent' },
];
/** post_unpatch drops the reference of the marked object; the core then frees the mark. */
const RELEASE_MARKED: Code = [
  { op: 'if', cond: { kind: 'shadowExists', id: REF, obj: MARK_OF_OBJ }, then: [{ op: 'varSet', name: 'dev_refcount', value: 1, id: REF }] },
];

function fix(name: string, postUnpatch: Code | undefined) {
  return livepatch(
    name,
    [
      {
        name: mod('refmod'),
        funcs: [
          { oldName: 'obj_get', body: GET },
          { oldName: 'obj_put', body: PUT },
        ],
      },
    ],
    { states: [state(REF, { isShadow: true, callbacks: postUnpatch ? { post_unpatch: postUnpatch } : {} })] },
  );
}

const set = patchSet(
  [
    target('refmod', {
      functions: [
        { name: 'obj_get', role: 'create' },
        { name: 'obj_put', role: 'release', body: [{ op: 'releaseParent' }] },
      ],
    }),
    fix('reffix', RELEASE_MARKED),
    fix('reffix_leaky', undefined),
  ],
  { systemVariables: { dev_refcount: 1 } },
);

const get: Operation = { type: 'call', object: mod('refmod'), func: 'obj_get', parent: OBJ };
const put: Operation = { type: 'call', object: mod('refmod'), func: 'obj_put', parent: OBJ };

describe('p12-refcount-balance on hand-built traces', () => {
  const plain = patchSet([livepatch('lp', [{ name: VMLINUX, funcs: [] }], { states: [state(REF)] })], {
    systemVariables: { dev_refcount: 1, console_loglevel: 7 },
  });
  const LP = pid('lp');

  function taken(): TraceBuilder {
    return new TraceBuilder(plain, (world) => {
      addPatch(world, plain, 'lp');
    }).step([{ type: 'variable', name: 'dev_refcount', from: 1, to: 2, site: { kind: 'function', object: mod('refmod'), func: 'obj_get', patch: LP } }], (world) => {
      world.systemVariables['dev_refcount'] = { value: 2, original: 1, changedBy: { patch: LP, id: REF, version: 0 } };
    });
  }

  it('holds while the carrier is listed', () => {
    expect(taken().judge(refcountBalance, 'redesign')).toEqual({ status: 'holds' });
  });

  it('flags a get left after the state went', () => {
    const trace = taken().step([], (world) => {
      world.klpPatches = [];
      world.patches[LP]!.phase = 'freeing';
    });
    const violation = violationOf(trace.judge(refcountBalance, 'redesign'));
    expect(violation.explanation).toContain(
      'leaked get: dev_refcount is 2, boot value 1; the reference was taken by lp under klp_state 30, and no listed patch carries the state',
    );
    expect(violation.steps).toEqual([0, 1]);
  });

  it('flags an extra put', () => {
    const trace = new TraceBuilder(plain).step([], (world) => {
      world.systemVariables['dev_refcount'] = { value: 0, original: 1, changedBy: { patch: LP, id: REF, version: 0 } };
    });
    expect(violationOf(trace.judge(refcountBalance, 'redesign')).explanation).toContain(
      'extra put: dev_refcount is 0, boot value 1, last changed by lp under klp_state 30',
    );
  });

  it('ignores variables that are not reference counts', () => {
    const trace = new TraceBuilder(plain).step([], (world) => {
      world.systemVariables['console_loglevel'] = { value: 1, original: 7, changedBy: null };
    });
    expect(trace.judge(refcountBalance, 'redesign')).toEqual({ status: 'holds' });
  });

  it('applies to the redesign only', () => {
    expect(refcountBalance.appliesTo('redesign')).toBe(true);
    expect(refcountBalance.appliesTo('current')).not.toBe(true);
  });
});

describe('p12-refcount-balance on the redesign model', () => {
  const sequences: Record<string, Operation[]> = {
    'get and put under the patch': [insmod('refmod'), ...loadLp('reffix'), get, put, ...disableLp('reffix')],
    'enable between get and put': [insmod('refmod'), get, ...loadLp('reffix'), put, ...disableLp('reffix')],
    'disable between get and put': [insmod('refmod'), ...loadLp('reffix'), get, ...disableLp('reffix'), put],
    'put during the disable transition': [insmod('refmod'), ...loadLp('reffix'), get, { type: 'write_enabled', patch: 'reffix', value: 0 }, { ...put, task: 'patched' }, work, freeWork('reffix')],
    'reverted disable': [insmod('refmod'), ...loadLp('reffix'), get, { type: 'write_enabled', patch: 'reffix', value: 0 }, { type: 'write_enabled', patch: 'reffix', value: 1 }, work, put],
    'rmmod after disable': [insmod('refmod'), ...loadLp('reffix'), get, ...disableLp('reffix'), rmmod('reffix'), put, rmmod('refmod')],
  };

  for (const [name, ops] of Object.entries(sequences)) {
    it(`holds for ${name}`, () => {
      const trace = runRedesign(set, ops);
      expect(judge(refcountBalance, trace)).toEqual({ status: 'holds' });
      expect(judge(systemStateConsistency, trace)).toEqual({ status: 'holds' });
    });
  }

  it('flags remove callbacks that drop nothing', () => {
    // The leaky fix marks the object but never drops the marked reference.
    const trace = runRedesign(set, [insmod('refmod'), ...loadLp('reffix_leaky'), get, ...disableLp('reffix_leaky')]);
    expect(expectViolationAt(refcountBalance, trace, 5)).toContain(
      'leaked get: dev_refcount is 2, boot value 1; the reference was taken by reffix_leaky under klp_state 30',
    );
    expect(expectViolationAt(systemStateConsistency, trace, 5)).toContain('no listed patch carries that state');
  });
});
