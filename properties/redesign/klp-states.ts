/**
 * Queries over the klp_state entries of the redesign that several of its
 * properties share: which listed patches carry a state id, which StateDef
 * lies behind a patch's entry, and the state callback and shadow free events
 * of a step.
 */
import type { CallbackName, PatchSet, StateDef } from '../../model/definition.ts';
import { findModule } from '../../model/definition.ts';
import type { CodeSite, KernelEvent } from '../../model/events.ts';
import type { PatchId } from '../../model/ids.ts';
import { STATE_SHADOW_FREE } from '../../model/redesign/states.ts';
import { CALLBACK_STATE_ID_BASE } from '../../model/translate.ts';
import type { TraceStep } from '../../model/trace.ts';
import type { PatchInstance, World } from '../../model/world.ts';
import { patchLabel } from '../describe.ts';

export type StateCallbackEvent = Extract<KernelEvent, { type: 'stateCallback' }>;
export type ShadowEvent = Extract<KernelEvent, { type: 'shadow' }>;
/** A shadow event made by the state lifecycle: its site is a state callback or the core's free. */
export type StateFreeEvent = ShadowEvent & { readonly site: Extract<CodeSite, { kind: 'stateCallback' }> };

/** Listed patches (on klp_patches) whose states[] has an entry with this id, in list order. */
export function listedCarriers(world: Readonly<World>, id: number): PatchId[] {
  return world.klpPatches.filter((patch) => world.patches[patch]?.states.some((state) => state.id === id));
}

/** Collects the listed carriers of every state id that some listed patch has, keyed by the id. */
export function carriersByState(world: Readonly<World>): Record<string, PatchId[]> {
  const carriers: Record<string, PatchId[]> = {};
  for (const patch of world.klpPatches) {
    for (const state of world.patches[patch]?.states ?? []) {
      const list = (carriers[String(state.id)] ??= []);
      if (!list.includes(patch)) list.push(patch);
    }
  }
  return carriers;
}

/** Finds a patch instance in the first of the worlds that still has it. */
export function patchIn(worlds: readonly Readonly<World>[], patch: PatchId): Readonly<PatchInstance> | undefined {
  for (const world of worlds) {
    const instance = world.patches[patch];
    if (instance) return instance;
  }
  return undefined;
}

/** Position of a state id in a patch's states[], or -1 when the patch has no such entry. */
export function stateIndex(patch: Readonly<PatchInstance> | undefined, id: number): number {
  return patch ? patch.states.findIndex((state) => state.id === id) : -1;
}

/**
 * Returns the StateDef behind a patch's klp_state entry: the first entry with
 * that id in the module's definition, as the redesign model matches them.
 * Module parameters cannot serve: init reads them once, and a later write
 * through sysfs changes the parameter but not the states[] init built.
 */
export function stateDefOf(
  set: PatchSet,
  worlds: readonly Readonly<World>[],
  patch: PatchId,
  id: number,
): StateDef | undefined {
  const instance = patchIn(worlds, patch);
  if (!instance) return undefined;
  const def = findModule(set, instance.module);
  return def?.kind === 'livepatch' ? def.states?.find((state) => state.id === id) : undefined;
}

/** Tells whether the StateDef behind a patch's entry sets a callback; undefined callbacks run silently. */
export function definesCallback(
  set: PatchSet,
  worlds: readonly Readonly<World>[],
  patch: PatchId,
  id: number,
  callback: CallbackName,
): boolean {
  return stateDefOf(set, worlds, patch, id)?.callbacks?.[callback] !== undefined;
}

export function stateCallbackEvents(events: readonly KernelEvent[]): StateCallbackEvent[] {
  return events.filter((event): event is StateCallbackEvent => event.type === 'stateCallback');
}

/**
 * Tells whether a shadow event is a free made by the redesign's state
 * lifecycle: inside a state callback, or the core's klp_shadow_free_all for
 * an is_shadow state.
 */
export function isStateFree(event: KernelEvent): event is StateFreeEvent {
  return event.type === 'shadow' && (event.op === 'free' || event.op === 'free_all') && event.site.kind === 'stateCallback';
}

/** Tells whether a shadow event is the core's klp_shadow_free_all (or one variable it freed) for an is_shadow state. */
export function isCoreStateFree(event: KernelEvent): event is StateFreeEvent {
  return isStateFree(event) && event.site.callback === STATE_SHADOW_FREE;
}

/** Patch instances that the step created: in the world after it and not before it. */
export function newPatchInstances(step: TraceStep): PatchInstance[] {
  return Object.values(step.after.patches).filter((patch) => !step.before.patches[patch.id]);
}

/**
 * Returns a note for explanations when a patch lists a state id more than
 * once, and an empty string otherwise. The core walks such an id once per entry.
 */
export function duplicateNote(patch: Readonly<PatchInstance> | undefined, id: number): string {
  const entries = patch?.states.filter((state) => state.id === id).length ?? 0;
  return entries > 1 ? ` (the patch lists ${stateLabel(id)} ${entries} times in states[])` : '';
}

/** Names a state id, and marks the ids that carry translated per-object callbacks. */
export function stateLabel(id: number): string {
  return id >= CALLBACK_STATE_ID_BASE ? `klp_state ${id} (translated per-object callbacks)` : `klp_state ${id}`;
}

/** Names a state callback of a patch, as in "pre_unpatch of klp_state 10 in lp". */
export function stateCallbackLabel(world: Readonly<World>, patch: PatchId, id: number, callback: string): string {
  return `${callback} of ${stateLabel(id)} in ${patchLabel(world, patch)}`;
}

/** Names the code that made a state-lifecycle free: the core's klp_shadow_free_all, or a state callback. */
export function stateFreeLabel(world: Readonly<World>, site: { patch: PatchId; state: number; callback: string }): string {
  if (site.callback === STATE_SHADOW_FREE) {
    return `the core's klp_shadow_free_all for ${stateLabel(site.state)} of ${patchLabel(world, site.patch)}`;
  }
  return stateCallbackLabel(world, site.patch, site.state, site.callback);
}

/** Lists patch names for explanations: "none", or the labels joined by commas. */
export function patchList(world: Readonly<World>, patches: readonly PatchId[]): string {
  return patches.length === 0 ? 'none' : patches.map((patch) => patchLabel(world, patch)).join(', ');
}
