/**
 * The callback samples of samples/livepatch: the sample twin of
 * test_klp_callbacks_demo and its two target modules.
 */
import type { PatchModuleDef, PatchSet, TargetModuleDef } from '../definition.ts';
import { moduleName, VMLINUX } from '../ids.ts';
import { param, print, traceCallbacks, when } from './statements.ts';

const SAMPLES = 'samples/livepatch';

const demoCallbacks = traceCallbacks([{ op: 'returnParam', param: 'pre_patch_ret' }]);

export const LIVEPATCH_CALLBACKS_DEMO: PatchModuleDef = {
  kind: 'livepatch',
  name: moduleName('livepatch_callbacks_demo'),
  replace: false,
  params: [{ name: 'pre_patch_ret', type: 'int', default: 0, writable: true }],
  objects: [
    { name: VMLINUX, funcs: [], callbacks: demoCallbacks },
    { name: moduleName('livepatch_callbacks_mod'), funcs: [], callbacks: demoCallbacks },
    {
      name: moduleName('livepatch_callbacks_busymod'),
      funcs: [{ oldName: 'busymod_work_func', body: [print('patched_work_func')] }],
      callbacks: demoCallbacks,
    },
  ],
  practice: 'kernel-module',
  source: `${SAMPLES}/livepatch-callbacks-demo.c`,
};

export const LIVEPATCH_CALLBACKS_MOD: TargetModuleDef = {
  kind: 'target',
  name: moduleName('livepatch_callbacks_mod'),
  functions: [],
  init: [print('livepatch_callbacks_mod_init')],
  exit: [print('livepatch_callbacks_mod_exit')],
  source: `${SAMPLES}/livepatch-callbacks-mod.c`,
};

/**
 * Its init and exit functions carry the names of livepatch_callbacks_mod's, so
 * they print `livepatch_callbacks_mod_init` and `..._exit` under this module's
 * prefix. Init queues a work item that runs busymod_work_func once: it prints,
 * sleeps sleep_secs seconds and prints again. Exit waits for a running sleep.
 *
 * NOTE: init does not wait for the work, so in the kernel its two lines can
 * come after later log lines. The model prints them at the end of init, and
 * `<sleep_secs>` stands for a non-zero parameter value.
 */
export const LIVEPATCH_CALLBACKS_BUSYMOD: TargetModuleDef = {
  kind: 'target',
  name: moduleName('livepatch_callbacks_busymod'),
  params: [{ name: 'sleep_secs', type: 'int', default: 0, writable: true }],
  functions: [{ name: 'busymod_work_func', role: 'use' }],
  init: [
    print('livepatch_callbacks_mod_init'),
    when(
      param('sleep_secs'),
      [print('busymod_work_func, sleeping <sleep_secs> seconds ...')],
      [print('busymod_work_func, sleeping 0 seconds ...')],
    ),
    print('busymod_work_func exit'),
  ],
  exit: [print('livepatch_callbacks_mod_exit')],
  source: `${SAMPLES}/livepatch-callbacks-busymod.c`,
};

export const SAMPLE_CALLBACKS: PatchSet = {
  name: 'sample-callbacks',
  description:
    'livepatch-callbacks-demo with its target modules: the per-object callback sample, ' +
    'with pre_patch_ret to make pre_patch fail',
  modules: [LIVEPATCH_CALLBACKS_DEMO, LIVEPATCH_CALLBACKS_MOD, LIVEPATCH_CALLBACKS_BUSYMOD],
  vmlinuxFunctions: [],
  systemVariables: {},
};
