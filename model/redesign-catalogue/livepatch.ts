/**
 * The modules of test-livepatch.sh's "atomic replace livepatch" case as the
 * v1 series of the redesign changed it: test_klp_livepatch, test_klp_syscall
 * and test_klp_speaker_livepatch (loaded without parameters, so without
 * states) stacked, then replaced by test_klp_atomic_replace. None of them has
 * callbacks or states in that case.
 */
import type { PatchModuleDef, PatchSet } from '../definition.ts';
import { moduleName, VMLINUX } from '../ids.ts';
import { TEST_KLP_ATOMIC_REPLACE, TEST_KLP_LIVEPATCH } from '../catalogue/selftest-livepatch.ts';
import { TEST_KLP_SPEAKER, TEST_KLP_SPEAKER2, TEST_KLP_SPEAKER_LIVEPATCH } from './speaker.ts';

/**
 * A non-replace livepatch of the getpid system call.
 * NOTE: the symbol carries the architecture's syscall prefix; the model uses
 * the x86_64 name.
 */
export const TEST_KLP_SYSCALL: PatchModuleDef = {
  kind: 'livepatch',
  name: moduleName('test_klp_syscall'),
  replace: false,
  objects: [{ name: VMLINUX, funcs: [{ oldName: '__x64_sys_getpid' }] }],
  practice: 'kernel-module',
  source: 'tools/testing/selftests/livepatch/test_modules/test_klp_syscall.c',
};

export const REDESIGN_SELFTEST_LIVEPATCH: PatchSet = {
  name: 'redesign-selftest-livepatch',
  description:
    'test-livepatch.sh of the redesign: three stacked livepatches without states, one of them the speaker ' +
    'livepatch, replaced by test_klp_atomic_replace',
  modules: [
    TEST_KLP_LIVEPATCH,
    TEST_KLP_SYSCALL,
    TEST_KLP_SPEAKER_LIVEPATCH,
    TEST_KLP_ATOMIC_REPLACE,
    // The speaker livepatch's targets, so that its objects can be bound.
    TEST_KLP_SPEAKER,
    TEST_KLP_SPEAKER2,
  ],
  vmlinuxFunctions: [
    { name: 'cmdline_proc_show', role: 'use' },
    { name: 'meminfo_proc_show', role: 'use' },
    { name: '__x64_sys_getpid', role: 'use' },
  ],
  systemVariables: {},
};
