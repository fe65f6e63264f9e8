/**
 * The per-object callback wrappers of kernel/livepatch/core.h. pre_patch sets
 * post_unpatch_enabled from its result (a missing callback counts as success);
 * post_unpatch runs only while that flag is set and always clears it.
 */
import type { CallbackName } from '../definition.ts';
import type { ModuleState } from '../events.ts';
import { runCode } from '../interpret.ts';
import type { Kernel } from '../kernel.ts';
import { emit, patchDef } from '../kernel.ts';
import type { ObjectInstance, PatchInstance } from '../world.ts';

/** Module state a callback sees: LIVE, or COMING/GOING inside the module notifier. */
export type CallbackMoment = ModuleState;

function callbackCode(k: Kernel, patch: PatchInstance, object: ObjectInstance, name: CallbackName) {
  if (object.dynamic) return undefined;
  return patchDef(k.set, patch.module).objects[object.defIndex]?.callbacks?.[name];
}

/** Calls a callback if the object defines it; returns its result (0 when it is not set). */
function call(k: Kernel, patch: PatchInstance, object: ObjectInstance, name: CallbackName, moment: CallbackMoment): number {
  const code = callbackCode(k, patch, object, name);
  if (!code) return 0;
  const site = { kind: 'callback', patch: patch.id, object: object.name, callback: name } as const;
  // The call event comes before the callback's effects; pre_patch's result is filled in afterwards.
  const index = k.events.length;
  emit(k, { type: 'callback', patch: patch.id, object: object.name, callback: name, moduleState: moment });
  const ret = runCode(k, code, {
    module: patch.module,
    site,
    patch: patch.id,
    callback: { name, object: object.name, moduleState: moment },
  });
  if (name === 'pre_patch') {
    k.events[index] = { type: 'callback', patch: patch.id, object: object.name, callback: name, moduleState: moment, ret };
  }
  return name === 'pre_patch' ? ret : 0;
}

export function prePatchCallback(k: Kernel, patch: PatchInstance, object: ObjectInstance, moment: CallbackMoment): number {
  const ret = call(k, patch, object, 'pre_patch', moment);
  object.postUnpatchEnabled = ret === 0;
  return ret;
}

export function postPatchCallback(k: Kernel, patch: PatchInstance, object: ObjectInstance, moment: CallbackMoment): void {
  call(k, patch, object, 'post_patch', moment);
}

export function preUnpatchCallback(k: Kernel, patch: PatchInstance, object: ObjectInstance, moment: CallbackMoment): void {
  call(k, patch, object, 'pre_unpatch', moment);
}

export function postUnpatchCallback(k: Kernel, patch: PatchInstance, object: ObjectInstance, moment: CallbackMoment): void {
  if (object.postUnpatchEnabled) call(k, patch, object, 'post_unpatch', moment);
  object.postUnpatchEnabled = false;
}
