/**
 * The shadow variable samples of samples/livepatch. livepatch_shadow_mod leaks
 * an int with every dummy it allocates. fix1 keeps the leak in shadow variable 1
 * and frees it with the dummy. fix2 counts checks per dummy in shadow variable 2
 * and frees fix1's variables too.
 *
 * The real log lines carry %p pointers, jiffies and the counter value. The
 * texts below keep the wording and put `<dummy>`, `<leak>`, `<jiffies>` and
 * `<count>` in place of those values, so that the lines are stable.
 */
import type { Code, Condition, ObjectRef, Statement } from '../code.ts';
import type { PatchModuleDef, PatchSet, TargetModuleDef } from '../definition.ts';
import { moduleName } from '../ids.ts';
import { print, ret, when } from './statements.ts';

const SAMPLES = 'samples/livepatch';
const SHADOW_MOD = moduleName('livepatch_shadow_mod');

/** SV_LEAK: a pointer to the int that the original dummy_alloc allocates and does not keep. */
const SV_LEAK = 1;
/** SV_COUNTER: an int counting dummy_check calls per dummy. */
const SV_COUNTER = 2;

const dummy: ObjectRef = { kind: 'parent' };

function shadowExists(id: number): Condition {
  return { kind: 'shadowExists', id, obj: dummy };
}

/**
 * A dummy is a parent object: dummy_alloc creates it, dummy_check uses it and
 * dummy_free releases it. Exit frees every dummy still listed through
 * dummy_free, while a livepatch of this module may still be applied: the core
 * reverts the module's patches only after its exit function has returned.
 */
export const LIVEPATCH_SHADOW_MOD: TargetModuleDef = {
  kind: 'target',
  name: SHADOW_MOD,
  functions: [
    { name: 'dummy_alloc', role: 'create', body: [print('dummy_alloc: dummy @ <dummy>, expires @ <jiffies>')] },
    { name: 'dummy_check', role: 'use' },
    { name: 'dummy_free', role: 'release', body: [print('dummy_free: dummy @ <dummy>, expired = <jiffies>')] },
  ],
  exit: [{ op: 'callOnEachParent', func: 'dummy_free' }],
  source: `${SAMPLES}/livepatch-shadow-mod.c`,
  // The module defines no pr_fmt, so its lines carry no module prefix.
  printPrefix: '',
};

/** Returns the leak-freeing half of dummy_free, which fix1 and fix2 share apart from names. */
function freeLeak(prefix: string): Statement {
  return when(
    shadowExists(SV_LEAK),
    [{ op: 'shadowFree', id: SV_LEAK, obj: dummy, dtor: `${prefix}_dummy_leak_dtor` }],
    [print(`${prefix}_dummy_free: dummy @ <dummy> leaked!`)],
  );
}

function leakDtor(prefix: string): Code {
  return [print(`${prefix}_dummy_leak_dtor: dummy @ <dummy>, prevented leak @ <leak>`)];
}

/**
 * livepatch_fix1_dummy_alloc(): klp_shadow_alloc (not get_or_alloc) of
 * <dummy, SV_LEAK>, whose constructor stores the leak pointer. When that
 * fails, the dummy is freed and NULL returned, so the dummy never lives on.
 */
const fix1Alloc: Code = [
  {
    op: 'shadowAlloc',
    id: SV_LEAK,
    obj: dummy,
    ctor: 'shadow_leak_ctor',
    ctorData: 'leak:{parent}',
    onNull: [
      print(
        'livepatch_fix1_dummy_alloc: failed to allocate shadow variable for the leaking pointer: ' +
          'dummy @ <dummy>, leak @ <leak>',
      ),
      { op: 'releaseParent' },
      ret(0),
    ],
  },
  print('livepatch_fix1_dummy_alloc: dummy @ <dummy>, expires @ <jiffies>'),
];

/**
 * fix1's module exit frees every SV_LEAK variable, including those that a
 * stacked fix2 still relies on.
 */
export const LIVEPATCH_SHADOW_FIX1: PatchModuleDef = {
  kind: 'livepatch',
  name: moduleName('livepatch_shadow_fix1'),
  replace: false,
  objects: [
    {
      name: SHADOW_MOD,
      funcs: [
        { oldName: 'dummy_alloc', body: fix1Alloc },
        { oldName: 'dummy_free', body: [freeLeak('livepatch_fix1')] },
      ],
    },
  ],
  exit: [{ op: 'shadowFreeAll', id: SV_LEAK, dtor: 'livepatch_fix1_dummy_leak_dtor' }],
  ctors: { shadow_leak_ctor: {} },
  dtors: { livepatch_fix1_dummy_leak_dtor: { body: leakDtor('livepatch_fix1') } },
  practice: 'exit-frees-shadows',
  source: `${SAMPLES}/livepatch-shadow-fix1.c`,
};

/**
 * livepatch_fix2_dummy_check(): klp_shadow_get_or_alloc of <dummy, SV_COUNTER>
 * without a constructor, so a new counter starts zeroed. That covers dummies
 * allocated before fix2 was loaded.
 *
 * NOTE: the model does not count. It tracks only that the counter exists.
 */
const fix2Check: Code = [{ op: 'shadowGetOrAlloc', id: SV_COUNTER, obj: dummy }];

const fix2Free: Code = [
  freeLeak('livepatch_fix2'),
  when(shadowExists(SV_COUNTER), [
    print('livepatch_fix2_dummy_free: dummy @ <dummy>, check counter = <count>'),
    { op: 'shadowFree', id: SV_COUNTER, obj: dummy },
  ]),
];

/**
 * fix2 never creates SV_LEAK variables: its leak handling frees only those that
 * fix1's dummy_alloc made. Its module exit frees the counters only.
 */
export const LIVEPATCH_SHADOW_FIX2: PatchModuleDef = {
  kind: 'livepatch',
  name: moduleName('livepatch_shadow_fix2'),
  replace: false,
  objects: [
    {
      name: SHADOW_MOD,
      funcs: [
        { oldName: 'dummy_check', body: fix2Check },
        { oldName: 'dummy_free', body: fix2Free },
      ],
    },
  ],
  exit: [{ op: 'shadowFreeAll', id: SV_COUNTER }],
  dtors: { livepatch_fix2_dummy_leak_dtor: { body: leakDtor('livepatch_fix2') } },
  practice: 'exit-frees-shadows',
  source: `${SAMPLES}/livepatch-shadow-fix2.c`,
};

export const SAMPLE_SHADOW: PatchSet = {
  name: 'sample-shadow',
  description:
    'livepatch-shadow-mod with fix1 and fix2: shadow variables that fix a leak and add a counter ' +
    'to objects that already exist',
  modules: [LIVEPATCH_SHADOW_MOD, LIVEPATCH_SHADOW_FIX1, LIVEPATCH_SHADOW_FIX2],
  vmlinuxFunctions: [],
  systemVariables: {},
};
