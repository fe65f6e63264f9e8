/**
 * p6-block-disable-enforcement (redesign): block_disable makes a klp_state
 * permanent until a patch that carries the same id replaces its holder. A patch
 * with any block_disable state cannot be disabled through sysfs (nor its enable
 * reverted, since enabled_store checks the flag first), and a replace patch
 * that lacks such a state is refused as incompatible. A replace patch that
 * carries the id is accepted whatever its own block_disable is, and a
 * non-replace patch is never refused for compatibility.
 */
import { findModule } from '../../model/definition.ts';
import type { PatchId } from '../../model/ids.ts';
import { declaredStates, moduleParams, replaceFlag } from '../../model/klp/patch.ts';
import type { TraceStep } from '../../model/trace.ts';
import type { World } from '../../model/world.ts';
import { patchWithSysfsDir } from '../../model/world.ts';
import { involvedSteps, patchLabel } from '../describe.ts';
import type { Property, PropertyContext, Violation } from '../property.ts';
import { listedCarriers, newPatchInstances, patchList, stateLabel } from './klp-states.ts';

/** Collects the block_disable states of listed patches: each id with the patches that carry it with the flag. */
function blockingStates(world: Readonly<World>): Map<number, PatchId[]> {
  const blocking = new Map<number, PatchId[]>();
  for (const patch of world.klpPatches) {
    for (const state of world.patches[patch]?.states ?? []) {
      if (!state.blockDisable) continue;
      const list = blocking.get(state.id) ?? [];
      if (!list.includes(patch)) list.push(patch);
      blocking.set(state.id, list);
    }
  }
  return blocking;
}

function violation(explanation: string, step: TraceStep): Violation {
  return { explanation, steps: involvedSteps(step.index) };
}

/** Checks that a write of 0 to `enabled` of an enabled patch with a block_disable state leaves it enabled. */
function checkSysfsDisable(step: TraceStep): Violation | undefined {
  const op = step.op;
  if (op.type !== 'write_enabled' || op.value !== 0) return undefined;
  const patch = patchWithSysfsDir(step.before, op.patch);
  if (!patch?.enabled) return undefined;
  const blocking = patch.states.find((state) => state.blockDisable);
  if (!blocking || step.after.patches[patch.id]?.enabled === true) return undefined;
  return violation(
    `block_disable ignored: echo 0 > enabled disabled ${patchLabel(step.after, patch.id)}, which carries ` +
      `${stateLabel(blocking.id)} with block_disable`,
    step,
  );
}

/** Checks that no replace patch lacking a block_disable id of a listed patch got past the compatibility check. */
function checkAcceptedReplace(step: TraceStep): Violation | undefined {
  const blocking = blockingStates(step.before);
  for (const patch of newPatchInstances(step)) {
    if (!patch.replace) continue;
    for (const [id, holders] of blocking) {
      if (patch.states.some((state) => state.id === id)) continue;
      return violation(
        `block_disable ignored: replace patch ${patchLabel(step.after, patch.id)} lacks ${stateLabel(id)}, which ` +
          `${patchList(step.after, holders)} carries with block_disable, yet it passed the compatibility check`,
        step,
      );
    }
  }
  return undefined;
}

/** Checks that a listed patch with a block_disable state leaves klp_patches only while another listed patch carries that id. */
function checkRemoval(step: TraceStep): Violation | undefined {
  for (const [id, holders] of blockingStates(step.before)) {
    const gone = holders.filter((holder) => !step.after.klpPatches.includes(holder));
    if (gone.length === 0 || listedCarriers(step.after, id).length > 0) continue;
    return violation(
      `block_disable state removed: ${patchList(step.after, gone)} left klp_patches and no listed patch carries ` +
        `${stateLabel(id)} any more, although it was carried with block_disable`,
      step,
    );
  }
  return undefined;
}

/** Checks that an incompatibility refusal concerns only a replace patch that lacks a block_disable id of a listed patch. */
function checkRefusal(step: TraceStep, context: PropertyContext): Violation | undefined {
  const op = step.op;
  if (op.type !== 'insmod') return undefined;
  if (!step.events.some((event) => event.type === 'klp' && event.msg === 'incompatible')) return undefined;
  const def = findModule(context.set, op.module);
  if (def?.kind !== 'livepatch') return undefined;
  const params = moduleParams(def, op.params);
  if (!replaceFlag(def, params)) {
    return violation(`non-replace patch ${op.module} was refused as incompatible, but only a replace patch can be`, step);
  }
  const carried = new Set(declaredStates(def, params).map((state) => state.id));
  const lacking = [...blockingStates(step.before).keys()].filter((id) => !carried.has(id));
  if (lacking.length > 0) return undefined;
  return violation(
    `replace patch ${op.module} was refused as incompatible, although it carries every block_disable state of the ` +
      'listed patches',
    step,
  );
}

export const blockDisableEnforcement: Property<null> = {
  name: 'p6-block-disable-enforcement',
  title: 'block_disable keeps a klp_state until a patch carrying it takes over',
  rule:
    'A write of 0 to enabled never disables a patch with a block_disable klp_state; no replace patch that lacks the ' +
    'id of a listed patch\'s block_disable state passes the compatibility check; a listed patch with a ' +
    'block_disable state leaves klp_patches only while another listed patch carries the id; and an incompatibility ' +
    'refusal hits only a replace patch that lacks such an id.',
  appliesTo: (model) => (model === 'redesign' ? true : 'the current API has no block_disable flag'),
  init: () => null,
  check(state, step, context) {
    const found = checkSysfsDisable(step) ?? checkAcceptedReplace(step) ?? checkRemoval(step) ?? checkRefusal(step, context);
    return found ? { state, violation: found } : { state };
  },
};
