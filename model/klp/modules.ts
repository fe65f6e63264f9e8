/**
 * Module loader operations both designs share: loading and removing target
 * modules around the design's notifier, removing livepatch modules, the free
 * work of a patch, and module parameter writes.
 */
import { findModule } from '../definition.ts';
import type { TargetModuleDef } from '../definition.ts';
import { ERRNO } from '../errno.ts';
import type { ModuleName } from '../ids.ts';
import { runCode } from '../interpret.ts';
import type { Kernel } from '../kernel.ts';
import { emit, moduleDef, patchDef, result } from '../kernel.ts';
import type { Operation } from '../operations.ts';
import type { World } from '../world.ts';
import { patchOfModule, patchWithSysfsDir } from '../world.ts';
import { moduleParams } from './patch.ts';

type Insmod = Extract<Operation, { type: 'insmod' }>;

/** The design's module notifier. */
export interface Notifier {
  coming(k: Kernel, module: ModuleName): number;
  going(k: Kernel, module: ModuleName): void;
}

function targetDef(k: Kernel, name: string): TargetModuleDef {
  const def = moduleDef(k.set, name);
  if (def.kind !== 'target') throw new Error(`internal: ${name} is not a target module`);
  return def;
}

/**
 * insmod of a target module: prepare_coming_module runs the livepatch notifier
 * in state COMING; a refusal fails the load before the module's init. Otherwise
 * init runs (the patches are already applied) and the module goes LIVE.
 */
export function loadTargetModule(k: Kernel, op: Insmod, notifier: Notifier): void {
  const def = targetDef(k, op.module);
  const module = def.name as ModuleName;
  k.world.modules[module] = { name: module, kind: 'target', params: moduleParams(def, op.params), pointerIds: [] };
  const error = notifier.coming(k, module);
  if (error !== 0) {
    delete k.world.modules[module];
    result(k, error);
    return;
  }
  runCode(k, def.init, { module, site: { kind: 'init', module } });
  emit(k, { type: 'module', op: 'loaded', module });
  result(k, 0);
}

/**
 * rmmod of a target module: its exit runs first, still through the patched
 * code, then klp_module_going reverts every listed patch on it. Parent objects
 * the module created and its exit did not release are gone with its memory.
 */
export function removeTargetModule(k: Kernel, name: string, notifier: Notifier): void {
  const def = targetDef(k, name);
  const module = def.name as ModuleName;
  runCode(k, def.exit, { module, site: { kind: 'exit', module } });
  notifier.going(k, module);
  // NOTE: a parent the exit leaves alive is counted as gone: its module's memory is freed.
  for (const [parent, object] of Object.entries(k.world.parents)) {
    if (object.owner === module && object.alive) {
      object.alive = false;
      emit(k, { type: 'parent', op: 'release', parent });
    }
  }
  delete k.world.modules[module];
  emit(k, { type: 'module', op: 'removed', module });
  result(k, 0);
}

/**
 * rmmod of a livepatch module succeeds once the free work dropped the core's
 * module reference; its exit function then runs.
 */
export function removeLivepatchModule(k: Kernel, name: string): void {
  const patch = patchOfModule(k.world, name);
  if (!patch) throw new Error(`internal: ${name} carries no patch`);
  const def = patchDef(k.set, patch.module);
  runCode(k, def.exit, { module: patch.module, site: { kind: 'exit', module: patch.module }, patch: patch.id });
  delete k.world.modules[name];
  emit(k, { type: 'module', op: 'removed', module: patch.module });
  result(k, 0);
}

/** True while the core holds the module reference: the patch is listed, its free work pending, or it was forced. */
export function isLivepatchInUse(world: Readonly<World>, name: string): boolean {
  const patch = patchOfModule(world, name);
  if (!patch) return false;
  return patch.phase === 'listed' || patch.phase === 'freeing' || patch.forced;
}

/** Runs the free work (klp_free_patch_work_fn): the sysfs directory goes away, and module_put runs unless the patch was forced. */
export function runFreeWork(k: Kernel, name: string): void {
  const patch = patchWithSysfsDir(k.world, name);
  if (!patch || patch.phase !== 'freeing') throw new Error(`internal: no free work pending for ${name}`);
  patch.phase = 'released';
  if (!patch.forced) emit(k, { type: 'moduleRef', op: 'put', patch: patch.id });
  result(k, 0);
}

export function hasFreeWork(world: Readonly<World>, name: string): boolean {
  return patchWithSysfsDir(world, name)?.phase === 'freeing';
}

/**
 * Writes a module parameter through /sys/module/<m>/parameters/<name>. A
 * parameter with a set handler runs it first, and a non-zero return fails the
 * write and keeps the old value.
 */
export function writeParam(k: Kernel, op: Extract<Operation, { type: 'write_param' }>): void {
  const loaded = k.world.modules[op.module];
  if (!loaded) throw new Error(`internal: ${op.module} is not loaded`);
  const onWrite = findModule(k.set, op.module)?.params?.find((p) => p.name === op.param)?.onWrite;
  if (onWrite) {
    const module = op.module as ModuleName;
    const site = { kind: 'function', object: module, func: onWrite.handler, patch: null } as const;
    const error = runCode(k, onWrite.body, { module, site, written: op.value });
    if (error !== 0) {
      result(k, error);
      return;
    }
  }
  loaded.params[op.param] = op.value;
  result(k, 0);
}

/** Returns the errno a parameter write fails with, or undefined when the write is allowed. */
export function paramWriteError(world: Readonly<World>, set: Kernel['set'], op: Extract<Operation, { type: 'write_param' }>): number | undefined {
  if (!world.modules[op.module]) return -ERRNO.ENOENT;
  const param = findModule(set, op.module)?.params?.find((p) => p.name === op.param);
  if (!param) return -ERRNO.ENOENT;
  // A parameter without write permission: the shell gets EACCES.
  if (!param.writable) return -13;
  return undefined;
}
