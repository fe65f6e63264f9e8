/**
 * Modelling assumptions: where the model had to choose because the kernel
 * source, its documentation and its selftests leave something open, and what
 * is deliberately left out. Reports list these; each also has a NOTE where it
 * is implemented.
 */
export const MODELLING_ASSUMPTIONS: readonly string[] = [
  'Out of scope: malformed patch modules (NULL objs or funcs, a missing livepatch modinfo marker), an uninitialised livepatch core, and symbol, relocation or ftrace failures; every object patches successfully once its pre_patch succeeded.',
  'Asynchronous work is explicit: "transition_work" means klp_try_complete_transition found every task switched, and "free_work" is the work item that drops the sysfs directory and the module reference. A task blocked in a patched function is a transition_work not yet scheduled.',
  'Tasks are abstract: during a transition a call names the calling task\'s patch state (patched or unpatched); after force every task is in the target state. A call without a task state during a transition is taken as made by a task already in the target state.',
  'The task that runs a target module\'s exit during rmmod is taken as already switched to the transition\'s target state.',
  'Parent objects that a target module created and its exit did not release are counted as gone when the module is removed.',
  'klp_shadow_free_all frees in insertion order; the kernel walks hash buckets in an unspecified order.',
  'Memory allocation never fails: kzalloc of state data and shadow variables always succeeds (the GFP paths are not modelled).',
  'klp_get_prev_state without a transition emits one WARNING event per boot (WARN_ON_ONCE) and returns NULL; the rendered warning line is not the kernel\'s exact splat.',
  'Atomic replace matches funcs for nops with old_sympos 0 and 1 as equal, as since v6.19.',
  'A module named vmlinux, a module that is not in state COMING at klp_module_coming, and a target module whose init fails are not modelled.',
  'The boot values of system variables (console_loglevel and generated sysctls) are placeholders; only whether a value is back at its boot value matters.',
];
