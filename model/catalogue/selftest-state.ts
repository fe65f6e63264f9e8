/**
 * The modules of tools/testing/selftests/livepatch/test-state.sh: cumulative
 * livepatches that raise console_loglevel and keep its old value in the data of
 * klp_state 1.
 */
import type { Code, Condition } from '../code.ts';
import type { CallbackName, PatchModuleDef, PatchSet } from '../definition.ts';
import { ERRNO } from '../errno.ts';
import { moduleName, VMLINUX } from '../ids.ts';
import { not, print, ret, when } from './statements.ts';

const TEST_MODULES = 'tools/testing/selftests/livepatch/test_modules';

/** CONSOLE_LOGLEVEL_STATE in the test modules. */
const LOGLEVEL_STATE = 1;
/** CONSOLE_LOGLEVEL_MOTORMOUTH: the level post_patch sets. */
const MOTORMOUTH = 15;

const prevState: Condition = { kind: 'prevState', id: LOGLEVEL_STATE };
const ownState: Condition = { kind: 'ownState', id: LOGLEVEL_STATE };

/** allocate_loglevel_state() of version 1. The model has no allocation failure, so the -ENOMEM branch is left out. */
const allocate: Code = [
  when(
    not(ownState),
    [ret(-ERRNO.EINVAL)],
    [
      { op: 'stateDataAlloc', id: LOGLEVEL_STATE },
      print('allocate_loglevel_state: allocating space to store console_loglevel'),
      ret(0),
    ],
  ),
];

/** fix_console_loglevel() of version 1: save the level into the state data, then raise it. */
const fix: Code = [
  when(ownState, [
    print('fix_console_loglevel: fixing console_loglevel'),
    { op: 'varSave', name: 'console_loglevel', id: LOGLEVEL_STATE },
    { op: 'varSet', name: 'console_loglevel', value: MOTORMOUTH, id: LOGLEVEL_STATE },
  ]),
];

const restore: Code = [
  when(ownState, [
    print('restore_console_loglevel: restoring console_loglevel'),
    { op: 'varRestore', name: 'console_loglevel', id: LOGLEVEL_STATE },
  ]),
];

const free: Code = [
  when(ownState, [
    print('free_loglevel_state: freeing space for the stored console_loglevel'),
    { op: 'stateDataFree', id: LOGLEVEL_STATE },
  ]),
];

/** Version 2 calls klp_get_prev_state() first and leaves the change to an older patch that has the state. */
const allocateV2: Code = [
  when(
    prevState,
    [print('allocate_loglevel_state: space to store console_loglevel already allocated'), ret(0)],
    allocate,
  ),
];

const fixV2: Code = [
  when(ownState, [
    when(
      prevState,
      [
        print('fix_console_loglevel: taking over the console_loglevel change'),
        { op: 'stateDataTakeOver', id: LOGLEVEL_STATE },
      ],
      [
        print('fix_console_loglevel: fixing console_loglevel'),
        { op: 'varSave', name: 'console_loglevel', id: LOGLEVEL_STATE },
        { op: 'varSet', name: 'console_loglevel', value: MOTORMOUTH, id: LOGLEVEL_STATE },
      ],
    ),
  ]),
];

const restoreV2: Code = [
  when(
    prevState,
    [print('restore_console_loglevel: passing the console_loglevel change back to the old livepatch')],
    restore,
  ),
];

const freeV2: Code = [
  when(prevState, [print('free_loglevel_state: keeping space to store console_loglevel')], free),
];

/** Callbacks of the vmlinux object: the trace line, then the state step. */
function stateCallbacks(steps: Record<CallbackName, Code>): Record<CallbackName, Code> {
  return {
    pre_patch: [{ op: 'traceCallback' }, ...steps.pre_patch],
    post_patch: [{ op: 'traceCallback' }, ...steps.post_patch],
    pre_unpatch: [{ op: 'traceCallback' }, ...steps.pre_unpatch],
    post_unpatch: [{ op: 'traceCallback' }, ...steps.post_unpatch],
  };
}

/**
 * Version 1 "does not support migration": it never calls klp_get_prev_state(),
 * so a replace over another holder of state 1 allocates and saves again.
 */
export const TEST_KLP_STATE: PatchModuleDef = {
  kind: 'livepatch',
  name: moduleName('test_klp_state'),
  replace: true,
  objects: [
    {
      name: VMLINUX,
      funcs: [],
      callbacks: stateCallbacks({ pre_patch: allocate, post_patch: fix, pre_unpatch: restore, post_unpatch: free }),
    },
  ],
  states: [{ id: LOGLEVEL_STATE, version: 1 }],
  practice: 'ignores-prev-state',
  source: `${TEST_MODULES}/test_klp_state.c`,
};

const v2Callbacks = stateCallbacks({
  pre_patch: allocateV2,
  post_patch: fixV2,
  pre_unpatch: restoreV2,
  post_unpatch: freeV2,
});

/**
 * Version 2 plays each callback role of Documentation/livepatch/system-state.rst:
 * pre_patch allocates unless an older patch has the data, post_patch takes
 * the data over or makes the change, pre_unpatch reverts, and post_unpatch
 * tells a reversal from a disable through klp_get_prev_state(). It never frees
 * data of replaced patches in post_patch because it takes over their pointer.
 * That is why it counts as best practice.
 */
export const TEST_KLP_STATE2: PatchModuleDef = {
  kind: 'livepatch',
  name: moduleName('test_klp_state2'),
  replace: true,
  objects: [{ name: VMLINUX, funcs: [], callbacks: v2Callbacks }],
  states: [{ id: LOGLEVEL_STATE, version: 2 }],
  practice: 'best-practice',
  source: `${TEST_MODULES}/test_klp_state2.c`,
};

/** The same code as test_klp_state2 under another module name: test_klp_state3.c includes test_klp_state2.c. */
export const TEST_KLP_STATE3: PatchModuleDef = {
  ...TEST_KLP_STATE2,
  name: moduleName('test_klp_state3'),
  source: `${TEST_MODULES}/test_klp_state3.c`,
};

export const SELFTEST_STATE: PatchSet = {
  name: 'selftest-state',
  description:
    'test-state.sh: cumulative livepatches that hand the console_loglevel change over through klp_state 1, ' +
    'and a version 1 patch that is incompatible with version 2',
  modules: [TEST_KLP_STATE, TEST_KLP_STATE2, TEST_KLP_STATE3],
  vmlinuxFunctions: [],
  // NOTE: the boot value of console_loglevel is a guess (the usual default of 7);
  // the tests only observe that post_patch raises it and pre_unpatch restores it.
  systemVariables: { console_loglevel: 7 },
};
