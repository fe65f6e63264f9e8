/**
 * Which version of a patchable function can run: the ftrace handler's choice
 * for a task, from the function's func_stack.
 */
import type { ObjectName, PatchId } from './ids.ts';
import type { TaskState } from './operations.ts';
import type { FuncStackEntry, World } from './world.ts';
import { funcKey } from './world.ts';

/** A function version: a patch's new function, a nop (original code through a patch) or the original. */
export interface FunctionVersion {
  /** null for the original code. */
  readonly patch: PatchId | null;
  /** Index of the object in the patch's obj_list, and of the func in the object. */
  readonly object: number;
  readonly func: number;
  /** A nop runs the original code although a patch's entry was chosen. */
  readonly nop: boolean;
}

export const ORIGINAL: FunctionVersion = { patch: null, object: -1, func: -1, nop: false };

function versionOf(world: Readonly<World>, entry: FuncStackEntry | undefined): FunctionVersion {
  if (!entry) return ORIGINAL;
  const func = world.patches[entry.patch]?.objects[entry.object]?.funcs[entry.func];
  return { patch: entry.patch, object: entry.object, func: entry.func, nop: func?.nop ?? false };
}

/**
 * The version klp_ftrace_handler picks for a task: the top of the func_stack,
 * unless that entry is in transition and the task is still unpatched, in which
 * case the next older entry (or the original function) runs. Outside a
 * transition every task is idle and the top entry runs.
 */
export function chosenVersion(
  world: Readonly<World>,
  object: ObjectName,
  func: string,
  task: TaskState | undefined,
): FunctionVersion {
  const stack = world.funcStacks[funcKey(object, func, 0)] ?? [];
  const top = stack[stack.length - 1];
  if (!top) return ORIGINAL;
  const topFunc = world.patches[top.patch]?.objects[top.object]?.funcs[top.func];
  if (world.transition && topFunc?.transition && task === 'unpatched') {
    return versionOf(world, stack[stack.length - 2]);
  }
  return versionOf(world, top);
}

/** Task states that exist now: none outside a transition, only the target after force. */
export function taskStates(world: Readonly<World>): readonly (TaskState | undefined)[] {
  const transition = world.transition;
  if (!transition) return [undefined];
  if (transition.allTasksSwitched) return [transition.target];
  return ['patched', 'unpatched'];
}

/** Every version of a function that some task can run now: the top, and during a transition the other side too. */
export function runnableVersions(world: Readonly<World>, object: ObjectName, func: string): FunctionVersion[] {
  const seen = new Map<string, FunctionVersion>();
  for (const task of taskStates(world)) {
    const version = chosenVersion(world, object, func, task);
    seen.set(`${version.patch}:${version.object}:${version.func}`, version);
  }
  return [...seen.values()];
}
