/**
 * Choices the redesign model makes where the v1 series, its selftests and the
 * review mails leave something open. Each entry also has a NOTE where it is
 * implemented. The assumptions of the shared world
 * (MODELLING_ASSUMPTIONS in model/assumptions.ts) hold for this model too.
 */
export const REDESIGN_ASSUMPTIONS: readonly string[] = [
  'A patch may list one id twice in states[]: v1 accepts it without a warning (v2 is to WARN), each entry runs its own callbacks, and the sharing check sees the other holders only, as is_state_in_other_patches() skips the whole patch.',
  'klp_patch_object never fails, so the error path of an enable after klp_states_pre_unpatch_replaced (the replaced patches\' post_patch undoing their pre_unpatch on a cancel) is not reachable; it is reachable through a reversal of the replace transition.',
  'A task that slept in a function the running transition changes (the speaker worker) is taken to be in the state opposite to the current target. After a reversal the kernel has it in the target state instead.',
  'block_doors=1 at insmod runs the set handler at the start of the target\'s init, which gives the same order as parameter parsing after the livepatch notifier; block_doors=0 at insmod is taken as not given, where the kernel would reject it with -EINVAL.',
  'Reading a speaker target\'s welcome parameter is a call of speaker_welcome on the target\'s static struct hall, which init marks alive; reading block_doors is not modelled.',
  'lp_block_doors_func2 calls do_block_doors of test_klp_speaker2 as lp_block_doors_func does for test_klp_speaker.',
  'The speaker callbacks print the "failed to get shadow variable" error line under the callback\'s own name.',
  'test_klp_syscall patches the x86_64 symbol __x64_sys_getpid.',
  '%pe of a pre_patch_ret value that is not a named errno prints the number.',
];
