/**
 * The properties judged on traces of the redesign model: the selftest cases
 * of the v1 series on the redesign catalogue, small patch sets written here,
 * and translated current-API catalogue sets, each with the verdict that the
 * redesign's documented rules imply.
 */
import { describe, expect, it } from 'vitest';
import type { Code } from '../../model/code.ts';
import { catalogueSet } from '../../model/catalogue/index.ts';
import type { Operation } from '../../model/operations.ts';
import { redesignCatalogueSet } from '../../model/redesign-catalogue/index.ts';
import { hallOf } from '../../model/redesign-catalogue/speaker.ts';
import type { Trace } from '../../model/trace.ts';
import { translatePatchSet } from '../../model/translate.ts';
import { ALL_PROPERTIES } from '../../properties/index.ts';
import type { Property } from '../../properties/property.ts';
import { judge } from '../../properties/property.ts';
import { balancedIntroduceRemove } from '../../properties/redesign/p1-balanced-introduce-remove.ts';
import { idHygiene } from '../../properties/redesign/p10-id-hygiene.ts';
import { noOrphanedShadows } from '../../properties/redesign/p2-no-orphaned-shadows.ts';
import { noUseAfterFree } from '../../properties/redesign/p3-no-use-after-free.ts';
import { downgradeSafety } from '../../properties/redesign/p5-downgrade-safety.ts';
import { shadowLeak } from '../../properties/shadow-leak.ts';
import { shadowPrematureFree } from '../../properties/shadow-premature-free.ts';
import { VMLINUX, livepatch, mod, patchSet } from './fixtures.ts';
import {
  disable,
  disableLp,
  enable,
  expectViolationAt,
  freeWork,
  insmod,
  loadLp,
  rmmod,
  runRedesign,
  state,
  work,
} from './redesign-fixtures.ts';

const REDESIGN_PROPERTIES = ALL_PROPERTIES.filter((property) => property.appliesTo('redesign') === true);

/** Names of the properties that do not hold on a trace. */
function violatedNames(trace: Trace): string[] {
  return REDESIGN_PROPERTIES.filter((property) => judge(property, trace).status !== 'holds').map((property) => property.name);
}

function holds<S>(property: Property<S>, trace: Trace): void {
  expect(judge(property, trace)).toEqual({ status: 'holds' });
}

const STATE = redesignCatalogueSet('redesign-selftest-state');
const SPEAKER = redesignCatalogueSet('redesign-selftest-speaker');
const L1 = 'test_klp_state';
const L2 = 'test_klp_state2';
const L3 = 'test_klp_state3';
const T = 'test_klp_speaker';
const LP = 'test_klp_speaker_livepatch';
const LP2 = 'test_klp_speaker_livepatch2';

/** read_module_param of `welcome`: a call of speaker_welcome on the target's hall. */
function readWelcome(task?: 'patched' | 'unpatched'): Operation {
  return { type: 'call', object: mod(T), func: 'speaker_welcome', parent: hallOf(mod(T)), ...(task ? { task } : {}) };
}

function writeParam(module: string, param: string, value: number): Operation {
  return { type: 'write_param', module, param, value };
}

describe('redesign properties on test-state.sh', () => {
  const cases: Record<string, Operation[]> = {
    'TS-1 system state modification': [...loadLp(L1), ...disableLp(L1), rmmod(L1)],
    'TS-2 taking over system state modification': [...loadLp(L1), ...loadLp(L2), freeWork(L1), rmmod(L1), ...disableLp(L2), rmmod(L2)],
    'TS-3 compatible cumulative livepatches': [
      ...loadLp(L2),
      ...loadLp(L3),
      freeWork(L2),
      rmmod(L2),
      ...loadLp(L2),
      ...disableLp(L2),
      rmmod(L2),
      freeWork(L3),
      rmmod(L3),
    ],
    'TS-4 incompatible cumulative livepatches': [
      ...loadLp(L2, { state_block_disable: 1 }),
      insmod(L1, { no_state: 1 }),
      ...loadLp(L1),
      freeWork(L2),
      rmmod(L2),
      ...disableLp(L1),
      rmmod(L1),
    ],
    'disable refused by block_disable': [...loadLp(L2, { state_block_disable: 1 }), disable(L2)],
  };

  for (const [name, ops] of Object.entries(cases)) {
    it(`all hold for ${name}`, () => {
      expect(violatedNames(runRedesign(STATE, ops))).toEqual([]);
    });
  }
});

describe('redesign properties on test-state-callbacks.sh', () => {
  // The speaker livepatch's welcome functions read shadow ids 10 and 11
  // whichever applause states the load declares, which p10-id-hygiene flags.
  const cases: Record<string, Operation[]> = {
    'TSC-1 livepatch state callbacks': [insmod(T), readWelcome(), ...loadLp(LP, { applause: 1 }), readWelcome(), ...disableLp(LP), rmmod(LP), readWelcome(), rmmod(T)],
    'TSC-2 failing pre_patch callback': [insmod(T), readWelcome(), insmod(LP, { applause: 1, pre_patch_ret: -19 }), readWelcome(), rmmod(T)],
    'TSC-3 blocked transition': [
      insmod(T, { block_doors: 1 }),
      readWelcome(),
      insmod(LP, { applause: 1 }),
      readWelcome('unpatched'),
      disable(LP),
      work,
      freeWork(LP),
      readWelcome(),
      rmmod(LP),
      rmmod(T),
    ],
    'TSC-4 (un)blocked transition': [
      insmod(T, { block_doors: 1 }),
      readWelcome(),
      insmod(LP, { applause: 1 }),
      readWelcome('patched'),
      writeParam(T, 'block_doors', 0),
      work,
      readWelcome(),
      ...disableLp(LP),
      readWelcome(),
      rmmod(LP),
      rmmod(T),
    ],
    'TSC-5 blocked disable transition': [
      ...loadLp(LP, { applause: 1 }),
      insmod(T, { block_doors: 1 }),
      readWelcome(),
      disable(LP),
      readWelcome('unpatched'),
      writeParam(T, 'block_doors', 0),
      work,
      freeWork(LP),
      readWelcome(),
      rmmod(LP),
      rmmod(T),
    ],
    'TSC-7 atomic replace': [
      insmod(T),
      readWelcome(),
      ...loadLp(LP, { applause: 1 }),
      readWelcome(),
      ...loadLp(LP2, { replace: 1, applause: 1, applause2: 1 }),
      freeWork(LP),
      rmmod(LP),
      readWelcome(),
      ...disableLp(LP2),
      rmmod(LP2),
      readWelcome(),
      rmmod(T),
    ],
  };

  for (const [name, ops] of Object.entries(cases)) {
    it(`only id hygiene fails for ${name}`, () => {
      expect(violatedNames(runRedesign(SPEAKER, ops))).toEqual(['p10-id-hygiene']);
    });
  }

  it('flags the applause read without state 11', () => {
    const trace = runRedesign(SPEAKER, [insmod(T), ...loadLp(LP, { applause: 1 })]);
    expect(expectViolationAt(idHygiene, trace, 1)).toContain(
      'the code of test_klp_speaker_livepatch uses shadow id 11, but the patch declares is_shadow states 10',
    );
  });

  it('TSC-6 frees a variable the other livepatch reads', () => {
    // LP2's removal frees <NULL, 11> while LP's welcome, which reads id 11
    // without carrying state 11, still runs; only the carrier-based p3 holds.
    const trace = runRedesign(SPEAKER, [
      insmod(T),
      readWelcome(),
      ...loadLp(LP, { applause: 1 }),
      readWelcome(),
      ...loadLp(LP2, { applause2: 1 }),
      readWelcome(),
      ...disableLp(LP2),
      rmmod(LP2),
      readWelcome(),
      ...disableLp(LP),
      rmmod(LP),
      readWelcome(),
      rmmod(T),
    ]);
    expect(violatedNames(trace)).toEqual(['shadow-premature-free', 'p10-id-hygiene']);
    expect(expectViolationAt(shadowPrematureFree, trace, 9)).toContain('<NULL, 11>');
    holds(noUseAfterFree, trace);
  });
});

describe('reversed disable of a replace patch below another patch', () => {
  // LP (replace, no state) is listed first and LP2 (state 10) after it.
  // Reversing LP's disable completes LP as a replace patch to patched, and
  // klp_states_post_unpatch_replaced walks every other listed patch, LP2 too,
  // although the unpatching of replaced patches stops at LP.
  const ops: Operation[] = [
    insmod(T),
    ...loadLp(LP, { replace: 1 }),
    ...loadLp(LP2, { applause: 1 }),
    disable(LP),
    enable(LP),
    work,
  ];

  it('runs post_unpatch of a state that stays', () => {
    const explanation = expectViolationAt(balancedIntroduceRemove, runRedesign(SPEAKER, ops), 7);
    expect(explanation).toContain('went from 1 (test_klp_speaker_livepatch2) to 1 (test_klp_speaker_livepatch2), so the state stayed in place');
    expect(explanation).toContain('but post_unpatch of test_klp_speaker_livepatch2 at step 7 ran');
  });

  it('frees the shadow variable under its carrier', () => {
    const explanation = expectViolationAt(noUseAfterFree, runRedesign(SPEAKER, ops), 7);
    expect(explanation).toContain(
      "<NULL, 10> (allocated at step 3) was freed by the core's klp_shadow_free_all for klp_state 10 of test_klp_speaker_livepatch2",
    );
    expect(explanation).toContain('speaker_welcome of test_klp_speaker as patched by test_klp_speaker_livepatch2 can still run');
  });

  it('holds without the reversal', () => {
    const trace = runRedesign(SPEAKER, [insmod(T), ...loadLp(LP, { replace: 1 }), ...loadLp(LP2, { applause: 1 }), ...disableLp(LP)]);
    holds(balancedIntroduceRemove, trace);
    holds(noUseAfterFree, trace);
  });
});

describe('replace of a state two stacked patches carry', () => {
  const CFG = { kind: 'static', name: 'cfg' } as const;
  const allocate: Code = [{ op: 'shadowAlloc', id: 10, obj: CFG, onNull: [{ op: 'return', value: -12 }] }];
  const applause = state(10, {
    isShadow: true,
    callbacks: {
      pre_patch: allocate,
      post_patch: [{ op: 'print', text: 'post_patch' }],
      pre_unpatch: [{ op: 'print', text: 'pre_unpatch' }],
      post_unpatch: [{ op: 'print', text: 'post_unpatch' }],
    },
  });
  const fix = (name: string) =>
    livepatch(name, [{ name: VMLINUX, funcs: [{ oldName: 'vm_use', body: [{ op: 'shadowGet', id: 10, obj: CFG }] }] }], {
      states: [applause],
    });
  const set = patchSet([fix('fix_a'), fix('fix_b'), livepatch('cumulative', [{ name: VMLINUX, funcs: [] }], { replace: true })], {
    vmlinuxFunctions: [{ name: 'vm_use', role: 'use' }],
  });

  // Each carrier finds the other on klp_patches, so neither runs its remove
  // callbacks, and the core frees nothing.
  const twoCarriers = [...loadLp('fix_a'), ...loadLp('fix_b'), ...loadLp('cumulative')];

  it('skips the remove callbacks', () => {
    const explanation = expectViolationAt(balancedIntroduceRemove, runRedesign(set, twoCarriers), 5);
    expect(explanation).toContain('went from 2 (fix_a, fix_b) to 0 (none), so the state was removed');
    expect(explanation).toContain('but no callback ran');
  });

  it('leaves the shadow variable orphaned', () => {
    const trace = runRedesign(set, twoCarriers);
    expect(expectViolationAt(noOrphanedShadows, trace, 5)).toContain('<cfg, 10> (allocated at step 0) still exists');
    expect(expectViolationAt(shadowLeak, trace, 5)).toContain('<cfg, 10>');
  });

  it('skips the downgrade cleanup', () => {
    expect(expectViolationAt(downgradeSafety, runRedesign(set, twoCarriers), 5)).toContain(
      'downgrade skipped pre_unpatch: replace patch cumulative (enabled at step 4) removes klp_state 10, which fix_a, fix_b carried',
    );
  });

  it('holds with one carrier', () => {
    const trace = runRedesign(set, [...loadLp('fix_a'), ...loadLp('cumulative')]);
    expect(violatedNames(trace)).toEqual([]);
  });

  it('holds when the carriers leave one by one', () => {
    const trace = runRedesign(set, [...loadLp('fix_a'), ...loadLp('fix_b'), ...disableLp('fix_a'), ...loadLp('cumulative')]);
    expect(violatedNames(trace)).toEqual([]);
  });
});

describe('redesign properties on translated current sets', () => {
  const callbacks = translatePatchSet(catalogueSet('selftest-callbacks')!);
  const DEMO = 'test_klp_callbacks_demo';
  const DEMO2 = 'test_klp_callbacks_demo2';
  const MOD = 'test_klp_callbacks_mod';

  const cases: Record<string, Operation[]> = {
    'target module before livepatch': [insmod(MOD), ...loadLp(DEMO), ...disableLp(DEMO), rmmod(DEMO), rmmod(MOD)],
    'failing pre_patch': [insmod(MOD), insmod(DEMO, { pre_patch_ret: -19 }), rmmod(MOD)],
    'atomic replace': [...loadLp(DEMO), ...loadLp(DEMO2, { replace: 1 }), freeWork(DEMO), rmmod(DEMO), ...disableLp(DEMO2)],
    'reverted atomic replace': [...loadLp(DEMO), insmod(DEMO2, { replace: 1 }), disable(DEMO2), work],
  };

  for (const [name, ops] of Object.entries(cases)) {
    it(`all hold for ${name}`, () => {
      expect(violatedNames(runRedesign(callbacks.set, ops))).toEqual([]);
    });
  }

  it('flags the reversed disable of the replace patch', () => {
    const trace = runRedesign(callbacks.set, [...loadLp(DEMO2, { replace: 1 }), ...loadLp(DEMO), disable(DEMO2), enable(DEMO2), work]);
    expect(expectViolationAt(balancedIntroduceRemove, trace, 6)).toContain(
      'klp_state 4294967296 (translated per-object callbacks) went from 1 (test_klp_callbacks_demo)',
    );
  });

  it('flags shadow ids the translation leaves without a state', () => {
    const shadow = translatePatchSet(catalogueSet('sample-shadow')!);
    const unowned = shadow.patches.filter((patch) => patch.unownedShadowIds.length > 0);
    expect(unowned.length).toBeGreaterThan(0);
    for (const patch of unowned) {
      const trace = runRedesign(shadow.set, [insmod('livepatch_shadow_mod'), insmod(patch.module)]);
      expect(expectViolationAt(idHygiene, trace, 1)).toContain(`uses shadow id ${patch.unownedShadowIds.join(', ')}`);
    }
  });
});
