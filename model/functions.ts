/**
 * Calls of patchable functions: the ftrace handler's choice of version, the
 * function's role for its parent object, and the version's code.
 */
import type { Code } from './code.ts';
import { targetFunctions } from './definition.ts';
import type { CodeSite } from './events.ts';
import type { ModuleName, ObjectName } from './ids.ts';
import { moduleName } from './ids.ts';
import { runCode } from './interpret.ts';
import type { Kernel } from './kernel.ts';
import { emit, patchDef } from './kernel.ts';
import type { TaskState } from './operations.ts';
import type { FunctionVersion } from './runnable.ts';
import { chosenVersion } from './runnable.ts';
import type { World } from './world.ts';
import type { PatchSet } from './definition.ts';

/** The code of a function version and the module it belongs to (for prints and ctors). */
export function versionCode(
  set: PatchSet,
  world: Readonly<World>,
  object: ObjectName,
  func: string,
  version: FunctionVersion,
): { code: Code | undefined; module: ModuleName } {
  if (version.patch && !version.nop) {
    const patch = world.patches[version.patch];
    const objectInstance = patch?.objects[version.object];
    const funcInstance = objectInstance?.funcs[version.func];
    if (patch && objectInstance && funcInstance) {
      const def = patchDef(set, patch.module);
      return { code: def.objects[objectInstance.defIndex]?.funcs[funcInstance.defIndex]?.body, module: patch.module };
    }
  }
  const original = targetFunctions(set, object).find((f) => f.name === func);
  return { code: original?.body, module: object ?? moduleName('vmlinux') };
}

/**
 * A task calls `func` of a patch target on a parent object. A create function
 * brings the parent to life before its code runs; a release function ends its
 * life after its code ran. `arg` is the function's string argument, if it
 * takes one.
 */
export function callFunction(
  k: Kernel,
  object: ObjectName,
  func: string,
  parent: string,
  task: TaskState | undefined,
  arg?: string,
): void {
  const role = targetFunctions(k.set, object).find((f) => f.name === func)?.role;
  if (!role) throw new Error(`internal: ${object ?? 'vmlinux'} has no function ${func}`);

  if (role === 'create') {
    k.world.parents[parent] = { owner: object, alive: true };
    emit(k, { type: 'parent', op: 'create', parent });
  }

  const version = chosenVersion(k.world, object, func, task);
  const { code, module } = versionCode(k.set, k.world, object, func, version);
  const site: CodeSite = { kind: 'function', object, func, patch: version.nop ? null : version.patch };
  emit(k, { type: 'run', site });
  const patch = version.nop ? undefined : (version.patch ?? undefined);
  runCode(k, code, {
    module,
    site,
    parent,
    ...(patch ? { patch } : {}),
    ...(task ? { task } : {}),
    ...(arg === undefined ? {} : { arg }),
  });

  const state = k.world.parents[parent];
  if (role === 'release' && state?.alive) {
    state.alive = false;
    emit(k, { type: 'parent', op: 'release', parent });
  }
}
