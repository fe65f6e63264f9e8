/**
 * The speaker modules that the v1 series of the redesign adds for
 * test-order.sh, test-state-callbacks.sh and test-sysfs.sh: the targets
 * test_klp_speaker and test_klp_speaker2 (one source, speaker ids "" and
 * "(2)"), and the livepatches test_klp_speaker_livepatch and
 * test_klp_speaker_livepatch2 (one source under two module names).
 *
 * Reading a target's `welcome` parameter calls speaker_welcome(""). The model
 * has no parameter-read operation, so a scenario expresses the read as a call
 * of speaker_welcome on the target's hall. Reading `block_doors` only prints
 * whether the doors are blocked and is not modelled.
 */
import type { Code, Condition, ObjectRef, Statement } from '../code.ts';
import type { PatchModuleDef, PatchSet, StateDef, TargetModuleDef } from '../definition.ts';
import { ERRNO } from '../errno.ts';
import type { ModuleName } from '../ids.ts';
import { moduleName } from '../ids.ts';
import { not, param, print, ret, when } from '../catalogue/statements.ts';

const TEST_MODULES = 'tools/testing/selftests/livepatch/test_modules';

export const SPEAKER = moduleName('test_klp_speaker');
export const SPEAKER2 = moduleName('test_klp_speaker2');
export const SPEAKER_LIVEPATCH = moduleName('test_klp_speaker_livepatch');
export const SPEAKER_LIVEPATCH2 = moduleName('test_klp_speaker_livepatch2');

/** The state ids the livepatch builds from its applause parameters. */
export const APPLAUSE_STATE = 10;
export const APPLAUSE2_STATE = 11;

/**
 * Names the static struct hall of a speaker target, which holds the work item
 * and the pointer to do_block_doors. Init marks it alive so that calls of the
 * target's functions can name it as their parent object.
 */
export function hallOf(target: ModuleName): string {
  return `${target}:hall`;
}

/** The context text the blocked worker passes to speaker_welcome once it is released. */
const FROM_BLOCKED_DOORS = ' <--- from blocked doors';

function call(target: ModuleName, func: string, task: 'current' | 'notSwitched', arg?: string): Statement {
  return { op: 'callFunction', object: target, func, task, parent: hallOf(target), ...(arg === undefined ? {} : { arg }) };
}

/**
 * The set handler of `block_doors`. Writing 1 queues the worker, which runs
 * block_doors_func through the ftrace handler and sleeps in do_block_doors.
 * Writing 0 releases it: do_block_doors prints that the doors are open and
 * calls speaker_welcome as the worker, a task that cannot have switched in a
 * transition that changes block_doors_func. Repeating the current value is
 * rejected.
 */
function blockDoorsSet(target: ModuleName): Code {
  return [
    when(
      { kind: 'written' },
      [
        when(param('block_doors'), [print('block_doors_set: The doors are already blocked.'), ret(-ERRNO.EBUSY)], [
          call(target, 'block_doors_func', 'current'),
        ]),
      ],
      [
        when(
          param('block_doors'),
          [print('do_block_doors: Stopped blocking doors.'), call(target, 'speaker_welcome', 'notSwitched', FROM_BLOCKED_DOORS)],
          [print('block_doors_set: The doors are not being blocked.'), ret(-ERRNO.EINVAL)],
        ),
      ],
    ),
  ];
}

/**
 * A speaker target. `block_doors=1` at insmod runs the set handler while the
 * parameters are parsed, after the livepatch notifier and before init, so the
 * worker's first lines come before init's.
 * NOTE: the model runs that step at the start of init. It treats
 * `block_doors=0` at insmod as not given, where the kernel's set handler
 * would reject it with -EINVAL and fail the load.
 */
function speakerTarget(name: ModuleName, speakerId: string, file: string): TargetModuleDef {
  return {
    kind: 'target',
    name,
    params: [
      {
        name: 'block_doors',
        type: 'bool',
        default: 0,
        writable: true,
        onWrite: { handler: 'block_doors_set', body: blockDoorsSet(name) },
      },
    ],
    functions: [
      { name: 'speaker_welcome', role: 'use', body: [{ op: 'printTemplate', text: `speaker_welcome${speakerId}: Hello, World!{arg}` }] },
      {
        name: 'block_doors_func',
        role: 'use',
        body: [print(`block_doors_func: Going to block doors${speakerId}.`), call(name, 'do_block_doors', 'current')],
      },
      // Called only through the hall's function pointer, so no livepatch redirects it.
      { name: 'do_block_doors', role: 'use', body: [print('do_block_doors: Started blocking doors.')] },
    ],
    init: [
      { op: 'createParent', name: hallOf(name) },
      when(param('block_doors'), [call(name, 'block_doors_func', 'current')]),
      print('test_klp_speaker_init'),
    ],
    // Exit stops a sleeping worker, which then leaves without the "Stopped blocking doors" line.
    exit: [print('test_klp_speaker_exit')],
    source: `${TEST_MODULES}/${file} (v1 redesign series)`,
  };
}

export const TEST_KLP_SPEAKER = speakerTarget(SPEAKER, '', 'test_klp_speaker.c');
export const TEST_KLP_SPEAKER2 = speakerTarget(SPEAKER2, '(2)', 'test_klp_speaker2.c');

/** The applause texts live in <NULL, 10> and <NULL, 11>. */
const NULL_OBJECT: ObjectRef = { kind: 'static', name: 'NULL' };

function applauseExists(id: number): Condition {
  return { kind: 'shadowExists', id, obj: NULL_OBJECT };
}

/**
 * lp_speaker_welcome and lp_speaker2_welcome: read both applause variables and
 * print their texts, followed by one space if any was found, before the
 * greeting. The prefix shows the shadow table, not which patch owns a state.
 */
function livepatchWelcome(fn: string): Code {
  const line = (prefix: string): Statement => ({
    op: 'printTemplate',
    text: `${fn}: ${prefix}Ladies and gentleman, ...{arg}`,
    obj: NULL_OBJECT,
  });
  return [
    { op: 'shadowGet', id: APPLAUSE_STATE, obj: NULL_OBJECT },
    { op: 'shadowGet', id: APPLAUSE2_STATE, obj: NULL_OBJECT },
    when(
      applauseExists(APPLAUSE_STATE),
      [when(applauseExists(APPLAUSE2_STATE), [line('{shadow:10}{shadow:11} ')], [line('{shadow:10} ')])],
      [when(applauseExists(APPLAUSE2_STATE), [line('{shadow:11} ')], [line('')])],
    ),
  ];
}

/**
 * The patched block_doors_func of one target: its line, then the target's
 * do_block_doors through the hall pointer.
 * NOTE: that lp_block_doors_func2 also calls do_block_doors is an assumption;
 * without it a worker of test_klp_speaker2 would never block.
 */
function livepatchBlockDoors(target: ModuleName, text: string): Code {
  return [print(text), call(target, 'do_block_doors', 'current')];
}

/**
 * Builds the callbacks of applause state `id`, where `k` is "" for state 10
 * and "2" for state 11. pre_patch fails on request (pre_patch_ret) before it allocates;
 * otherwise it allocates the zeroed 16-byte variable and writes `[k]`.
 * post_patch sets `[APPLAUSEk]` and pre_unpatch sets `[k]` again.
 * post_unpatch only checks that the variable still exists; the core frees it.
 * NOTE: the error lines for a missing variable are printed under the
 * callback's name; the kernel may print them under a helper's name.
 */
function applauseCallbacks(id: number, k: string): StateDef['callbacks'] {
  const missing = (fn: string): Code => [
    print(`${fn}: failed to get shadow variable with the applause description: ${id}`),
  ];
  const writeText = (fn: string, text: string): Statement => ({
    op: 'shadowWriteText',
    id,
    obj: NULL_OBJECT,
    text,
    onNull: missing(fn),
  });
  return {
    pre_patch: [
      print(`applause_pre_patch_callback: state ${id}`),
      when(param('pre_patch_ret'), [
        { op: 'printTemplate', text: 'applause_pre_patch_callback: forcing err: {errno:pre_patch_ret}' },
        { op: 'returnParam', param: 'pre_patch_ret' },
      ]),
      {
        op: 'shadowAlloc',
        id,
        obj: NULL_OBJECT,
        text: `[${k}]`,
        onNull: [
          print('allocate_applause: failed to allocated shadow variable for storing an applause description'),
          ret(-ERRNO.ENOMEM),
        ],
      },
    ],
    post_patch: [print(`applause_post_patch_callback: state ${id}`), writeText('applause_post_patch_callback', `[APPLAUSE${k}]`)],
    pre_unpatch: [print(`applause_pre_unpatch_callback: state ${id}`), writeText('applause_pre_unpatch_callback', `[${k}]`)],
    post_unpatch: [
      print(`applause_post_unpatch_callback: state ${id} (nope)`),
      { op: 'shadowGet', id, obj: NULL_OBJECT },
      when(not(applauseExists(id)), missing('applause_post_unpatch_callback')),
    ],
  };
}

const APPLAUSE_DTOR = 'applause_shadow_dtor';

/**
 * Builds an applause state, present when its bool parameter is set: is_shadow,
 * never block_disable. The redesign has no version; 0 only fills the field
 * the current API reads.
 */
function applauseState(id: number, k: string, whenParam: string): StateDef {
  return {
    id,
    version: 0,
    whenParam,
    isShadow: true,
    blockDisable: false,
    callbacks: applauseCallbacks(id, k),
    shadowDtor: APPLAUSE_DTOR,
  };
}

/**
 * Builds a speaker livepatch. Its init builds states[] in id order from the applause
 * parameters ([10], [11] or [10, 11]; none leaves patch.states NULL) and takes
 * patch.replace from `replace`. All parameters are mode 0400.
 */
function speakerLivepatch(name: ModuleName, file: string): PatchModuleDef {
  return {
    kind: 'livepatch',
    name,
    replace: { param: 'replace' },
    params: [
      { name: 'applause', type: 'bool', default: 0, writable: false },
      { name: 'applause2', type: 'bool', default: 0, writable: false },
      { name: 'pre_patch_ret', type: 'int', default: 0, writable: false },
      { name: 'replace', type: 'bool', default: 0, writable: false },
    ],
    objects: [
      {
        name: SPEAKER,
        funcs: [
          { oldName: 'speaker_welcome', body: livepatchWelcome('lp_speaker_welcome') },
          { oldName: 'block_doors_func', body: livepatchBlockDoors(SPEAKER, 'lp_block_doors_func: Going to block doors (fixed).') },
        ],
      },
      {
        name: SPEAKER2,
        funcs: [
          { oldName: 'speaker_welcome', body: livepatchWelcome('lp_speaker2_welcome(2)') },
          {
            oldName: 'block_doors_func',
            body: livepatchBlockDoors(SPEAKER2, 'lp_block_doors_func2: Going to block doors(2) (fixed).'),
          },
        ],
      },
    ],
    states: [applauseState(APPLAUSE_STATE, '', 'applause'), applauseState(APPLAUSE2_STATE, '2', 'applause2')],
    // The destructor prints the text it finds and frees nothing itself.
    dtors: { [APPLAUSE_DTOR]: { body: [{ op: 'printTemplate', text: 'applause_shadow_dtor: freeing applause {freed} (nope)' }] } },
    practice: 'best-practice',
    source: `${TEST_MODULES}/${file} (v1 redesign series)`,
  };
}

export const TEST_KLP_SPEAKER_LIVEPATCH = speakerLivepatch(SPEAKER_LIVEPATCH, 'test_klp_speaker_livepatch.c');
export const TEST_KLP_SPEAKER_LIVEPATCH2 = speakerLivepatch(SPEAKER_LIVEPATCH2, 'test_klp_speaker_livepatch2.c');

export const REDESIGN_SELFTEST_SPEAKER: PatchSet = {
  name: 'redesign-selftest-speaker',
  description:
    'test-order.sh, test-state-callbacks.sh and test-sysfs.sh of the redesign: speaker targets with a worker ' +
    'that can block a transition, and livepatches whose applause states 10 and 11 own shadow variables',
  modules: [TEST_KLP_SPEAKER, TEST_KLP_SPEAKER2, TEST_KLP_SPEAKER_LIVEPATCH, TEST_KLP_SPEAKER_LIVEPATCH2],
  vmlinuxFunctions: [],
  systemVariables: {},
};
