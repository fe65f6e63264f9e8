/**
 * The test-state.sh modules as the v1 series of the redesign rewrote them:
 * test_klp_state, test_klp_state2 and test_klp_state3 are built from one
 * source and differ only in their module name. Each is a replace patch with
 * one vmlinux object (no funcs) and state 1, which owns the shadow variable
 * <&console_loglevel, 1> that stores the saved log level.
 */
import type { Code, Condition, ObjectRef } from '../code.ts';
import type { PatchModuleDef, PatchSet, StateDef } from '../definition.ts';
import { ERRNO } from '../errno.ts';
import { moduleName, VMLINUX } from '../ids.ts';
import { print, ret, when } from '../catalogue/statements.ts';

const TEST_MODULES = 'tools/testing/selftests/livepatch/test_modules';

/** CONSOLE_LOGLEVEL_FIX_ID: the state id, and by the redesign's convention the shadow id. */
const LOGLEVEL_STATE = 1;
/** CONSOLE_LOGLEVEL_MOTORMOUTH: the level post_patch sets. */
const MOTORMOUTH = 15;

/** The shadow variable hangs off console_loglevel itself. */
const LOGLEVEL: ObjectRef = { kind: 'static', name: '&console_loglevel' };
const saved: Condition = { kind: 'shadowExists', id: LOGLEVEL_STATE, obj: LOGLEVEL };

/** pre_patch: allocate the shadow variable, which must not exist yet (klp_shadow_alloc, no constructor). */
const prePatch: Code = [
  print('pre_patch_callback: state 1'),
  {
    op: 'shadowAlloc',
    id: LOGLEVEL_STATE,
    obj: LOGLEVEL,
    onNull: [
      print('allocate_loglevel_state: failed to allocate shadow variable for the original loglevel'),
      ret(-ERRNO.ENOMEM),
    ],
  },
  print('allocate_loglevel_state: allocating space to store console_loglevel'),
];

/** post_patch: when the variable exists, save console_loglevel in it and raise the level. */
const postPatch: Code = [
  print('post_patch_callback: state 1'),
  when(saved, [
    print('fix_console_loglevel: fixing console_loglevel'),
    { op: 'varSaveShadow', name: 'console_loglevel', id: LOGLEVEL_STATE, obj: LOGLEVEL },
    { op: 'varSet', name: 'console_loglevel', value: MOTORMOUTH, id: LOGLEVEL_STATE },
  ]),
];

/** pre_unpatch: when the variable exists, write the saved level back. */
const preUnpatch: Code = [
  print('pre_unpatch_callback: state 1'),
  when(saved, [
    print('restore_console_loglevel: restoring console_loglevel'),
    { op: 'varRestoreShadow', name: 'console_loglevel', id: LOGLEVEL_STATE, obj: LOGLEVEL },
  ]),
];

/** post_unpatch does nothing besides its line: the core frees the variable because the state is_shadow. */
const postUnpatch: Code = [print('post_unpatch_callback: state 1 (nope)')];

const DTOR = 'shadow_conosle_loglevel_dtor';

/**
 * State 1: is_shadow, block_disable copied from the state_block_disable
 * parameter, and dropped entirely (patch.states = NULL) by no_state.
 * The redesign has no version; 0 only fills the field the current API reads.
 */
const LOGLEVEL_STATE_DEF: StateDef = {
  id: LOGLEVEL_STATE,
  version: 0,
  isShadow: true,
  blockDisable: { param: 'state_block_disable' },
  unlessParam: 'no_state',
  callbacks: { pre_patch: prePatch, post_patch: postPatch, pre_unpatch: preUnpatch, post_unpatch: postUnpatch },
  shadowDtor: DTOR,
};

function loglevelPatch(name: string, file: string): PatchModuleDef {
  return {
    kind: 'livepatch',
    name: moduleName(name),
    replace: true,
    // Both are bool, mode 0600, and read only by the module's init.
    params: [
      { name: 'state_block_disable', type: 'bool', default: 0, writable: true },
      { name: 'no_state', type: 'bool', default: 0, writable: true },
    ],
    objects: [{ name: VMLINUX, funcs: [] }],
    states: [LOGLEVEL_STATE_DEF],
    // The destructor only prints: the variable's data is freed by klp_shadow_free_all itself.
    dtors: { [DTOR]: { body: [print('shadow_conosle_loglevel_dtor: freeing space for the stored console_loglevel')] } },
    practice: 'best-practice',
    source: `${TEST_MODULES}/${file} (v1 redesign series)`,
  };
}

export const REDESIGN_TEST_KLP_STATE = loglevelPatch('test_klp_state', 'test_klp_state.c');
/** test_klp_state2.c only includes test_klp_state.c. */
export const REDESIGN_TEST_KLP_STATE2 = loglevelPatch('test_klp_state2', 'test_klp_state2.c');
/** test_klp_state3.c only includes test_klp_state.c. */
export const REDESIGN_TEST_KLP_STATE3 = loglevelPatch('test_klp_state3', 'test_klp_state3.c');

export const REDESIGN_SELFTEST_STATE: PatchSet = {
  name: 'redesign-selftest-state',
  description:
    'test-state.sh of the redesign: replace patches whose state 1 owns a shadow variable with the saved ' +
    'console_loglevel, with block_disable and a variant without states',
  modules: [REDESIGN_TEST_KLP_STATE, REDESIGN_TEST_KLP_STATE2, REDESIGN_TEST_KLP_STATE3],
  vmlinuxFunctions: [],
  // NOTE: the boot value of console_loglevel is a guess (the usual default of 7);
  // the tests only observe that post_patch raises it and pre_unpatch restores it.
  systemVariables: { console_loglevel: 7 },
};
