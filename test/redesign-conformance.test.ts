/**
 * The selftests of the redesign's v1 series (Petr Mladek, "livepatch: Better
 * integrate callbacks and shadow variables with the states API", 15 Jan 2025)
 * as conformance cases for the redesign model. Each case runs the operations
 * that the selftest's shell helpers perform and compares the rendered log
 * with the expected text of the v1 scripts, which load modules with
 * `insmod test_modules/<m>.ko`.
 *
 * Sources: test-state.sh, test-order.sh, test-state-callbacks.sh and the
 * changed cases of test-sysfs.sh and test-livepatch.sh in
 * tools/testing/selftests/livepatch of the v1 series. Cases whose expected
 * log no v1 script contains are derived from the redesign's rules; their
 * names start with "inferred:".
 */
import { describe, expect, test } from 'vitest';

import type { PatchSet } from '../model/definition.ts';
import { findModule } from '../model/definition.ts';
import { moduleName } from '../model/ids.ts';
import type { Operation } from '../model/operations.ts';
import { redesignModel } from '../model/redesign/index.ts';
import { redesignCatalogueSet } from '../model/redesign-catalogue/index.ts';
import { hallOf } from '../model/redesign-catalogue/speaker.ts';
import { runOperations } from '../model/trace.ts';
import { renderStepLines } from '../render/kernel-log.ts';

/** One harness action: the operation, and the echo line the harness logs when the renderer prints none. */
interface Step {
  readonly op: Operation;
  readonly echo?: string;
}

const steps = (...ops: Operation[]): Step[] => ops.map((op) => ({ op }));

// The helpers of the v1 functions.sh, as the operations they cause. Each helper
// waits for the kernel before it returns, and that wait becomes an explicit work item.

/** load_mod: insmod a module that is not a livepatch. */
function loadMod(module: string, params?: Record<string, number>): Step[] {
  return steps({ type: 'insmod', module, ...(params ? { params } : {}) });
}

/** load_lp_nowait: insmod a livepatch and return while its transition may still run. */
const loadLpNowait = loadMod;

/** load_lp: insmod a livepatch and wait until `transition` reads 0. */
function loadLp(module: string, params?: Record<string, number>): Step[] {
  return [...loadLpNowait(module, params), ...steps({ type: 'transition_work' })];
}

/** load_failing_mod: insmod a module whose load is expected to fail. */
const loadFailingMod = loadMod;

/** disable_lp_nowait: write 0 to `enabled` and return. */
function disableLpNowait(patch: string): Step[] {
  return steps({ type: 'write_enabled', patch, value: 0 });
}

/** disable_lp: write 0 to `enabled` and wait until the patch's sysfs directory is gone. */
function disableLp(patch: string): Step[] {
  return [...disableLpNowait(patch), ...waitUntilSysfsGone(patch)];
}

/** The wait for a pending transition to end and for the patch's sysfs directory to go. */
function waitUntilSysfsGone(patch: string): Step[] {
  return steps({ type: 'transition_work' }, { type: 'free_work', patch });
}

/** The wait until `transition` reads 0. */
const waitUntilTransitionDone = (): Step[] => steps({ type: 'transition_work' });

/** unload_mod and unload_lp: wait until the module's refcount is 0, then rmmod. */
function unloadMod(module: string): Step[] {
  return steps({ type: 'rmmod', module });
}

const unloadLp = unloadMod;

/**
 * unload_lp of a livepatch that an atomic replace released. The free work that
 * drops its module reference runs before the refcount reaches 0.
 */
function unloadReplacedLp(module: string): Step[] {
  return [...steps({ type: 'free_work', patch: module }), ...unloadMod(module)];
}

/**
 * read_module_param of a speaker's `welcome`: the harness logs the `% cat`
 * line, and the read calls speaker_welcome(""). The model has no
 * parameter-read operation, so the read is a call of speaker_welcome on the
 * target's hall, and the test prints the echo line the renderer has no
 * operation for. `task` is the reading task's patch state during a transition.
 */
function readWelcome(module: string, task?: 'patched' | 'unpatched'): Step[] {
  const op: Operation = {
    type: 'call',
    object: moduleName(module),
    func: 'speaker_welcome',
    parent: hallOf(moduleName(module)),
    ...(task ? { task } : {}),
  };
  return [{ op, echo: `% cat /sys/module/${module}/parameters/welcome` }];
}

/** write_module_param: log the echo line and write the parameter. */
function writeModuleParam(module: string, param: string, value: number): Step[] {
  return steps({ type: 'write_param', module, param, value });
}

/**
 * Rewrites the command echo line of a step that sets bool parameters. The v1
 * scripts spell them as 1 and 0 (`applause=1`, `echo 0 > .../block_doors`),
 * while the renderer prints every bool parameter as Y or N, as the mainline
 * scripts do.
 * NOTE: remove this once renderKernelLog can spell bool parameters as digits.
 */
function spellBoolsAsDigits(set: PatchSet, op: Operation, line: string): string {
  if (op.type === 'insmod') {
    const bools = (findModule(set, op.module)?.params ?? []).filter((p) => p.type === 'bool').map((p) => p.name);
    return bools.reduce((text, name) => text.replace(` ${name}=Y`, ` ${name}=1`).replace(` ${name}=N`, ` ${name}=0`), line);
  }
  if (op.type === 'write_param') {
    const param = findModule(set, op.module)?.params?.find((p) => p.name === op.param);
    if (param?.type === 'bool') return line.replace(/^% echo [YN] /, `% echo ${op.value ? 1 : 0} `);
  }
  return line;
}

/** Runs the steps on a redesign catalogue patch set and renders the log as the v1 harness compares it. */
function kernelLog(setName: string, scenario: Step[]): string[] {
  const set = redesignCatalogueSet(setName);
  if (!set) throw new Error(`redesign catalogue patch set '${setName}' not found`);
  const trace = runOperations(
    redesignModel,
    set,
    scenario.map((step) => step.op),
  );
  return trace.steps.flatMap((traced, index) => {
    const lines = renderStepLines(set, traced, { loader: 'insmod' });
    const echo = scenario[index]?.echo;
    if (echo !== undefined) return [echo, ...lines];
    const [command, ...rest] = lines;
    return command === undefined ? [] : [spellBoolsAsDigits(set, traced.op, command), ...rest];
  });
}

/** The lines of an expected log written as a template literal that starts and ends with a newline. */
function lines(text: string): string[] {
  return text.replace(/^\n/, '').replace(/\n$/, '').split('\n');
}

describe('test-state.sh (v1)', () => {
  const MOD_LIVEPATCH = 'test_klp_state';
  const MOD_LIVEPATCH2 = 'test_klp_state2';
  const MOD_LIVEPATCH3 = 'test_klp_state3';
  const run = (scenario: Step[]) => kernelLog('redesign-selftest-state', scenario);

  test('TS-1 system state modification', () => {
    const log = run([...loadLp(MOD_LIVEPATCH), ...disableLp(MOD_LIVEPATCH), ...unloadLp(MOD_LIVEPATCH)]);
    expect(log).toEqual(
      lines(`
% insmod test_modules/test_klp_state.ko
livepatch: enabling patch 'test_klp_state'
livepatch: 'test_klp_state': initializing patching transition
test_klp_state: pre_patch_callback: state 1
test_klp_state: allocate_loglevel_state: allocating space to store console_loglevel
livepatch: 'test_klp_state': starting patching transition
livepatch: 'test_klp_state': completing patching transition
test_klp_state: post_patch_callback: state 1
test_klp_state: fix_console_loglevel: fixing console_loglevel
livepatch: 'test_klp_state': patching complete
% echo 0 > /sys/kernel/livepatch/test_klp_state/enabled
livepatch: 'test_klp_state': initializing unpatching transition
test_klp_state: pre_unpatch_callback: state 1
test_klp_state: restore_console_loglevel: restoring console_loglevel
livepatch: 'test_klp_state': starting unpatching transition
livepatch: 'test_klp_state': completing unpatching transition
test_klp_state: post_unpatch_callback: state 1 (nope)
test_klp_state: shadow_conosle_loglevel_dtor: freeing space for the stored console_loglevel
livepatch: 'test_klp_state': unpatching complete
% rmmod test_klp_state
`),
    );
  });

  test('TS-2 taking over system state modification', () => {
    const log = run([
      ...loadLp(MOD_LIVEPATCH),
      ...loadLp(MOD_LIVEPATCH2),
      ...unloadReplacedLp(MOD_LIVEPATCH),
      ...disableLp(MOD_LIVEPATCH2),
      ...unloadLp(MOD_LIVEPATCH2),
    ]);
    expect(log).toEqual(
      lines(`
% insmod test_modules/test_klp_state.ko
livepatch: enabling patch 'test_klp_state'
livepatch: 'test_klp_state': initializing patching transition
test_klp_state: pre_patch_callback: state 1
test_klp_state: allocate_loglevel_state: allocating space to store console_loglevel
livepatch: 'test_klp_state': starting patching transition
livepatch: 'test_klp_state': completing patching transition
test_klp_state: post_patch_callback: state 1
test_klp_state: fix_console_loglevel: fixing console_loglevel
livepatch: 'test_klp_state': patching complete
% insmod test_modules/test_klp_state2.ko
livepatch: enabling patch 'test_klp_state2'
livepatch: 'test_klp_state2': initializing patching transition
livepatch: 'test_klp_state2': starting patching transition
livepatch: 'test_klp_state2': completing patching transition
livepatch: 'test_klp_state2': patching complete
% rmmod test_klp_state
% echo 0 > /sys/kernel/livepatch/test_klp_state2/enabled
livepatch: 'test_klp_state2': initializing unpatching transition
test_klp_state2: pre_unpatch_callback: state 1
test_klp_state2: restore_console_loglevel: restoring console_loglevel
livepatch: 'test_klp_state2': starting unpatching transition
livepatch: 'test_klp_state2': completing unpatching transition
test_klp_state2: post_unpatch_callback: state 1 (nope)
test_klp_state2: shadow_conosle_loglevel_dtor: freeing space for the stored console_loglevel
livepatch: 'test_klp_state2': unpatching complete
% rmmod test_klp_state2
`),
    );
  });

  test('TS-3 compatible cumulative livepatches', () => {
    const log = run([
      ...loadLp(MOD_LIVEPATCH2),
      ...loadLp(MOD_LIVEPATCH3),
      ...unloadReplacedLp(MOD_LIVEPATCH2),
      ...loadLp(MOD_LIVEPATCH2),
      ...disableLp(MOD_LIVEPATCH2),
      ...unloadLp(MOD_LIVEPATCH2),
      ...unloadReplacedLp(MOD_LIVEPATCH3),
    ]);
    expect(log).toEqual(
      lines(`
% insmod test_modules/test_klp_state2.ko
livepatch: enabling patch 'test_klp_state2'
livepatch: 'test_klp_state2': initializing patching transition
test_klp_state2: pre_patch_callback: state 1
test_klp_state2: allocate_loglevel_state: allocating space to store console_loglevel
livepatch: 'test_klp_state2': starting patching transition
livepatch: 'test_klp_state2': completing patching transition
test_klp_state2: post_patch_callback: state 1
test_klp_state2: fix_console_loglevel: fixing console_loglevel
livepatch: 'test_klp_state2': patching complete
% insmod test_modules/test_klp_state3.ko
livepatch: enabling patch 'test_klp_state3'
livepatch: 'test_klp_state3': initializing patching transition
livepatch: 'test_klp_state3': starting patching transition
livepatch: 'test_klp_state3': completing patching transition
livepatch: 'test_klp_state3': patching complete
% rmmod test_klp_state2
% insmod test_modules/test_klp_state2.ko
livepatch: enabling patch 'test_klp_state2'
livepatch: 'test_klp_state2': initializing patching transition
livepatch: 'test_klp_state2': starting patching transition
livepatch: 'test_klp_state2': completing patching transition
livepatch: 'test_klp_state2': patching complete
% echo 0 > /sys/kernel/livepatch/test_klp_state2/enabled
livepatch: 'test_klp_state2': initializing unpatching transition
test_klp_state2: pre_unpatch_callback: state 1
test_klp_state2: restore_console_loglevel: restoring console_loglevel
livepatch: 'test_klp_state2': starting unpatching transition
livepatch: 'test_klp_state2': completing unpatching transition
test_klp_state2: post_unpatch_callback: state 1 (nope)
test_klp_state2: shadow_conosle_loglevel_dtor: freeing space for the stored console_loglevel
livepatch: 'test_klp_state2': unpatching complete
% rmmod test_klp_state2
% rmmod test_klp_state3
`),
    );
  });

  test('TS-4 incompatible cumulative livepatches', () => {
    const log = run([
      ...loadLp(MOD_LIVEPATCH2, { state_block_disable: 1 }),
      ...loadFailingMod(MOD_LIVEPATCH, { no_state: 1 }),
      ...loadLp(MOD_LIVEPATCH),
      ...unloadReplacedLp(MOD_LIVEPATCH2),
      ...disableLp(MOD_LIVEPATCH),
      ...unloadLp(MOD_LIVEPATCH),
    ]);
    expect(log).toEqual(
      lines(`
% insmod test_modules/test_klp_state2.ko state_block_disable=1
livepatch: enabling patch 'test_klp_state2'
livepatch: 'test_klp_state2': initializing patching transition
test_klp_state2: pre_patch_callback: state 1
test_klp_state2: allocate_loglevel_state: allocating space to store console_loglevel
livepatch: 'test_klp_state2': starting patching transition
livepatch: 'test_klp_state2': completing patching transition
test_klp_state2: post_patch_callback: state 1
test_klp_state2: fix_console_loglevel: fixing console_loglevel
livepatch: 'test_klp_state2': patching complete
% insmod test_modules/test_klp_state.ko no_state=1
livepatch: Livepatch patch (test_klp_state) is not compatible with the already installed livepatches.
insmod: ERROR: could not insert module test_modules/test_klp_state.ko: Invalid parameters
% insmod test_modules/test_klp_state.ko
livepatch: enabling patch 'test_klp_state'
livepatch: 'test_klp_state': initializing patching transition
livepatch: 'test_klp_state': starting patching transition
livepatch: 'test_klp_state': completing patching transition
livepatch: 'test_klp_state': patching complete
% rmmod test_klp_state2
% echo 0 > /sys/kernel/livepatch/test_klp_state/enabled
livepatch: 'test_klp_state': initializing unpatching transition
test_klp_state: pre_unpatch_callback: state 1
test_klp_state: restore_console_loglevel: restoring console_loglevel
livepatch: 'test_klp_state': starting unpatching transition
livepatch: 'test_klp_state': completing unpatching transition
test_klp_state: post_unpatch_callback: state 1 (nope)
test_klp_state: shadow_conosle_loglevel_dtor: freeing space for the stored console_loglevel
livepatch: 'test_klp_state': unpatching complete
% rmmod test_klp_state
`),
    );
  });

  // No v1 test writes 0 to `enabled` of a patch with a block_disable state. The
  // message is the one patch 04 adds, and nothing else may run.
  test('inferred: disable refused by block_disable', () => {
    const scenario = [...loadLp(MOD_LIVEPATCH2, { state_block_disable: 1 }), ...disableLpNowait(MOD_LIVEPATCH2)];
    const log = run(scenario);
    expect(log.slice(-2)).toEqual(
      lines(`
% echo 0 > /sys/kernel/livepatch/test_klp_state2/enabled
livepatch: The livepatch 'test_klp_state2' does not support disable
`),
    );

    const set = redesignCatalogueSet('redesign-selftest-state')!;
    const last = runOperations(redesignModel, set, scenario.map((step) => step.op)).steps.at(-1)!;
    expect(last.events.at(-1)).toEqual({ type: 'result', errno: -22 });
    expect(last.after).toEqual(last.before);
  });
});

describe('test-order.sh (v1)', () => {
  const MOD_LIVEPATCH = 'test_klp_speaker_livepatch';
  const MOD_TARGET = 'test_klp_speaker';
  const MOD_TARGET2 = 'test_klp_speaker2';
  const run = (scenario: Step[]) => kernelLog('redesign-selftest-speaker', scenario);

  test('TO-1 module not present', () => {
    const log = run([...loadLp(MOD_LIVEPATCH), ...disableLp(MOD_LIVEPATCH), ...unloadLp(MOD_LIVEPATCH)]);
    expect(log).toEqual(
      lines(`
% insmod test_modules/test_klp_speaker_livepatch.ko
livepatch: enabling patch 'test_klp_speaker_livepatch'
livepatch: 'test_klp_speaker_livepatch': initializing patching transition
livepatch: 'test_klp_speaker_livepatch': starting patching transition
livepatch: 'test_klp_speaker_livepatch': completing patching transition
livepatch: 'test_klp_speaker_livepatch': patching complete
% echo 0 > /sys/kernel/livepatch/test_klp_speaker_livepatch/enabled
livepatch: 'test_klp_speaker_livepatch': initializing unpatching transition
livepatch: 'test_klp_speaker_livepatch': starting unpatching transition
livepatch: 'test_klp_speaker_livepatch': completing unpatching transition
livepatch: 'test_klp_speaker_livepatch': unpatching complete
% rmmod test_klp_speaker_livepatch
`),
    );
  });

  test('TO-2 module enable/disable livepatch', () => {
    const log = run([
      ...loadMod(MOD_TARGET),
      ...readWelcome(MOD_TARGET),
      ...loadLp(MOD_LIVEPATCH),
      ...readWelcome(MOD_TARGET),
      ...disableLp(MOD_LIVEPATCH),
      ...unloadLp(MOD_LIVEPATCH),
      ...readWelcome(MOD_TARGET),
      ...unloadMod(MOD_TARGET),
    ]);
    expect(log).toEqual(
      lines(`
% insmod test_modules/test_klp_speaker.ko
test_klp_speaker: test_klp_speaker_init
% cat /sys/module/test_klp_speaker/parameters/welcome
test_klp_speaker: speaker_welcome: Hello, World!
% insmod test_modules/test_klp_speaker_livepatch.ko
livepatch: enabling patch 'test_klp_speaker_livepatch'
livepatch: 'test_klp_speaker_livepatch': initializing patching transition
livepatch: 'test_klp_speaker_livepatch': starting patching transition
livepatch: 'test_klp_speaker_livepatch': completing patching transition
livepatch: 'test_klp_speaker_livepatch': patching complete
% cat /sys/module/test_klp_speaker/parameters/welcome
test_klp_speaker_livepatch: lp_speaker_welcome: Ladies and gentleman, ...
% echo 0 > /sys/kernel/livepatch/test_klp_speaker_livepatch/enabled
livepatch: 'test_klp_speaker_livepatch': initializing unpatching transition
livepatch: 'test_klp_speaker_livepatch': starting unpatching transition
livepatch: 'test_klp_speaker_livepatch': completing unpatching transition
livepatch: 'test_klp_speaker_livepatch': unpatching complete
% rmmod test_klp_speaker_livepatch
% cat /sys/module/test_klp_speaker/parameters/welcome
test_klp_speaker: speaker_welcome: Hello, World!
% rmmod test_klp_speaker
test_klp_speaker: test_klp_speaker_exit
`),
    );
  });

  test('TO-3 module coming hook', () => {
    const log = run([
      ...loadLp(MOD_LIVEPATCH),
      ...loadMod(MOD_TARGET),
      ...readWelcome(MOD_TARGET),
      ...disableLp(MOD_LIVEPATCH),
      ...readWelcome(MOD_TARGET),
      ...unloadLp(MOD_LIVEPATCH),
      ...unloadMod(MOD_TARGET),
    ]);
    expect(log).toEqual(
      lines(`
% insmod test_modules/test_klp_speaker_livepatch.ko
livepatch: enabling patch 'test_klp_speaker_livepatch'
livepatch: 'test_klp_speaker_livepatch': initializing patching transition
livepatch: 'test_klp_speaker_livepatch': starting patching transition
livepatch: 'test_klp_speaker_livepatch': completing patching transition
livepatch: 'test_klp_speaker_livepatch': patching complete
% insmod test_modules/test_klp_speaker.ko
livepatch: applying patch 'test_klp_speaker_livepatch' to loading module 'test_klp_speaker'
test_klp_speaker: test_klp_speaker_init
% cat /sys/module/test_klp_speaker/parameters/welcome
test_klp_speaker_livepatch: lp_speaker_welcome: Ladies and gentleman, ...
% echo 0 > /sys/kernel/livepatch/test_klp_speaker_livepatch/enabled
livepatch: 'test_klp_speaker_livepatch': initializing unpatching transition
livepatch: 'test_klp_speaker_livepatch': starting unpatching transition
livepatch: 'test_klp_speaker_livepatch': completing unpatching transition
livepatch: 'test_klp_speaker_livepatch': unpatching complete
% cat /sys/module/test_klp_speaker/parameters/welcome
test_klp_speaker: speaker_welcome: Hello, World!
% rmmod test_klp_speaker_livepatch
% rmmod test_klp_speaker
test_klp_speaker: test_klp_speaker_exit
`),
    );
  });

  test('TO-4 module going hook', () => {
    const log = run([
      ...loadMod(MOD_TARGET),
      ...readWelcome(MOD_TARGET),
      ...loadLp(MOD_LIVEPATCH),
      ...readWelcome(MOD_TARGET),
      ...unloadMod(MOD_TARGET),
      ...disableLp(MOD_LIVEPATCH),
      ...unloadLp(MOD_LIVEPATCH),
    ]);
    expect(log).toEqual(
      lines(`
% insmod test_modules/test_klp_speaker.ko
test_klp_speaker: test_klp_speaker_init
% cat /sys/module/test_klp_speaker/parameters/welcome
test_klp_speaker: speaker_welcome: Hello, World!
% insmod test_modules/test_klp_speaker_livepatch.ko
livepatch: enabling patch 'test_klp_speaker_livepatch'
livepatch: 'test_klp_speaker_livepatch': initializing patching transition
livepatch: 'test_klp_speaker_livepatch': starting patching transition
livepatch: 'test_klp_speaker_livepatch': completing patching transition
livepatch: 'test_klp_speaker_livepatch': patching complete
% cat /sys/module/test_klp_speaker/parameters/welcome
test_klp_speaker_livepatch: lp_speaker_welcome: Ladies and gentleman, ...
% rmmod test_klp_speaker
test_klp_speaker: test_klp_speaker_exit
livepatch: reverting patch 'test_klp_speaker_livepatch' on unloading module 'test_klp_speaker'
% echo 0 > /sys/kernel/livepatch/test_klp_speaker_livepatch/enabled
livepatch: 'test_klp_speaker_livepatch': initializing unpatching transition
livepatch: 'test_klp_speaker_livepatch': starting unpatching transition
livepatch: 'test_klp_speaker_livepatch': completing unpatching transition
livepatch: 'test_klp_speaker_livepatch': unpatching complete
% rmmod test_klp_speaker_livepatch
`),
    );
  });

  test('TO-5 module coming and going hooks', () => {
    const log = run([
      ...loadLp(MOD_LIVEPATCH),
      ...loadMod(MOD_TARGET),
      ...readWelcome(MOD_TARGET),
      ...unloadMod(MOD_TARGET),
      ...disableLp(MOD_LIVEPATCH),
      ...unloadLp(MOD_LIVEPATCH),
    ]);
    expect(log).toEqual(
      lines(`
% insmod test_modules/test_klp_speaker_livepatch.ko
livepatch: enabling patch 'test_klp_speaker_livepatch'
livepatch: 'test_klp_speaker_livepatch': initializing patching transition
livepatch: 'test_klp_speaker_livepatch': starting patching transition
livepatch: 'test_klp_speaker_livepatch': completing patching transition
livepatch: 'test_klp_speaker_livepatch': patching complete
% insmod test_modules/test_klp_speaker.ko
livepatch: applying patch 'test_klp_speaker_livepatch' to loading module 'test_klp_speaker'
test_klp_speaker: test_klp_speaker_init
% cat /sys/module/test_klp_speaker/parameters/welcome
test_klp_speaker_livepatch: lp_speaker_welcome: Ladies and gentleman, ...
% rmmod test_klp_speaker
test_klp_speaker: test_klp_speaker_exit
livepatch: reverting patch 'test_klp_speaker_livepatch' on unloading module 'test_klp_speaker'
% echo 0 > /sys/kernel/livepatch/test_klp_speaker_livepatch/enabled
livepatch: 'test_klp_speaker_livepatch': initializing unpatching transition
livepatch: 'test_klp_speaker_livepatch': starting unpatching transition
livepatch: 'test_klp_speaker_livepatch': completing unpatching transition
livepatch: 'test_klp_speaker_livepatch': unpatching complete
% rmmod test_klp_speaker_livepatch
`),
    );
  });

  test('TO-6 multiple target modules', () => {
    const log = run([
      ...loadMod(MOD_TARGET),
      ...readWelcome(MOD_TARGET),
      ...loadLp(MOD_LIVEPATCH),
      ...readWelcome(MOD_TARGET),
      ...loadMod(MOD_TARGET2),
      ...readWelcome(MOD_TARGET2),
      ...unloadMod(MOD_TARGET2),
      ...disableLp(MOD_LIVEPATCH),
      ...readWelcome(MOD_TARGET),
      ...unloadLp(MOD_LIVEPATCH),
      ...unloadMod(MOD_TARGET),
    ]);
    expect(log).toEqual(
      lines(`
% insmod test_modules/test_klp_speaker.ko
test_klp_speaker: test_klp_speaker_init
% cat /sys/module/test_klp_speaker/parameters/welcome
test_klp_speaker: speaker_welcome: Hello, World!
% insmod test_modules/test_klp_speaker_livepatch.ko
livepatch: enabling patch 'test_klp_speaker_livepatch'
livepatch: 'test_klp_speaker_livepatch': initializing patching transition
livepatch: 'test_klp_speaker_livepatch': starting patching transition
livepatch: 'test_klp_speaker_livepatch': completing patching transition
livepatch: 'test_klp_speaker_livepatch': patching complete
% cat /sys/module/test_klp_speaker/parameters/welcome
test_klp_speaker_livepatch: lp_speaker_welcome: Ladies and gentleman, ...
% insmod test_modules/test_klp_speaker2.ko
livepatch: applying patch 'test_klp_speaker_livepatch' to loading module 'test_klp_speaker2'
test_klp_speaker2: test_klp_speaker_init
% cat /sys/module/test_klp_speaker2/parameters/welcome
test_klp_speaker_livepatch: lp_speaker2_welcome(2): Ladies and gentleman, ...
% rmmod test_klp_speaker2
test_klp_speaker2: test_klp_speaker_exit
livepatch: reverting patch 'test_klp_speaker_livepatch' on unloading module 'test_klp_speaker2'
% echo 0 > /sys/kernel/livepatch/test_klp_speaker_livepatch/enabled
livepatch: 'test_klp_speaker_livepatch': initializing unpatching transition
livepatch: 'test_klp_speaker_livepatch': starting unpatching transition
livepatch: 'test_klp_speaker_livepatch': completing unpatching transition
livepatch: 'test_klp_speaker_livepatch': unpatching complete
% cat /sys/module/test_klp_speaker/parameters/welcome
test_klp_speaker: speaker_welcome: Hello, World!
% rmmod test_klp_speaker_livepatch
% rmmod test_klp_speaker
test_klp_speaker: test_klp_speaker_exit
`),
    );
  });
});

describe('test-state-callbacks.sh (v1)', () => {
  const MOD_LIVEPATCH = 'test_klp_speaker_livepatch';
  const MOD_LIVEPATCH2 = 'test_klp_speaker_livepatch2';
  const MOD_TARGET = 'test_klp_speaker';
  const run = (scenario: Step[]) => kernelLog('redesign-selftest-speaker', scenario);

  test('TSC-1 livepatch state callbacks', () => {
    const log = run([
      ...loadMod(MOD_TARGET),
      ...readWelcome(MOD_TARGET),
      ...loadLp(MOD_LIVEPATCH, { applause: 1 }),
      ...readWelcome(MOD_TARGET),
      ...disableLp(MOD_LIVEPATCH),
      ...unloadLp(MOD_LIVEPATCH),
      ...readWelcome(MOD_TARGET),
      ...unloadMod(MOD_TARGET),
    ]);
    expect(log).toEqual(
      lines(`
% insmod test_modules/test_klp_speaker.ko
test_klp_speaker: test_klp_speaker_init
% cat /sys/module/test_klp_speaker/parameters/welcome
test_klp_speaker: speaker_welcome: Hello, World!
% insmod test_modules/test_klp_speaker_livepatch.ko applause=1
livepatch: enabling patch 'test_klp_speaker_livepatch'
livepatch: 'test_klp_speaker_livepatch': initializing patching transition
test_klp_speaker_livepatch: applause_pre_patch_callback: state 10
livepatch: 'test_klp_speaker_livepatch': starting patching transition
livepatch: 'test_klp_speaker_livepatch': completing patching transition
test_klp_speaker_livepatch: applause_post_patch_callback: state 10
livepatch: 'test_klp_speaker_livepatch': patching complete
% cat /sys/module/test_klp_speaker/parameters/welcome
test_klp_speaker_livepatch: lp_speaker_welcome: [APPLAUSE] Ladies and gentleman, ...
% echo 0 > /sys/kernel/livepatch/test_klp_speaker_livepatch/enabled
livepatch: 'test_klp_speaker_livepatch': initializing unpatching transition
test_klp_speaker_livepatch: applause_pre_unpatch_callback: state 10
livepatch: 'test_klp_speaker_livepatch': starting unpatching transition
livepatch: 'test_klp_speaker_livepatch': completing unpatching transition
test_klp_speaker_livepatch: applause_post_unpatch_callback: state 10 (nope)
test_klp_speaker_livepatch: applause_shadow_dtor: freeing applause [] (nope)
livepatch: 'test_klp_speaker_livepatch': unpatching complete
% rmmod test_klp_speaker_livepatch
% cat /sys/module/test_klp_speaker/parameters/welcome
test_klp_speaker: speaker_welcome: Hello, World!
% rmmod test_klp_speaker
test_klp_speaker: test_klp_speaker_exit
`),
    );
  });

  test('TSC-2 failing pre_patch callback with -ENODEV', () => {
    const log = run([
      ...loadMod(MOD_TARGET),
      ...readWelcome(MOD_TARGET),
      ...loadFailingMod(MOD_LIVEPATCH, { applause: 1, pre_patch_ret: -19 }),
      ...readWelcome(MOD_TARGET),
      ...unloadMod(MOD_TARGET),
    ]);
    expect(log).toEqual(
      lines(`
% insmod test_modules/test_klp_speaker.ko
test_klp_speaker: test_klp_speaker_init
% cat /sys/module/test_klp_speaker/parameters/welcome
test_klp_speaker: speaker_welcome: Hello, World!
% insmod test_modules/test_klp_speaker_livepatch.ko applause=1 pre_patch_ret=-19
livepatch: enabling patch 'test_klp_speaker_livepatch'
livepatch: 'test_klp_speaker_livepatch': initializing patching transition
test_klp_speaker_livepatch: applause_pre_patch_callback: state 10
test_klp_speaker_livepatch: applause_pre_patch_callback: forcing err: -ENODEV
livepatch: failed to enable patch 'test_klp_speaker_livepatch'
livepatch: 'test_klp_speaker_livepatch': canceling patching transition, going to unpatch
livepatch: 'test_klp_speaker_livepatch': completing unpatching transition
livepatch: 'test_klp_speaker_livepatch': unpatching complete
insmod: ERROR: could not insert module test_modules/test_klp_speaker_livepatch.ko: No such device
% cat /sys/module/test_klp_speaker/parameters/welcome
test_klp_speaker: speaker_welcome: Hello, World!
% rmmod test_klp_speaker
test_klp_speaker: test_klp_speaker_exit
`),
    );
  });

  // The worker sleeps with block_doors_func on its stack, so the patching
  // transition cannot complete: no transition work runs until the disable
  // has reversed it. The reading task is new and already patched.
  test('TSC-3 blocked transition', () => {
    const log = run([
      ...loadMod(MOD_TARGET, { block_doors: 1 }),
      ...readWelcome(MOD_TARGET),
      ...loadLpNowait(MOD_LIVEPATCH, { applause: 1 }),
      ...readWelcome(MOD_TARGET, 'patched'),
      ...disableLp(MOD_LIVEPATCH),
      ...readWelcome(MOD_TARGET),
      ...unloadLp(MOD_LIVEPATCH),
      ...unloadMod(MOD_TARGET),
    ]);
    expect(log).toEqual(
      lines(`
% insmod test_modules/test_klp_speaker.ko block_doors=1
test_klp_speaker: block_doors_func: Going to block doors.
test_klp_speaker: do_block_doors: Started blocking doors.
test_klp_speaker: test_klp_speaker_init
% cat /sys/module/test_klp_speaker/parameters/welcome
test_klp_speaker: speaker_welcome: Hello, World!
% insmod test_modules/test_klp_speaker_livepatch.ko applause=1
livepatch: enabling patch 'test_klp_speaker_livepatch'
livepatch: 'test_klp_speaker_livepatch': initializing patching transition
test_klp_speaker_livepatch: applause_pre_patch_callback: state 10
livepatch: 'test_klp_speaker_livepatch': starting patching transition
% cat /sys/module/test_klp_speaker/parameters/welcome
test_klp_speaker_livepatch: lp_speaker_welcome: [] Ladies and gentleman, ...
% echo 0 > /sys/kernel/livepatch/test_klp_speaker_livepatch/enabled
livepatch: 'test_klp_speaker_livepatch': reversing transition from patching to unpatching
livepatch: 'test_klp_speaker_livepatch': starting unpatching transition
livepatch: 'test_klp_speaker_livepatch': completing unpatching transition
test_klp_speaker_livepatch: applause_post_unpatch_callback: state 10 (nope)
test_klp_speaker_livepatch: applause_shadow_dtor: freeing applause [] (nope)
livepatch: 'test_klp_speaker_livepatch': unpatching complete
% cat /sys/module/test_klp_speaker/parameters/welcome
test_klp_speaker: speaker_welcome: Hello, World!
% rmmod test_klp_speaker_livepatch
% rmmod test_klp_speaker
test_klp_speaker: test_klp_speaker_exit
`),
    );
  });

  // Writing 0 to block_doors releases the worker, which has not switched yet:
  // it prints through the original speaker_welcome before the transition completes.
  test('TSC-4 (un)blocked transition', () => {
    const log = run([
      ...loadMod(MOD_TARGET, { block_doors: 1 }),
      ...readWelcome(MOD_TARGET),
      ...loadLpNowait(MOD_LIVEPATCH, { applause: 1 }),
      ...readWelcome(MOD_TARGET, 'patched'),
      ...writeModuleParam(MOD_TARGET, 'block_doors', 0),
      ...waitUntilTransitionDone(),
      ...readWelcome(MOD_TARGET),
      ...disableLp(MOD_LIVEPATCH),
      ...readWelcome(MOD_TARGET),
      ...unloadLp(MOD_LIVEPATCH),
      ...unloadMod(MOD_TARGET),
    ]);
    expect(log).toEqual(
      lines(`
% insmod test_modules/test_klp_speaker.ko block_doors=1
test_klp_speaker: block_doors_func: Going to block doors.
test_klp_speaker: do_block_doors: Started blocking doors.
test_klp_speaker: test_klp_speaker_init
% cat /sys/module/test_klp_speaker/parameters/welcome
test_klp_speaker: speaker_welcome: Hello, World!
% insmod test_modules/test_klp_speaker_livepatch.ko applause=1
livepatch: enabling patch 'test_klp_speaker_livepatch'
livepatch: 'test_klp_speaker_livepatch': initializing patching transition
test_klp_speaker_livepatch: applause_pre_patch_callback: state 10
livepatch: 'test_klp_speaker_livepatch': starting patching transition
% cat /sys/module/test_klp_speaker/parameters/welcome
test_klp_speaker_livepatch: lp_speaker_welcome: [] Ladies and gentleman, ...
% echo 0 > /sys/module/test_klp_speaker/parameters/block_doors
test_klp_speaker: do_block_doors: Stopped blocking doors.
test_klp_speaker: speaker_welcome: Hello, World! <--- from blocked doors
livepatch: 'test_klp_speaker_livepatch': completing patching transition
test_klp_speaker_livepatch: applause_post_patch_callback: state 10
livepatch: 'test_klp_speaker_livepatch': patching complete
% cat /sys/module/test_klp_speaker/parameters/welcome
test_klp_speaker_livepatch: lp_speaker_welcome: [APPLAUSE] Ladies and gentleman, ...
% echo 0 > /sys/kernel/livepatch/test_klp_speaker_livepatch/enabled
livepatch: 'test_klp_speaker_livepatch': initializing unpatching transition
test_klp_speaker_livepatch: applause_pre_unpatch_callback: state 10
livepatch: 'test_klp_speaker_livepatch': starting unpatching transition
livepatch: 'test_klp_speaker_livepatch': completing unpatching transition
test_klp_speaker_livepatch: applause_post_unpatch_callback: state 10 (nope)
test_klp_speaker_livepatch: applause_shadow_dtor: freeing applause [] (nope)
livepatch: 'test_klp_speaker_livepatch': unpatching complete
% cat /sys/module/test_klp_speaker/parameters/welcome
test_klp_speaker: speaker_welcome: Hello, World!
% rmmod test_klp_speaker_livepatch
% rmmod test_klp_speaker
test_klp_speaker: test_klp_speaker_exit
`),
    );
  });

  // The worker runs the patched block_doors_func and sleeps there, so the
  // unpatching transition waits for it. A new reading task is already
  // unpatched; the released worker still runs the patched speaker_welcome.
  test('TSC-5 blocked disable transition', () => {
    const log = run([
      ...loadLp(MOD_LIVEPATCH, { applause: 1 }),
      ...loadMod(MOD_TARGET, { block_doors: 1 }),
      ...readWelcome(MOD_TARGET),
      ...disableLpNowait(MOD_LIVEPATCH),
      ...readWelcome(MOD_TARGET, 'unpatched'),
      ...writeModuleParam(MOD_TARGET, 'block_doors', 0),
      ...waitUntilSysfsGone(MOD_LIVEPATCH),
      ...readWelcome(MOD_TARGET),
      ...unloadLp(MOD_LIVEPATCH),
      ...unloadMod(MOD_TARGET),
    ]);
    expect(log).toEqual(
      lines(`
% insmod test_modules/test_klp_speaker_livepatch.ko applause=1
livepatch: enabling patch 'test_klp_speaker_livepatch'
livepatch: 'test_klp_speaker_livepatch': initializing patching transition
test_klp_speaker_livepatch: applause_pre_patch_callback: state 10
livepatch: 'test_klp_speaker_livepatch': starting patching transition
livepatch: 'test_klp_speaker_livepatch': completing patching transition
test_klp_speaker_livepatch: applause_post_patch_callback: state 10
livepatch: 'test_klp_speaker_livepatch': patching complete
% insmod test_modules/test_klp_speaker.ko block_doors=1
livepatch: applying patch 'test_klp_speaker_livepatch' to loading module 'test_klp_speaker'
test_klp_speaker_livepatch: lp_block_doors_func: Going to block doors (fixed).
test_klp_speaker: do_block_doors: Started blocking doors.
test_klp_speaker: test_klp_speaker_init
% cat /sys/module/test_klp_speaker/parameters/welcome
test_klp_speaker_livepatch: lp_speaker_welcome: [APPLAUSE] Ladies and gentleman, ...
% echo 0 > /sys/kernel/livepatch/test_klp_speaker_livepatch/enabled
livepatch: 'test_klp_speaker_livepatch': initializing unpatching transition
test_klp_speaker_livepatch: applause_pre_unpatch_callback: state 10
livepatch: 'test_klp_speaker_livepatch': starting unpatching transition
% cat /sys/module/test_klp_speaker/parameters/welcome
test_klp_speaker: speaker_welcome: Hello, World!
% echo 0 > /sys/module/test_klp_speaker/parameters/block_doors
test_klp_speaker: do_block_doors: Stopped blocking doors.
test_klp_speaker_livepatch: lp_speaker_welcome: [] Ladies and gentleman, ... <--- from blocked doors
livepatch: 'test_klp_speaker_livepatch': completing unpatching transition
test_klp_speaker_livepatch: applause_post_unpatch_callback: state 10 (nope)
test_klp_speaker_livepatch: applause_shadow_dtor: freeing applause [] (nope)
livepatch: 'test_klp_speaker_livepatch': unpatching complete
% cat /sys/module/test_klp_speaker/parameters/welcome
test_klp_speaker: speaker_welcome: Hello, World!
% rmmod test_klp_speaker_livepatch
% rmmod test_klp_speaker
test_klp_speaker: test_klp_speaker_exit
`),
    );
  });

  test('TSC-6 multiple livepatches in parallel', () => {
    const log = run([
      ...loadMod(MOD_TARGET),
      ...readWelcome(MOD_TARGET),
      ...loadLp(MOD_LIVEPATCH, { applause: 1 }),
      ...readWelcome(MOD_TARGET),
      ...loadLp(MOD_LIVEPATCH2, { applause2: 1 }),
      ...readWelcome(MOD_TARGET),
      ...disableLp(MOD_LIVEPATCH2),
      ...unloadLp(MOD_LIVEPATCH2),
      ...readWelcome(MOD_TARGET),
      ...disableLp(MOD_LIVEPATCH),
      ...unloadLp(MOD_LIVEPATCH),
      ...readWelcome(MOD_TARGET),
      ...unloadMod(MOD_TARGET),
    ]);
    expect(log).toEqual(
      lines(`
% insmod test_modules/test_klp_speaker.ko
test_klp_speaker: test_klp_speaker_init
% cat /sys/module/test_klp_speaker/parameters/welcome
test_klp_speaker: speaker_welcome: Hello, World!
% insmod test_modules/test_klp_speaker_livepatch.ko applause=1
livepatch: enabling patch 'test_klp_speaker_livepatch'
livepatch: 'test_klp_speaker_livepatch': initializing patching transition
test_klp_speaker_livepatch: applause_pre_patch_callback: state 10
livepatch: 'test_klp_speaker_livepatch': starting patching transition
livepatch: 'test_klp_speaker_livepatch': completing patching transition
test_klp_speaker_livepatch: applause_post_patch_callback: state 10
livepatch: 'test_klp_speaker_livepatch': patching complete
% cat /sys/module/test_klp_speaker/parameters/welcome
test_klp_speaker_livepatch: lp_speaker_welcome: [APPLAUSE] Ladies and gentleman, ...
% insmod test_modules/test_klp_speaker_livepatch2.ko applause2=1
livepatch: enabling patch 'test_klp_speaker_livepatch2'
livepatch: 'test_klp_speaker_livepatch2': initializing patching transition
test_klp_speaker_livepatch2: applause_pre_patch_callback: state 11
livepatch: 'test_klp_speaker_livepatch2': starting patching transition
livepatch: 'test_klp_speaker_livepatch2': completing patching transition
test_klp_speaker_livepatch2: applause_post_patch_callback: state 11
livepatch: 'test_klp_speaker_livepatch2': patching complete
% cat /sys/module/test_klp_speaker/parameters/welcome
test_klp_speaker_livepatch2: lp_speaker_welcome: [APPLAUSE][APPLAUSE2] Ladies and gentleman, ...
% echo 0 > /sys/kernel/livepatch/test_klp_speaker_livepatch2/enabled
livepatch: 'test_klp_speaker_livepatch2': initializing unpatching transition
test_klp_speaker_livepatch2: applause_pre_unpatch_callback: state 11
livepatch: 'test_klp_speaker_livepatch2': starting unpatching transition
livepatch: 'test_klp_speaker_livepatch2': completing unpatching transition
test_klp_speaker_livepatch2: applause_post_unpatch_callback: state 11 (nope)
test_klp_speaker_livepatch2: applause_shadow_dtor: freeing applause [2] (nope)
livepatch: 'test_klp_speaker_livepatch2': unpatching complete
% rmmod test_klp_speaker_livepatch2
% cat /sys/module/test_klp_speaker/parameters/welcome
test_klp_speaker_livepatch: lp_speaker_welcome: [APPLAUSE] Ladies and gentleman, ...
% echo 0 > /sys/kernel/livepatch/test_klp_speaker_livepatch/enabled
livepatch: 'test_klp_speaker_livepatch': initializing unpatching transition
test_klp_speaker_livepatch: applause_pre_unpatch_callback: state 10
livepatch: 'test_klp_speaker_livepatch': starting unpatching transition
livepatch: 'test_klp_speaker_livepatch': completing unpatching transition
test_klp_speaker_livepatch: applause_post_unpatch_callback: state 10 (nope)
test_klp_speaker_livepatch: applause_shadow_dtor: freeing applause [] (nope)
livepatch: 'test_klp_speaker_livepatch': unpatching complete
% rmmod test_klp_speaker_livepatch
% cat /sys/module/test_klp_speaker/parameters/welcome
test_klp_speaker: speaker_welcome: Hello, World!
% rmmod test_klp_speaker
test_klp_speaker: test_klp_speaker_exit
`),
    );
  });

  test('TSC-7 atomic replace', () => {
    const log = run([
      ...loadMod(MOD_TARGET),
      ...readWelcome(MOD_TARGET),
      ...loadLp(MOD_LIVEPATCH, { applause: 1 }),
      ...readWelcome(MOD_TARGET),
      ...loadLp(MOD_LIVEPATCH2, { replace: 1, applause: 1, applause2: 1 }),
      ...unloadReplacedLp(MOD_LIVEPATCH),
      ...readWelcome(MOD_TARGET),
      ...disableLp(MOD_LIVEPATCH2),
      ...unloadLp(MOD_LIVEPATCH2),
      ...readWelcome(MOD_TARGET),
      ...unloadMod(MOD_TARGET),
    ]);
    expect(log).toEqual(
      lines(`
% insmod test_modules/test_klp_speaker.ko
test_klp_speaker: test_klp_speaker_init
% cat /sys/module/test_klp_speaker/parameters/welcome
test_klp_speaker: speaker_welcome: Hello, World!
% insmod test_modules/test_klp_speaker_livepatch.ko applause=1
livepatch: enabling patch 'test_klp_speaker_livepatch'
livepatch: 'test_klp_speaker_livepatch': initializing patching transition
test_klp_speaker_livepatch: applause_pre_patch_callback: state 10
livepatch: 'test_klp_speaker_livepatch': starting patching transition
livepatch: 'test_klp_speaker_livepatch': completing patching transition
test_klp_speaker_livepatch: applause_post_patch_callback: state 10
livepatch: 'test_klp_speaker_livepatch': patching complete
% cat /sys/module/test_klp_speaker/parameters/welcome
test_klp_speaker_livepatch: lp_speaker_welcome: [APPLAUSE] Ladies and gentleman, ...
% insmod test_modules/test_klp_speaker_livepatch2.ko replace=1 applause=1 applause2=1
livepatch: enabling patch 'test_klp_speaker_livepatch2'
livepatch: 'test_klp_speaker_livepatch2': initializing patching transition
test_klp_speaker_livepatch2: applause_pre_patch_callback: state 11
livepatch: 'test_klp_speaker_livepatch2': starting patching transition
livepatch: 'test_klp_speaker_livepatch2': completing patching transition
test_klp_speaker_livepatch2: applause_post_patch_callback: state 11
livepatch: 'test_klp_speaker_livepatch2': patching complete
% rmmod test_klp_speaker_livepatch
% cat /sys/module/test_klp_speaker/parameters/welcome
test_klp_speaker_livepatch2: lp_speaker_welcome: [APPLAUSE][APPLAUSE2] Ladies and gentleman, ...
% echo 0 > /sys/kernel/livepatch/test_klp_speaker_livepatch2/enabled
livepatch: 'test_klp_speaker_livepatch2': initializing unpatching transition
test_klp_speaker_livepatch2: applause_pre_unpatch_callback: state 10
test_klp_speaker_livepatch2: applause_pre_unpatch_callback: state 11
livepatch: 'test_klp_speaker_livepatch2': starting unpatching transition
livepatch: 'test_klp_speaker_livepatch2': completing unpatching transition
test_klp_speaker_livepatch2: applause_post_unpatch_callback: state 10 (nope)
test_klp_speaker_livepatch2: applause_shadow_dtor: freeing applause [] (nope)
test_klp_speaker_livepatch2: applause_post_unpatch_callback: state 11 (nope)
test_klp_speaker_livepatch2: applause_shadow_dtor: freeing applause [2] (nope)
livepatch: 'test_klp_speaker_livepatch2': unpatching complete
% rmmod test_klp_speaker_livepatch2
% cat /sys/module/test_klp_speaker/parameters/welcome
test_klp_speaker: speaker_welcome: Hello, World!
% rmmod test_klp_speaker
test_klp_speaker: test_klp_speaker_exit
`),
    );
  });

  // A replace that drops a state: the old patch removes it with its own
  // callbacks and destructor, and before the new patch's post_patch.
  test('inferred: replace that drops a state', () => {
    const log = run([...loadLp(MOD_LIVEPATCH, { applause: 1 }), ...loadLp(MOD_LIVEPATCH2, { replace: 1, applause2: 1 })]);
    expect(log).toEqual(
      lines(`
% insmod test_modules/test_klp_speaker_livepatch.ko applause=1
livepatch: enabling patch 'test_klp_speaker_livepatch'
livepatch: 'test_klp_speaker_livepatch': initializing patching transition
test_klp_speaker_livepatch: applause_pre_patch_callback: state 10
livepatch: 'test_klp_speaker_livepatch': starting patching transition
livepatch: 'test_klp_speaker_livepatch': completing patching transition
test_klp_speaker_livepatch: applause_post_patch_callback: state 10
livepatch: 'test_klp_speaker_livepatch': patching complete
% insmod test_modules/test_klp_speaker_livepatch2.ko replace=1 applause2=1
livepatch: enabling patch 'test_klp_speaker_livepatch2'
livepatch: 'test_klp_speaker_livepatch2': initializing patching transition
test_klp_speaker_livepatch2: applause_pre_patch_callback: state 11
test_klp_speaker_livepatch: applause_pre_unpatch_callback: state 10
livepatch: 'test_klp_speaker_livepatch2': starting patching transition
livepatch: 'test_klp_speaker_livepatch2': completing patching transition
test_klp_speaker_livepatch: applause_post_unpatch_callback: state 10 (nope)
test_klp_speaker_livepatch: applause_shadow_dtor: freeing applause [] (nope)
test_klp_speaker_livepatch2: applause_post_patch_callback: state 11
livepatch: 'test_klp_speaker_livepatch2': patching complete
`),
    );
  });

  // Reversal of a replace transition: the old patch's post_patch undoes the
  // pre_unpatch it got when the replace began, then the new patch removes
  // its own new state. The log is derived from the rules; no v1 test runs it.
  test('inferred: reversed replace restores the old state', () => {
    const log = run([
      ...loadLp(MOD_LIVEPATCH, { applause: 1 }),
      ...loadLpNowait(MOD_LIVEPATCH2, { replace: 1, applause2: 1 }),
      ...disableLp(MOD_LIVEPATCH2),
      ...loadMod(MOD_TARGET),
      ...readWelcome(MOD_TARGET),
    ]);
    expect(log).toEqual(
      lines(`
% insmod test_modules/test_klp_speaker_livepatch.ko applause=1
livepatch: enabling patch 'test_klp_speaker_livepatch'
livepatch: 'test_klp_speaker_livepatch': initializing patching transition
test_klp_speaker_livepatch: applause_pre_patch_callback: state 10
livepatch: 'test_klp_speaker_livepatch': starting patching transition
livepatch: 'test_klp_speaker_livepatch': completing patching transition
test_klp_speaker_livepatch: applause_post_patch_callback: state 10
livepatch: 'test_klp_speaker_livepatch': patching complete
% insmod test_modules/test_klp_speaker_livepatch2.ko replace=1 applause2=1
livepatch: enabling patch 'test_klp_speaker_livepatch2'
livepatch: 'test_klp_speaker_livepatch2': initializing patching transition
test_klp_speaker_livepatch2: applause_pre_patch_callback: state 11
test_klp_speaker_livepatch: applause_pre_unpatch_callback: state 10
livepatch: 'test_klp_speaker_livepatch2': starting patching transition
% echo 0 > /sys/kernel/livepatch/test_klp_speaker_livepatch2/enabled
livepatch: 'test_klp_speaker_livepatch2': reversing transition from patching to unpatching
livepatch: 'test_klp_speaker_livepatch2': starting unpatching transition
livepatch: 'test_klp_speaker_livepatch2': completing unpatching transition
test_klp_speaker_livepatch: applause_post_patch_callback: state 10
test_klp_speaker_livepatch2: applause_post_unpatch_callback: state 11 (nope)
test_klp_speaker_livepatch2: applause_shadow_dtor: freeing applause [2] (nope)
livepatch: 'test_klp_speaker_livepatch2': unpatching complete
% insmod test_modules/test_klp_speaker.ko
livepatch: applying patch 'test_klp_speaker_livepatch' to loading module 'test_klp_speaker'
test_klp_speaker: test_klp_speaker_init
% cat /sys/module/test_klp_speaker/parameters/welcome
test_klp_speaker_livepatch: lp_speaker_welcome: [APPLAUSE] Ladies and gentleman, ...
`),
    );
  });

  // pre_patch fails at the second state while the first is shared with a
  // listed patch: nothing runs for the shared state, and the failing state
  // gets no post_unpatch. The log is derived from the rules.
  test('inferred: pre_patch fails after a shared state', () => {
    const log = run([
      ...loadLp(MOD_LIVEPATCH, { applause: 1 }),
      ...loadFailingMod(MOD_LIVEPATCH2, { applause: 1, applause2: 1, pre_patch_ret: -19 }),
    ]);
    expect(log).toEqual(
      lines(`
% insmod test_modules/test_klp_speaker_livepatch.ko applause=1
livepatch: enabling patch 'test_klp_speaker_livepatch'
livepatch: 'test_klp_speaker_livepatch': initializing patching transition
test_klp_speaker_livepatch: applause_pre_patch_callback: state 10
livepatch: 'test_klp_speaker_livepatch': starting patching transition
livepatch: 'test_klp_speaker_livepatch': completing patching transition
test_klp_speaker_livepatch: applause_post_patch_callback: state 10
livepatch: 'test_klp_speaker_livepatch': patching complete
% insmod test_modules/test_klp_speaker_livepatch2.ko applause=1 applause2=1 pre_patch_ret=-19
livepatch: enabling patch 'test_klp_speaker_livepatch2'
livepatch: 'test_klp_speaker_livepatch2': initializing patching transition
test_klp_speaker_livepatch2: applause_pre_patch_callback: state 11
test_klp_speaker_livepatch2: applause_pre_patch_callback: forcing err: -ENODEV
livepatch: failed to enable patch 'test_klp_speaker_livepatch2'
livepatch: 'test_klp_speaker_livepatch2': canceling patching transition, going to unpatch
livepatch: 'test_klp_speaker_livepatch2': completing unpatching transition
livepatch: 'test_klp_speaker_livepatch2': unpatching complete
insmod: ERROR: could not insert module test_modules/test_klp_speaker_livepatch2.ko: No such device
`),
    );
  });

  // klp_complete_transition of a replace patch that reaches PATCHED unpatches
  // only the patches listed before it, but klp_states_post_unpatch_replaced
  // walks every other listed patch. After a reversed disable of a replace patch,
  // that removes the state of a non-replace patch stacked on top of it, which
  // stays enabled. The log is derived from the rules; no v1 test runs it.
  test('inferred: reversed disable of a replace patch removes a stacked state', () => {
    const log = run([
      ...loadLp(MOD_LIVEPATCH, { replace: 1, applause: 1 }),
      ...loadLp(MOD_LIVEPATCH2, { applause2: 1 }),
      ...disableLpNowait(MOD_LIVEPATCH),
      ...steps({ type: 'write_enabled', patch: MOD_LIVEPATCH, value: 1 }),
      ...waitUntilTransitionDone(),
    ]);
    expect(log).toEqual(
      lines(`
% insmod test_modules/test_klp_speaker_livepatch.ko replace=1 applause=1
livepatch: enabling patch 'test_klp_speaker_livepatch'
livepatch: 'test_klp_speaker_livepatch': initializing patching transition
test_klp_speaker_livepatch: applause_pre_patch_callback: state 10
livepatch: 'test_klp_speaker_livepatch': starting patching transition
livepatch: 'test_klp_speaker_livepatch': completing patching transition
test_klp_speaker_livepatch: applause_post_patch_callback: state 10
livepatch: 'test_klp_speaker_livepatch': patching complete
% insmod test_modules/test_klp_speaker_livepatch2.ko applause2=1
livepatch: enabling patch 'test_klp_speaker_livepatch2'
livepatch: 'test_klp_speaker_livepatch2': initializing patching transition
test_klp_speaker_livepatch2: applause_pre_patch_callback: state 11
livepatch: 'test_klp_speaker_livepatch2': starting patching transition
livepatch: 'test_klp_speaker_livepatch2': completing patching transition
test_klp_speaker_livepatch2: applause_post_patch_callback: state 11
livepatch: 'test_klp_speaker_livepatch2': patching complete
% echo 0 > /sys/kernel/livepatch/test_klp_speaker_livepatch/enabled
livepatch: 'test_klp_speaker_livepatch': initializing unpatching transition
test_klp_speaker_livepatch: applause_pre_unpatch_callback: state 10
livepatch: 'test_klp_speaker_livepatch': starting unpatching transition
% echo 1 > /sys/kernel/livepatch/test_klp_speaker_livepatch/enabled
livepatch: 'test_klp_speaker_livepatch': reversing transition from unpatching to patching
livepatch: 'test_klp_speaker_livepatch': starting patching transition
livepatch: 'test_klp_speaker_livepatch': completing patching transition
test_klp_speaker_livepatch2: applause_post_unpatch_callback: state 11 (nope)
test_klp_speaker_livepatch2: applause_shadow_dtor: freeing applause [APPLAUSE2] (nope)
test_klp_speaker_livepatch: applause_post_patch_callback: state 10
livepatch: 'test_klp_speaker_livepatch': patching complete
`),
    );
  });

  // Two non-replace patches share state 10: no callback runs on the second
  // load or on the first disable. The last holder's disable removes the state
  // with its own destructor; its pre_patch_succeeded was set although its
  // pre_patch was skipped.
  test('inferred: stacked patches sharing a state', () => {
    const log = run([
      ...loadLp(MOD_LIVEPATCH, { applause: 1 }),
      ...loadLp(MOD_LIVEPATCH2, { applause: 1 }),
      ...disableLp(MOD_LIVEPATCH),
      ...disableLp(MOD_LIVEPATCH2),
    ]);
    expect(log).toEqual(
      lines(`
% insmod test_modules/test_klp_speaker_livepatch.ko applause=1
livepatch: enabling patch 'test_klp_speaker_livepatch'
livepatch: 'test_klp_speaker_livepatch': initializing patching transition
test_klp_speaker_livepatch: applause_pre_patch_callback: state 10
livepatch: 'test_klp_speaker_livepatch': starting patching transition
livepatch: 'test_klp_speaker_livepatch': completing patching transition
test_klp_speaker_livepatch: applause_post_patch_callback: state 10
livepatch: 'test_klp_speaker_livepatch': patching complete
% insmod test_modules/test_klp_speaker_livepatch2.ko applause=1
livepatch: enabling patch 'test_klp_speaker_livepatch2'
livepatch: 'test_klp_speaker_livepatch2': initializing patching transition
livepatch: 'test_klp_speaker_livepatch2': starting patching transition
livepatch: 'test_klp_speaker_livepatch2': completing patching transition
livepatch: 'test_klp_speaker_livepatch2': patching complete
% echo 0 > /sys/kernel/livepatch/test_klp_speaker_livepatch/enabled
livepatch: 'test_klp_speaker_livepatch': initializing unpatching transition
livepatch: 'test_klp_speaker_livepatch': starting unpatching transition
livepatch: 'test_klp_speaker_livepatch': completing unpatching transition
livepatch: 'test_klp_speaker_livepatch': unpatching complete
% echo 0 > /sys/kernel/livepatch/test_klp_speaker_livepatch2/enabled
livepatch: 'test_klp_speaker_livepatch2': initializing unpatching transition
test_klp_speaker_livepatch2: applause_pre_unpatch_callback: state 10
livepatch: 'test_klp_speaker_livepatch2': starting unpatching transition
livepatch: 'test_klp_speaker_livepatch2': completing unpatching transition
test_klp_speaker_livepatch2: applause_post_unpatch_callback: state 10 (nope)
test_klp_speaker_livepatch2: applause_shadow_dtor: freeing applause [] (nope)
livepatch: 'test_klp_speaker_livepatch2': unpatching complete
`),
    );
  });
});

describe('test-sysfs.sh (v1)', () => {
  test('sysfs test object/patched', () => {
    const log = kernelLog('redesign-selftest-speaker', [
      ...loadLp('test_klp_speaker_livepatch'),
      ...loadMod('test_klp_speaker'),
      ...unloadMod('test_klp_speaker'),
      ...disableLp('test_klp_speaker_livepatch'),
      ...unloadLp('test_klp_speaker_livepatch'),
    ]);
    expect(log).toEqual(
      lines(`
% insmod test_modules/test_klp_speaker_livepatch.ko
livepatch: enabling patch 'test_klp_speaker_livepatch'
livepatch: 'test_klp_speaker_livepatch': initializing patching transition
livepatch: 'test_klp_speaker_livepatch': starting patching transition
livepatch: 'test_klp_speaker_livepatch': completing patching transition
livepatch: 'test_klp_speaker_livepatch': patching complete
% insmod test_modules/test_klp_speaker.ko
livepatch: applying patch 'test_klp_speaker_livepatch' to loading module 'test_klp_speaker'
test_klp_speaker: test_klp_speaker_init
% rmmod test_klp_speaker
test_klp_speaker: test_klp_speaker_exit
livepatch: reverting patch 'test_klp_speaker_livepatch' on unloading module 'test_klp_speaker'
% echo 0 > /sys/kernel/livepatch/test_klp_speaker_livepatch/enabled
livepatch: 'test_klp_speaker_livepatch': initializing unpatching transition
livepatch: 'test_klp_speaker_livepatch': starting unpatching transition
livepatch: 'test_klp_speaker_livepatch': completing unpatching transition
livepatch: 'test_klp_speaker_livepatch': unpatching complete
% rmmod test_klp_speaker_livepatch
`),
    );
  });
});

describe('test-livepatch.sh (v1)', () => {
  // The v1 series describes this case by its steps and states that it shows
  // only the enable, transition and completion lines. The text below is
  // derived from that description.
  test('inferred: atomic replace livepatch', () => {
    const log = kernelLog('redesign-selftest-livepatch', [
      ...loadLp('test_klp_livepatch'),
      ...loadLp('test_klp_syscall'),
      ...loadLp('test_klp_speaker_livepatch'),
      ...loadLp('test_klp_atomic_replace', { replace: 1 }),
      ...unloadReplacedLp('test_klp_livepatch'),
      ...unloadReplacedLp('test_klp_syscall'),
      ...unloadReplacedLp('test_klp_speaker_livepatch'),
      ...disableLp('test_klp_atomic_replace'),
      ...unloadLp('test_klp_atomic_replace'),
    ]);
    expect(log).toEqual(
      lines(`
% insmod test_modules/test_klp_livepatch.ko
livepatch: enabling patch 'test_klp_livepatch'
livepatch: 'test_klp_livepatch': initializing patching transition
livepatch: 'test_klp_livepatch': starting patching transition
livepatch: 'test_klp_livepatch': completing patching transition
livepatch: 'test_klp_livepatch': patching complete
% insmod test_modules/test_klp_syscall.ko
livepatch: enabling patch 'test_klp_syscall'
livepatch: 'test_klp_syscall': initializing patching transition
livepatch: 'test_klp_syscall': starting patching transition
livepatch: 'test_klp_syscall': completing patching transition
livepatch: 'test_klp_syscall': patching complete
% insmod test_modules/test_klp_speaker_livepatch.ko
livepatch: enabling patch 'test_klp_speaker_livepatch'
livepatch: 'test_klp_speaker_livepatch': initializing patching transition
livepatch: 'test_klp_speaker_livepatch': starting patching transition
livepatch: 'test_klp_speaker_livepatch': completing patching transition
livepatch: 'test_klp_speaker_livepatch': patching complete
% insmod test_modules/test_klp_atomic_replace.ko replace=1
livepatch: enabling patch 'test_klp_atomic_replace'
livepatch: 'test_klp_atomic_replace': initializing patching transition
livepatch: 'test_klp_atomic_replace': starting patching transition
livepatch: 'test_klp_atomic_replace': completing patching transition
livepatch: 'test_klp_atomic_replace': patching complete
% rmmod test_klp_livepatch
% rmmod test_klp_syscall
% rmmod test_klp_speaker_livepatch
% echo 0 > /sys/kernel/livepatch/test_klp_atomic_replace/enabled
livepatch: 'test_klp_atomic_replace': initializing unpatching transition
livepatch: 'test_klp_atomic_replace': starting unpatching transition
livepatch: 'test_klp_atomic_replace': completing unpatching transition
livepatch: 'test_klp_atomic_replace': unpatching complete
% rmmod test_klp_atomic_replace
`),
    );
  });
});
