/**
 * system-state-consistency: a system change made by a livepatch must be
 * undone, or stay with a listed patch that declares it. In the current API a
 * patch declares a change by a klp_state with the change's id and a version at
 * least as high as the one the change was made under, which is how
 * klp_is_patch_compatible compares versions. A patch that replaces or outlives
 * the changing patch without such a state cannot restore the change when it is
 * disabled.
 *
 * The redesign has no versions: a patch declares a change by carrying a
 * klp_state with the change's id, and the last carrier's remove callbacks
 * undo it.
 */
import type { PatchId } from '../model/ids.ts';
import type { ModelName, TraceStep } from '../model/trace.ts';
import type { SystemVariable, World } from '../model/world.ts';
import { involvedSteps, patchLabel } from './describe.ts';
import type { Property, Violation } from './property.ts';

export interface SystemStateHistory {
  /** Step of the last change of each system variable, by name. */
  readonly changedAt: Readonly<Record<string, number>>;
}

/**
 * Finds a listed patch that declares klp_state `id`: with at least `version`
 * in the current API, with any entry of that id in the redesign.
 */
function handlerOf(model: ModelName, world: Readonly<World>, id: number, version: number): PatchId | undefined {
  return world.klpPatches.find((patchId) =>
    world.patches[patchId]?.states.some((state) => state.id === id && (model === 'redesign' || state.version >= version)),
  );
}

/**
 * Returns why a changed variable is unhandled, or undefined when it is handled:
 * - a change under klp_state (id, version) is handled while a listed patch
 *   declares state id with a version of at least that version (in the
 *   redesign, with any entry of that id);
 * - a change under no klp_state (id null) is handled only while the patch that
 *   made it is listed, because no other patch can claim it;
 * - a value away from the boot value with no recorded change is never handled.
 */
function unhandledReason(model: ModelName, world: Readonly<World>, variable: Readonly<SystemVariable>): string | undefined {
  const change = variable.changedBy;
  if (!change) return 'no change of it is recorded, so no patch can restore it';
  const maker = patchLabel(world, change.patch);
  if (change.id === null) {
    if (world.klpPatches.includes(change.patch)) return undefined;
    return `${maker} changed it outside any klp_state and has left klp_patches, so no patch can restore it`;
  }
  const version = change.version ?? 0;
  if (handlerOf(model, world, change.id, version) !== undefined) return undefined;
  if (model === 'redesign') return `${maker} changed it under klp_state ${change.id}, and no listed patch carries that state`;
  return (
    `${maker} changed it under klp_state ${change.id} version ${version}, and no listed patch declares ` +
    `state ${change.id} with version ${version} or higher`
  );
}

function checkVariables(model: ModelName, step: TraceStep, history: SystemStateHistory): Violation | undefined {
  for (const [name, variable] of Object.entries(step.after.systemVariables)) {
    if (variable.value === variable.original) continue;
    const reason = unhandledReason(model, step.after, variable);
    if (!reason) continue;
    const changedAt = history.changedAt[name];
    const at = changedAt === undefined ? '' : ` at step ${changedAt}`;
    return {
      explanation:
        `missing downgrade handling: ${name} is ${variable.value} (boot value ${variable.original}) since the ` +
        `change${at}; ${reason}`,
      steps: involvedSteps(changedAt, step.index),
    };
  }
  return undefined;
}

export const systemStateConsistency: Property<SystemStateHistory> = {
  name: 'system-state-consistency',
  title: 'Every system change stays with a patch that declares its state',
  rule:
    'Whenever no transition is pending, each system variable is at its boot value, or the klp_state id it was ' +
    'changed under is declared by a listed patch with at least the same version, or in the redesign, which has no ' +
    'versions, with any entry of that id (a change made under no klp_state needs the changing patch itself to be ' +
    'listed).',
  appliesTo: () => true,
  init: () => ({ changedAt: {} }),
  // The verdict depends on the world alone; the history only dates the steps in explanations.
  fingerprint: () => null,
  check(state, step, context) {
    const changedAt = { ...state.changedAt };
    for (const event of step.events) {
      if (event.type === 'variable') changedAt[event.name] = step.index;
    }
    const history = { changedAt };
    if (step.after.transition) return { state: history };
    const violation = checkVariables(context.model, step, history);
    return violation ? { state: history, violation } : { state: history };
  },
};
