/**
 * The state hooks of the redesign (kernel/livepatch/state.c in the v1
 * series): the per-patch helpers klp_states_pre_patch, _post_patch,
 * _pre_unpatch and _post_unpatch, and the helpers that run them for the
 * patches an atomic replace removes. Every helper walks a patch's states[]
 * in array order, for setup and teardown alike.
 */
import type { CallbackName, StateDef } from '../definition.ts';
import type { CodeSite } from '../events.ts';
import type { PatchId } from '../ids.ts';
import { moduleDestructor, runCode } from '../interpret.ts';
import type { Kernel } from '../kernel.ts';
import { emit, patchDef, patchOf } from '../kernel.ts';
import { shadowFreeAll } from '../shadow.ts';
import type { PatchInstance, StateInstance, World } from '../world.ts';

/** Site of the core's klp_shadow_free_all for an is_shadow state, which runs right after post_unpatch. */
export const STATE_SHADOW_FREE = 'shadow_free_all';

/**
 * is_state_in_other_patches(): some patch on klp_patches other than `patch`
 * has a state with this id. The list still contains the transition patch and,
 * until they are freed after completion, the patches a replace removed.
 */
export function isStateInOtherPatches(world: Readonly<World>, patch: PatchId, id: number): boolean {
  return world.klpPatches.some((other) => other !== patch && world.patches[other]?.states.some((s) => s.id === id));
}

/** klp_patch_disable_blocked(): some state of the patch itself has block_disable. */
export function isDisableBlocked(patch: Readonly<PatchInstance>): boolean {
  return patch.states.some((state) => state.blockDisable);
}

/**
 * Returns the definition of a state instance: the entry of the module's states
 * it was created from at init, so that a patch listing one id twice (which v1
 * accepts without a warning) runs each entry's own callbacks.
 */
function stateDef(k: Kernel, patch: PatchInstance, state: StateInstance): StateDef | undefined {
  return patchDef(k.set, patch.module).states?.[state.defIndex];
}

/** Calls a state callback if the state sets it; returns pre_patch's result, 0 otherwise. */
function callStateCallback(k: Kernel, patch: PatchInstance, state: StateInstance, callback: CallbackName): number {
  const code = stateDef(k, patch, state)?.callbacks?.[callback];
  if (!code) return 0;
  const site: CodeSite = { kind: 'stateCallback', patch: patch.id, state: state.id, callback };
  // The call event comes before the callback's effects; pre_patch's result is filled in afterwards.
  const index = k.events.length;
  emit(k, { type: 'stateCallback', patch: patch.id, state: state.id, callback });
  const ret = runCode(k, code, { module: patch.module, site, patch: patch.id });
  if (callback !== 'pre_patch') return 0;
  k.events[index] = { type: 'stateCallback', patch: patch.id, state: state.id, callback, ret };
  return ret;
}

/** klp_shadow_free_all(state id, the holder's shadow_dtor), as the core runs it for an is_shadow state. */
function freeStateShadows(k: Kernel, patch: PatchInstance, state: StateInstance): void {
  const site: CodeSite = { kind: 'stateCallback', patch: patch.id, state: state.id, callback: STATE_SHADOW_FREE };
  const dtor = moduleDestructor(k, { module: patch.module, site, patch: patch.id }, stateDef(k, patch, state)?.shadowDtor);
  shadowFreeAll(k, state.id, dtor, site);
}

/**
 * klp_states_pre_patch(): a state no other listed patch has gets its
 * pre_patch. A non-zero result stops the walk and is returned, and that
 * state's pre_patch_succeeded stays clear. Every state before it, shared or
 * without a pre_patch included, gets pre_patch_succeeded.
 */
export function statesPrePatch(k: Kernel, patch: PatchInstance): number {
  for (const state of patch.states) {
    if (!isStateInOtherPatches(k.world, patch.id, state.id)) {
      const ret = callStateCallback(k, patch, state, 'pre_patch');
      if (ret !== 0) return ret;
    }
    state.prePatchSucceeded = true;
  }
  return 0;
}

/** klp_states_post_patch(): post_patch of every state no other listed patch has; no flag is checked. */
export function statesPostPatch(k: Kernel, patch: PatchInstance): void {
  for (const state of patch.states) {
    if (!isStateInOtherPatches(k.world, patch.id, state.id)) callStateCallback(k, patch, state, 'post_patch');
  }
}

/** klp_states_pre_unpatch(): pre_unpatch of every state no other listed patch has. */
export function statesPreUnpatch(k: Kernel, patch: PatchInstance): void {
  for (const state of patch.states) {
    if (!isStateInOtherPatches(k.world, patch.id, state.id)) callStateCallback(k, patch, state, 'pre_unpatch');
  }
}

/**
 * klp_states_post_unpatch(): for every state no other listed patch has and
 * whose pre_patch_succeeded is set, post_unpatch, then for an is_shadow state
 * klp_shadow_free_all with this patch's shadow_dtor, then the flag is
 * cleared. A shared state keeps its flag.
 */
export function statesPostUnpatch(k: Kernel, patch: PatchInstance): void {
  for (const state of patch.states) {
    if (isStateInOtherPatches(k.world, patch.id, state.id)) continue;
    if (!state.prePatchSucceeded) continue;
    callStateCallback(k, patch, state, 'post_unpatch');
    if (state.isShadow) freeStateShadows(k, patch, state);
    state.prePatchSucceeded = false;
  }
}

/** Returns every listed patch other than the replace patch, in list order: the patches the replace helpers walk. */
function otherListedPatches(k: Kernel, replace: PatchId): PatchInstance[] {
  return k.world.klpPatches.filter((id) => id !== replace).map((id) => patchOf(k, id));
}

/**
 * klp_states_pre_unpatch_replaced(): pre_unpatch of every other listed patch,
 * then the static flag klp_states_pre_unpatch_replaced_called is set. It WARNs
 * when the flag is already set.
 */
export function statesPreUnpatchReplaced(k: Kernel, replace: PatchInstance): void {
  if (k.world.preUnpatchReplacedCalled) emit(k, { type: 'warning', site: 'klp_states_pre_unpatch_replaced' });
  for (const other of otherListedPatches(k, replace.id)) statesPreUnpatch(k, other);
  k.world.preUnpatchReplacedCalled = true;
}

/** klp_states_post_unpatch_replaced(): post_unpatch (and shadow frees) of every other listed patch; clears the flag. */
export function statesPostUnpatchReplaced(k: Kernel, replace: PatchInstance): void {
  for (const other of otherListedPatches(k, replace.id)) statesPostUnpatch(k, other);
  k.world.preUnpatchReplacedCalled = false;
}

/**
 * klp_states_post_patch_replaced(): only when the flag shows that the other
 * patches' pre_unpatch ran, post_patch of every other listed patch undoes it;
 * then the flag is cleared.
 */
export function statesPostPatchReplaced(k: Kernel, replace: PatchInstance): void {
  if (!k.world.preUnpatchReplacedCalled) return;
  for (const other of otherListedPatches(k, replace.id)) statesPostPatch(k, other);
  k.world.preUnpatchReplacedCalled = false;
}
