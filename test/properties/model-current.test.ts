/**
 * The properties judged on traces of the current model: short operation
 * sequences on catalogue modules and small hand-written patch sets, each
 * with the verdict that the documented kernel behaviour implies.
 */
import { describe, expect, it } from 'vitest';
import type { Code } from '../../model/code.ts';
import { catalogueSet } from '../../model/catalogue/index.ts';
import { currentModel } from '../../model/current/index.ts';
import type { PatchSet } from '../../model/definition.ts';
import type { Operation } from '../../model/operations.ts';
import type { Trace } from '../../model/trace.ts';
import { runOperations } from '../../model/trace.ts';
import { callbackPairing } from '../../properties/callback-pairing.ts';
import { ALL_PROPERTIES } from '../../properties/index.ts';
import type { Property, Verdict } from '../../properties/property.ts';
import { judge } from '../../properties/property.ts';
import { refusalCleanup } from '../../properties/refusal-cleanup.ts';
import { shadowLeak } from '../../properties/shadow-leak.ts';
import { shadowPrematureFree } from '../../properties/shadow-premature-free.ts';
import { stateDataLifetime } from '../../properties/state-data-lifetime.ts';
import { structure } from '../../properties/structure.ts';
import { systemStateConsistency } from '../../properties/system-state-consistency.ts';
import { VMLINUX, livepatch, mod, patchSet, target } from './fixtures.ts';

// Operations as the selftest helpers perform them: loading a livepatch and
// disabling it wait for the transition, and disabling also waits for the free work.
const insmod = (module: string, params?: Record<string, number>): Operation =>
  params ? { type: 'insmod', module, params } : { type: 'insmod', module };
const rmmod = (module: string): Operation => ({ type: 'rmmod', module });
const work: Operation = { type: 'transition_work' };
const freeWork = (patch: string): Operation => ({ type: 'free_work', patch });
const loadLp = (module: string, params?: Record<string, number>): Operation[] => [insmod(module, params), work];
const disableLp = (patch: string): Operation[] => [{ type: 'write_enabled', patch, value: 0 }, work, freeWork(patch)];
const call = (object: string, func: string, parent: string): Operation => ({
  type: 'call',
  object: mod(object),
  func,
  parent,
});

function run(set: PatchSet | undefined, ops: readonly Operation[]): Trace {
  if (!set) throw new Error('patch set not found in the catalogue');
  return runOperations(currentModel, set, ops);
}

function verdictOf<S>(property: Property<S>, trace: Trace): Verdict {
  return judge(property, trace);
}

function expectViolation<S>(property: Property<S>, trace: Trace, step: number): string {
  const verdict = verdictOf(property, trace);
  if (verdict.status !== 'violated') throw new Error(`${property.name} holds, expected a violation at step ${step}`);
  expect(verdict.step).toBe(step);
  expect(verdict.violation.steps.at(-1)).toBe(step);
  return verdict.violation.explanation;
}

const CALLBACKS = catalogueSet('selftest-callbacks');
const STATE = catalogueSet('selftest-state');
const SHADOW = catalogueSet('sample-shadow');
const DEMO = 'test_klp_callbacks_demo';
const DEMO2 = 'test_klp_callbacks_demo2';
const T = 'test_klp_callbacks_mod';
const B = 'test_klp_callbacks_busy';

describe('callback-pairing on the current model', () => {
  it('holds for target module before livepatch', () => {
    const trace = run(CALLBACKS, [insmod(T), ...loadLp(DEMO), ...disableLp(DEMO), rmmod(DEMO), rmmod(T)]);
    expect(verdictOf(callbackPairing, trace)).toEqual({ status: 'holds' });
  });

  it('holds for module_going notifier', () => {
    const trace = run(CALLBACKS, [insmod(T), ...loadLp(DEMO), rmmod(T), ...disableLp(DEMO), rmmod(DEMO)]);
    expect(verdictOf(callbackPairing, trace)).toEqual({ status: 'holds' });
  });

  it('holds for failing pre_patch at enable', () => {
    const trace = run(CALLBACKS, [insmod(T), insmod(DEMO, { pre_patch_ret: -19 }), rmmod(T)]);
    expect(verdictOf(callbackPairing, trace)).toEqual({ status: 'holds' });
  });

  it('holds for a busy target and a reversed enable', () => {
    const trace = run(CALLBACKS, [
      insmod(B, { block_transition: 1 }),
      insmod(DEMO),
      insmod(T),
      rmmod(T),
      ...disableLp(DEMO),
      rmmod(DEMO),
      rmmod(B),
    ]);
    expect(verdictOf(callbackPairing, trace)).toEqual({ status: 'holds' });
  });

  it('flags the replaced patch of an atomic replace', () => {
    // The replaced patch is unpatched and freed without pre_unpatch or post_unpatch.
    const trace = run(CALLBACKS, [...loadLp(DEMO), insmod(DEMO2, { replace: 1 }), work]);
    const explanation = expectViolation(callbackPairing, trace, 3);
    expect(explanation).toContain(`unpaired callbacks: ${DEMO} was freed while a callback pair of its vmlinux object was still open`);
  });

  it('holds for the same two patches without replace', () => {
    const trace = run(CALLBACKS, [...loadLp(DEMO), ...loadLp(DEMO2), ...disableLp(DEMO2), ...disableLp(DEMO)]);
    expect(verdictOf(callbackPairing, trace)).toEqual({ status: 'holds' });
  });
});

describe('refusal-cleanup on the current model', () => {
  const STATIC_CFG = { kind: 'static', name: 'cfg' } as const;
  const allocCfg: Code = [{ op: 'shadowAlloc', id: 7, obj: STATIC_CFG }];
  const freeCfg: Code = [{ op: 'shadowFree', id: 7, obj: STATIC_CFG }];

  /** vmlinux's pre_patch attaches <cfg, 7>; the module object's pre_patch fails with -ENODEV. */
  function twoObjects(postUnpatch: Code | undefined): PatchSet {
    return patchSet([
      livepatch('lp', [
        { name: VMLINUX, funcs: [], callbacks: postUnpatch ? { pre_patch: allocCfg, post_unpatch: postUnpatch } : { pre_patch: allocCfg } },
        { name: mod('tmod'), funcs: [], callbacks: { pre_patch: [{ op: 'return', value: -19 }] } },
      ]),
      target('tmod'),
    ]);
  }

  it('flags a shadow the cancel leaves behind', () => {
    const trace = run(twoObjects(undefined), [insmod('tmod'), insmod('lp')]);
    const explanation = expectViolation(refusalCleanup, trace, 1);
    expect(explanation).toContain('-ENODEV');
    expect(explanation).toContain('shadow variable <cfg, 7> created and still present by pre_patch of lp for vmlinux');
  });

  it('holds when post_unpatch frees it on cancel', () => {
    const trace = run(twoObjects(freeCfg), [insmod('tmod'), insmod('lp')]);
    expect(verdictOf(refusalCleanup, trace)).toEqual({ status: 'holds' });
  });

  it('holds for the selftest refusals', () => {
    const enable = run(CALLBACKS, [insmod(T), insmod(DEMO, { pre_patch_ret: -19 })]);
    const coming = run(CALLBACKS, [
      ...loadLp(DEMO),
      { type: 'write_param', module: DEMO, param: 'pre_patch_ret', value: -19 },
      insmod(T),
    ]);
    expect(verdictOf(refusalCleanup, enable)).toEqual({ status: 'holds' });
    expect(verdictOf(refusalCleanup, coming)).toEqual({ status: 'holds' });
  });
});

describe('system state properties on the current model', () => {
  const S1 = 'test_klp_state';
  const S2 = 'test_klp_state2';

  it('hold for taking over system state modification', () => {
    const trace = run(STATE, [...loadLp(S1), ...loadLp(S2), freeWork(S1), rmmod(S1), ...disableLp(S2), rmmod(S2)]);
    expect(verdictOf(systemStateConsistency, trace)).toEqual({ status: 'holds' });
    expect(verdictOf(stateDataLifetime, trace)).toEqual({ status: 'holds' });
  });

  it('hold for an incompatible cumulative livepatch', () => {
    const trace = run(STATE, [...loadLp(S2), insmod(S1), ...disableLp(S2), rmmod(S2)]);
    expect(verdictOf(systemStateConsistency, trace)).toEqual({ status: 'holds' });
    expect(verdictOf(stateDataLifetime, trace)).toEqual({ status: 'holds' });
  });

  /** `changer` raises console_loglevel outside any klp_state; `cumulative` replaces it and restores nothing. */
  const stateless = patchSet(
    [
      livepatch('changer', [
        {
          name: VMLINUX,
          funcs: [],
          callbacks: {
            post_patch: [{ op: 'varSet', name: 'console_loglevel', value: 15 }],
            pre_unpatch: [{ op: 'varSet', name: 'console_loglevel', value: 7 }],
          },
        },
      ]),
      livepatch('cumulative', [{ name: VMLINUX, funcs: [] }], { replace: true }),
    ],
    { systemVariables: { console_loglevel: 7 } },
  );

  it('flags a change whose patch was replaced', () => {
    const trace = run(stateless, [...loadLp('changer'), ...loadLp('cumulative')]);
    const explanation = expectViolation(systemStateConsistency, trace, 3);
    expect(explanation).toContain('missing downgrade handling: console_loglevel is 15 (boot value 7)');
    expect(explanation).toContain('changer changed it outside any klp_state');
  });

  it('holds when the changing patch is disabled', () => {
    const trace = run(stateless, [...loadLp('changer'), ...disableLp('changer')]);
    expect(verdictOf(systemStateConsistency, trace)).toEqual({ status: 'holds' });
  });

  /**
   * Two patches with klp_state 1 that follow test_klp_state's pre_patch and
   * post_unpatch: neither looks at the previous state's data.
   */
  const allocating: Code = [{ op: 'stateDataAlloc', id: 1 }];
  const freeing: Code = [{ op: 'stateDataFree', id: 1 }];
  const noHandover = patchSet(
    ['keeper', 'ignorer'].map((name) =>
      livepatch(name, [{ name: VMLINUX, funcs: [], callbacks: { pre_patch: allocating, post_unpatch: freeing } }], {
        replace: true,
        states: [{ id: 1, version: 1 }],
      }),
    ),
  );

  it('flags state data lost with a replaced module', () => {
    const trace = run(noHandover, [...loadLp('keeper'), ...loadLp('ignorer'), freeWork('keeper'), rmmod('keeper')]);
    const explanation = expectViolation(stateDataLifetime, trace, 5);
    expect(explanation).toContain('allocated by keeper at step 0, leaked');
  });

  /** `first` allocates and frees klp_state 1 data; `second` takes over the pointer and reads it in pre_unpatch. */
  const shared = patchSet(
    [
      livepatch('first', [{ name: VMLINUX, funcs: [], callbacks: { pre_patch: allocating, post_unpatch: freeing } }], {
        states: [{ id: 1, version: 1 }],
      }),
      livepatch(
        'second',
        [
          {
            name: VMLINUX,
            funcs: [],
            callbacks: {
              post_patch: [{ op: 'stateDataTakeOver', id: 1 }],
              pre_unpatch: [{ op: 'varRestore', name: 'console_loglevel', id: 1 }],
            },
          },
        ],
        { states: [{ id: 1, version: 1 }] },
      ),
    ],
    { systemVariables: { console_loglevel: 7 } },
  );

  it('flags a use of state data after the older patch freed it', () => {
    const trace = run(shared, [...loadLp('first'), ...loadLp('second'), ...disableLp('first'), { type: 'write_enabled', patch: 'second', value: 0 }]);
    const explanation = expectViolation(stateDataLifetime, trace, 7);
    expect(explanation).toContain('use after free of klp_state data: second read the data');
  });
});

describe('shadow properties on the current model', () => {
  const MOD = 'livepatch_shadow_mod';
  const FIX1 = 'livepatch_shadow_fix1';
  const FIX2 = 'livepatch_shadow_fix2';

  it('hold for the documented order', () => {
    const trace = run(SHADOW, [
      insmod(MOD),
      call(MOD, 'dummy_alloc', 'd0'),
      ...loadLp(FIX1),
      call(MOD, 'dummy_alloc', 'd1'),
      ...loadLp(FIX2),
      call(MOD, 'dummy_check', 'd1'),
      call(MOD, 'dummy_free', 'd0'),
      ...disableLp(FIX2),
      ...disableLp(FIX1),
      rmmod(FIX2),
      rmmod(FIX1),
      rmmod(MOD),
    ]);
    expect(verdictOf(shadowLeak, trace)).toEqual({ status: 'holds' });
    expect(verdictOf(shadowPrematureFree, trace)).toEqual({ status: 'holds' });
  });

  it('flags fix1 unloaded under a stacked fix2', () => {
    // fix1's exit frees every <dummy, 1>, while fix2's dummy_free still uses them.
    const trace = run(SHADOW, [
      insmod(MOD),
      ...loadLp(FIX1),
      call(MOD, 'dummy_alloc', 'd1'),
      ...loadLp(FIX2),
      ...disableLp(FIX1),
      rmmod(FIX1),
    ]);
    const explanation = expectViolation(shadowPrematureFree, trace, 9);
    expect(explanation).toContain(`<d1, 1> (allocated at step 3) was freed by module_exit of ${FIX1}`);
    expect(explanation).toContain(`dummy_free of ${MOD} as patched by ${FIX2}`);
  });

  it('flags a shadow left by a forced disable', () => {
    // A forced patch keeps its module forever, so fix1's exit never frees <d1, 1>.
    const trace = run(SHADOW, [
      insmod(MOD),
      ...loadLp(FIX1),
      call(MOD, 'dummy_alloc', 'd1'),
      { type: 'write_enabled', patch: FIX1, value: 0 },
      { type: 'write_force', patch: FIX1 },
      work,
    ]);
    const explanation = expectViolation(shadowLeak, trace, 6);
    expect(explanation).toContain('shadow variable <d1, 1> (allocated at step 3) leaked');
  });

  it('holds for a disable without force', () => {
    const trace = run(SHADOW, [insmod(MOD), ...loadLp(FIX1), call(MOD, 'dummy_alloc', 'd1'), ...disableLp(FIX1)]);
    expect(verdictOf(shadowLeak, trace)).toEqual({ status: 'holds' });
  });
});

describe('structure on the current model', () => {
  it('holds for every scenario above', () => {
    const traces = [
      run(CALLBACKS, [insmod(B, { block_transition: 1 }), insmod(DEMO), insmod(T), rmmod(T), ...disableLp(DEMO), rmmod(DEMO)]),
      run(CALLBACKS, [...loadLp(DEMO), insmod(DEMO2, { replace: 1 }), work, freeWork(DEMO), rmmod(DEMO)]),
      run(STATE, [...loadLp('test_klp_state2'), ...loadLp('test_klp_state3'), freeWork('test_klp_state2'), rmmod('test_klp_state2'), ...loadLp('test_klp_state2')]),
    ];
    for (const trace of traces) expect(verdictOf(structure, trace)).toEqual({ status: 'holds' });
  });

  it('holds when rmmod of a forced patch module is refused', () => {
    const trace = run(CALLBACKS, [
      insmod(B, { block_transition: 1 }),
      insmod(DEMO),
      { type: 'write_enabled', patch: DEMO, value: 0 },
      { type: 'write_force', patch: DEMO },
      work,
      freeWork(DEMO),
      rmmod(DEMO),
    ]);
    const rmmodResult = trace.steps.at(-1)?.events.find((event) => event.type === 'result');
    const errno = rmmodResult?.type === 'result' ? rmmodResult.errno : 0;
    expect(errno).toBeLessThan(0);
    expect(verdictOf(structure, trace)).toEqual({ status: 'holds' });
  });

  it('never changes the judged worlds', () => {
    const trace = run(SHADOW, [insmod('livepatch_shadow_mod'), ...loadLp('livepatch_shadow_fix1'), call('livepatch_shadow_mod', 'dummy_alloc', 'd1')]);
    const snapshot = structuredClone(trace);
    for (const property of ALL_PROPERTIES) judge(property, trace);
    expect(trace).toEqual(snapshot);
  });
});
