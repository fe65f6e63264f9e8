/**
 * Builders for the redesign's property tests: klp_state definitions with
 * callbacks, the events the redesign model emits (state callbacks, transition
 * messages, the core's shadow frees), world edits for hand-built traces, and
 * operation helpers for runs of the redesign model.
 */
import type { Code } from '../../model/code.ts';
import type { CallbackName, PatchSet, StateDef } from '../../model/definition.ts';
import type { KernelEvent } from '../../model/events.ts';
import type { PatchId } from '../../model/ids.ts';
import type { Operation } from '../../model/operations.ts';
import { redesignModel } from '../../model/redesign/index.ts';
import type { Trace } from '../../model/trace.ts';
import { runOperations } from '../../model/trace.ts';
import type { TransitionTarget, World } from '../../model/world.ts';
import type { Property, Verdict } from '../../properties/property.ts';
import { judge } from '../../properties/property.ts';

/** The STATE_SHADOW_FREE site name of the core's klp_shadow_free_all for an is_shadow state. */
const CORE_FREE = 'shadow_free_all';

/** A print line per callback, so that every callback is set and emits an event. */
export function printingCallbacks(id: number): Partial<Record<CallbackName, Code>> {
  return {
    pre_patch: [{ op: 'print', text: `pre_patch ${id}` }],
    post_patch: [{ op: 'print', text: `post_patch ${id}` }],
    pre_unpatch: [{ op: 'print', text: `pre_unpatch ${id}` }],
    post_unpatch: [{ op: 'print', text: `post_unpatch ${id}` }],
  };
}

/** Builds a redesign klp_state whose four callbacks print, unless `extra` gives other callbacks. */
export function state(id: number, extra: Partial<StateDef> = {}): StateDef {
  return { id, version: 0, callbacks: printingCallbacks(id), ...extra };
}

export function stateCallback(patch: PatchId, id: number, callback: CallbackName, ret?: number): KernelEvent {
  const event = { type: 'stateCallback', patch, state: id, callback } as const;
  if (ret !== undefined) return { ...event, ret };
  return callback === 'pre_patch' ? { ...event, ret: 0 } : event;
}

export function klpInit(patch: PatchId, target: TransitionTarget): KernelEvent {
  return { type: 'klp', msg: 'init', patch, dir: target === 'patched' ? 'patching' : 'unpatching' };
}

export function klpStart(patch: PatchId, target: TransitionTarget): KernelEvent {
  return { type: 'klp', msg: 'start', patch, dir: target === 'patched' ? 'patching' : 'unpatching' };
}

export function klpCompleting(patch: PatchId, target: TransitionTarget): KernelEvent {
  return { type: 'klp', msg: 'completing', patch, dir: target === 'patched' ? 'patching' : 'unpatching' };
}

export function klpComplete(patch: PatchId, target: TransitionTarget): KernelEvent {
  return { type: 'klp', msg: 'complete', patch, dir: target === 'patched' ? 'patching' : 'unpatching' };
}

/** Builds the events of the core's klp_shadow_free_all of an is_shadow state: one free per variable, then the call itself. */
export function coreFree(patch: PatchId, id: number, variables: readonly { obj: string; data: string }[]): KernelEvent[] {
  const site = { kind: 'stateCallback', patch, state: id, callback: CORE_FREE } as const;
  return [
    ...variables.map((v): KernelEvent => ({ type: 'shadow', op: 'free', obj: v.obj, id, data: v.data, site })),
    { type: 'shadow', op: 'free_all', obj: null, id, data: null, site },
  ];
}

/** Starts a transition of a patch in a world (in place). */
export function beginTransition(world: World, patch: PatchId, target: TransitionTarget): void {
  world.transition = { patch, target, allTasksSwitched: false };
}

/** Ends the transition and takes the given patches off klp_patches, as their free starts (in place). */
export function endTransition(world: World, unlisted: readonly PatchId[] = []): void {
  world.transition = null;
  for (const patch of unlisted) {
    world.klpPatches = world.klpPatches.filter((id) => id !== patch);
    const instance = world.patches[patch];
    if (instance) {
      instance.phase = 'freeing';
      instance.enabled = false;
    }
  }
}

// Operations as the selftest helpers perform them.

export const work: Operation = { type: 'transition_work' };

export function insmod(module: string, params?: Record<string, number>): Operation {
  return params ? { type: 'insmod', module, params } : { type: 'insmod', module };
}

export function rmmod(module: string): Operation {
  return { type: 'rmmod', module };
}

export function disable(patch: string): Operation {
  return { type: 'write_enabled', patch, value: 0 };
}

export function enable(patch: string): Operation {
  return { type: 'write_enabled', patch, value: 1 };
}

export function freeWork(patch: string): Operation {
  return { type: 'free_work', patch };
}

/** load_lp: insmod, then wait for the transition. */
export function loadLp(module: string, params?: Record<string, number>): Operation[] {
  return [insmod(module, params), work];
}

/** disable_lp: write 0, then wait for the transition and the free work. */
export function disableLp(patch: string): Operation[] {
  return [disable(patch), work, freeWork(patch)];
}

export function runRedesign(set: PatchSet | undefined, ops: readonly Operation[]): Trace {
  if (!set) throw new Error('patch set not found');
  return runOperations(redesignModel, set, ops);
}

/** Returns the verdict's explanation and checks that it is a violation at `step`, the last involved step. */
export function expectViolationAt<S>(property: Property<S>, trace: Trace, step: number): string {
  const verdict: Verdict = judge(property, trace);
  if (verdict.status !== 'violated') throw new Error(`${property.name} holds, expected a violation at step ${step}`);
  if (verdict.step !== step) {
    throw new Error(`${property.name} is violated at step ${verdict.step}, expected ${step}: ${verdict.violation.explanation}`);
  }
  if (verdict.violation.steps.at(-1) !== step) throw new Error(`the last involved step is not ${step}`);
  return verdict.violation.explanation;
}
