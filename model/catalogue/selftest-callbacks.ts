/**
 * The modules of tools/testing/selftests/livepatch/test-callbacks.sh: two
 * livepatches whose callbacks only print a trace line, and two target modules,
 * one of which can hold a worker inside a patched function.
 */
import type { PatchModuleDef, PatchSet, TargetModuleDef } from '../definition.ts';
import { moduleName, VMLINUX } from '../ids.ts';
import { not, param, print, ret, traceCallbacks, when } from './statements.ts';

const TEST_MODULES = 'tools/testing/selftests/livepatch/test_modules';

/** Every object carries the same four callbacks, and pre_patch returns the pre_patch_ret parameter. */
const demoCallbacks = traceCallbacks([{ op: 'returnParam', param: 'pre_patch_ret' }]);

export const TEST_KLP_CALLBACKS_DEMO: PatchModuleDef = {
  kind: 'livepatch',
  name: moduleName('test_klp_callbacks_demo'),
  replace: false,
  params: [{ name: 'pre_patch_ret', type: 'int', default: 0, writable: true }],
  objects: [
    { name: VMLINUX, funcs: [], callbacks: demoCallbacks },
    { name: moduleName('test_klp_callbacks_mod'), funcs: [], callbacks: demoCallbacks },
    {
      name: moduleName('test_klp_callbacks_busy'),
      funcs: [{ oldName: 'busymod_work_func', body: [print('patched_work_func')] }],
      callbacks: demoCallbacks,
    },
  ],
  practice: 'kernel-module',
  source: `${TEST_MODULES}/test_klp_callbacks_demo.c`,
};

export const TEST_KLP_CALLBACKS_DEMO2: PatchModuleDef = {
  kind: 'livepatch',
  name: moduleName('test_klp_callbacks_demo2'),
  replace: { param: 'replace' },
  params: [{ name: 'replace', type: 'int', default: 0, writable: true }],
  objects: [{ name: VMLINUX, funcs: [], callbacks: traceCallbacks([ret(0)]) }],
  practice: 'kernel-module',
  source: `${TEST_MODULES}/test_klp_callbacks_demo2.c`,
};

export const TEST_KLP_CALLBACKS_MOD: TargetModuleDef = {
  kind: 'target',
  name: moduleName('test_klp_callbacks_mod'),
  functions: [],
  init: [print('test_klp_callbacks_mod_init')],
  exit: [print('test_klp_callbacks_mod_exit')],
  source: `${TEST_MODULES}/test_klp_callbacks_mod.c`,
};

/**
 * Init queues a work item that runs busymod_work_func once and waits until it
 * has printed `enter`. With block_transition clear, init also waits for
 * `exit`. With it set, the worker sleeps inside busymod_work_func until module
 * exit clears the flag, which is what stalls a transition patching that
 * function. The model does not see the sleeping worker: a scenario expresses the
 * stall by running no transition_work.
 */
export const TEST_KLP_CALLBACKS_BUSY: TargetModuleDef = {
  kind: 'target',
  name: moduleName('test_klp_callbacks_busy'),
  params: [{ name: 'block_transition', type: 'bool', default: 0, writable: true }],
  functions: [{ name: 'busymod_work_func', role: 'use' }],
  init: [
    print('test_klp_callbacks_busy_init'),
    print('busymod_work_func enter'),
    when(not(param('block_transition')), [print('busymod_work_func exit')]),
  ],
  exit: [when(param('block_transition'), [print('busymod_work_func exit')]), print('test_klp_callbacks_busy_exit')],
  source: `${TEST_MODULES}/test_klp_callbacks_busy.c`,
};

export const SELFTEST_CALLBACKS: PatchSet = {
  name: 'selftest-callbacks',
  description:
    'test-callbacks.sh: per-object callbacks on enable, disable, target module load and unload, ' +
    'a failing pre_patch, a stalled transition and atomic replace',
  modules: [TEST_KLP_CALLBACKS_DEMO, TEST_KLP_CALLBACKS_DEMO2, TEST_KLP_CALLBACKS_MOD, TEST_KLP_CALLBACKS_BUSY],
  vmlinuxFunctions: [],
  systemVariables: {},
};
