/**
 * Livepatches that only replace vmlinux functions, with no callbacks, states or
 * shadow variables: the modules of tools/testing/selftests/livepatch/
 * test-livepatch.sh and the basic sample samples/livepatch/livepatch-sample.c.
 * Their new functions change what a procfs file shows and print nothing to the
 * kernel log.
 */
import type { PatchModuleDef, PatchSet } from '../definition.ts';
import { moduleName, VMLINUX } from '../ids.ts';

const TEST_MODULES = 'tools/testing/selftests/livepatch/test_modules';

export const TEST_KLP_LIVEPATCH: PatchModuleDef = {
  kind: 'livepatch',
  name: moduleName('test_klp_livepatch'),
  replace: false,
  objects: [{ name: VMLINUX, funcs: [{ oldName: 'cmdline_proc_show' }] }],
  practice: 'kernel-module',
  source: `${TEST_MODULES}/test_klp_livepatch.c`,
};

export const TEST_KLP_ATOMIC_REPLACE: PatchModuleDef = {
  kind: 'livepatch',
  name: moduleName('test_klp_atomic_replace'),
  replace: { param: 'replace' },
  params: [{ name: 'replace', type: 'int', default: 0, writable: true }],
  objects: [{ name: VMLINUX, funcs: [{ oldName: 'meminfo_proc_show' }] }],
  practice: 'kernel-module',
  source: `${TEST_MODULES}/test_klp_atomic_replace.c`,
};

/** The sample patches the same function as test_klp_livepatch, so loading both stacks them. */
export const LIVEPATCH_SAMPLE: PatchModuleDef = {
  kind: 'livepatch',
  name: moduleName('livepatch_sample'),
  replace: false,
  objects: [{ name: VMLINUX, funcs: [{ oldName: 'cmdline_proc_show' }] }],
  practice: 'kernel-module',
  source: 'samples/livepatch/livepatch-sample.c',
};

export const SELFTEST_LIVEPATCH: PatchSet = {
  name: 'selftest-livepatch',
  description:
    'test-livepatch.sh and livepatch-sample: function patching of /proc/cmdline and /proc/meminfo, ' +
    'stacked patches and atomic replace',
  modules: [TEST_KLP_LIVEPATCH, TEST_KLP_ATOMIC_REPLACE, LIVEPATCH_SAMPLE],
  vmlinuxFunctions: [
    { name: 'cmdline_proc_show', role: 'use' },
    { name: 'meminfo_proc_show', role: 'use' },
  ],
  systemVariables: {},
};
