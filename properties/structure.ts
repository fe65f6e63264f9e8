/**
 * structure: invariants of the core's own bookkeeping that hold after every
 * step, whatever the patches do.
 * - G1: the transition patch, if any, is listed. There is at most one, and the
 *   list contains each patch once: exactly the patches in phase 'listed'.
 * - G3: klp_patches is in enable order, because klp_init_patch appends at the tail.
 * - A forced patch never gives back its module reference, so its livepatch
 *   module is never removed.
 * - G6: a patch that left klp_patches never returns to it. Applying it again
 *   takes a new load of its module, which makes a new patch instance.
 * - G8: the shadow table holds at most one entry per (obj, id).
 */
import type { PatchId } from '../model/ids.ts';
import type { TraceStep } from '../model/trace.ts';
import type { World } from '../model/world.ts';
import { involvedSteps, patchLabel, shadowKey, shadowLabel } from './describe.ts';
import type { Property, Violation } from './property.ts';

export interface StructureHistory {
  /** Step at which each patch instance left klp_patches. */
  readonly leftAt: Readonly<Record<string, number>>;
  /** Step at which each patch instance was marked forced. */
  readonly forcedAt: Readonly<Record<string, number>>;
}

function violation(explanation: string, ...steps: (number | undefined)[]): Violation {
  return { explanation, steps: involvedSteps(...steps) };
}

function checkTransitionListed(step: TraceStep): Violation | undefined {
  const transition = step.after.transition;
  if (!transition) return undefined;
  const patch = step.after.patches[transition.patch];
  if (step.after.klpPatches.includes(transition.patch) && patch?.phase === 'listed') return undefined;
  return violation(
    `G1: the transition patch ${patchLabel(step.after, transition.patch)} is not on klp_patches`,
    step.index,
  );
}

function checkListMatchesPhases(step: TraceStep): Violation | undefined {
  const world = step.after;
  const seen = new Set<string>();
  for (const id of world.klpPatches) {
    if (seen.has(id)) return violation(`${patchLabel(world, id)} is on klp_patches twice`, step.index);
    seen.add(id);
    const phase = world.patches[id]?.phase;
    if (phase !== 'listed') {
      return violation(`${patchLabel(world, id)} is on klp_patches in phase ${phase ?? 'unknown'}`, step.index);
    }
  }
  for (const patch of Object.values(world.patches)) {
    if (patch.phase === 'listed' && !seen.has(patch.id)) {
      return violation(`${patchLabel(world, patch.id)} is in phase listed but not on klp_patches`, step.index);
    }
  }
  return undefined;
}

function checkEnableOrder(step: TraceStep): Violation | undefined {
  const world = step.after;
  for (let i = 1; i < world.klpPatches.length; i++) {
    const older = world.patches[world.klpPatches[i - 1] as PatchId];
    const newer = world.patches[world.klpPatches[i] as PatchId];
    if (!older || !newer || older.enableOrder < newer.enableOrder) continue;
    return violation(
      `G3: klp_patches lists ${patchLabel(world, newer.id)} (enable order ${newer.enableOrder}) after ` +
        `${patchLabel(world, older.id)} (enable order ${older.enableOrder}), against the enable order`,
      step.index,
    );
  }
  return undefined;
}

function checkForcedModuleKept(step: TraceStep, history: StructureHistory): Violation | undefined {
  for (const event of step.events) {
    if (event.type !== 'module' || event.op !== 'removed') continue;
    const module = step.before.modules[event.module];
    const patch = module?.patch ? step.before.patches[module.patch] : undefined;
    if (!patch?.forced) continue;
    return violation(
      `livepatch module ${event.module} was removed although its patch ${patchLabel(step.before, patch.id)} ` +
        'is forced and never gives back its module reference',
      history.forcedAt[patch.id],
      step.index,
    );
  }
  return undefined;
}

function checkNoReturnToList(step: TraceStep, history: StructureHistory): Violation | undefined {
  for (const id of step.after.klpPatches) {
    const leftAt = history.leftAt[id];
    const before = step.before.patches[id];
    const returned = leftAt !== undefined || (before !== undefined && before.phase !== 'listed');
    if (!returned) continue;
    return violation(
      `G6: ${patchLabel(step.after, id)} is back on klp_patches after it left it` +
        `${leftAt === undefined ? ` (phase ${before?.phase})` : ` at step ${leftAt}`}`,
      leftAt,
      step.index,
    );
  }
  return undefined;
}

function checkShadowsUnique(step: TraceStep): Violation | undefined {
  const seen = new Set<string>();
  for (const entry of step.after.shadows) {
    const key = shadowKey(entry.obj, entry.id);
    if (seen.has(key)) {
      return violation(`G8: the shadow table holds ${shadowLabel(entry.obj, entry.id)} more than once`, step.index);
    }
    seen.add(key);
  }
  return undefined;
}

function updateHistory(history: StructureHistory, before: Readonly<World>, after: Readonly<World>, index: number): StructureHistory {
  const leftAt = { ...history.leftAt };
  const forcedAt = { ...history.forcedAt };
  for (const id of before.klpPatches) {
    if (!after.klpPatches.includes(id)) leftAt[id] = index;
  }
  for (const patch of Object.values(after.patches)) {
    if (patch.forced && !before.patches[patch.id]?.forced) forcedAt[patch.id] = index;
  }
  return { leftAt, forcedAt };
}

export const structure: Property<StructureHistory> = {
  name: 'structure',
  title: 'The patch list, the transition and the shadow table stay well-formed',
  rule:
    'The transition patch is listed, klp_patches holds each listed patch once in enable order, a patch never ' +
    'returns to klp_patches, a forced patch\'s module is never removed, and each (obj, id) has at most one shadow variable.',
  appliesTo: () => true,
  init: () => ({ leftAt: {}, forcedAt: {} }),
  fingerprint: (state) => Object.keys(state.leftAt).sort(),
  check(state, step) {
    const found =
      checkTransitionListed(step) ??
      checkListMatchesPhases(step) ??
      checkEnableOrder(step) ??
      checkForcedModuleKept(step, state) ??
      checkNoReturnToList(step, state) ??
      checkShadowsUnique(step);
    if (found) return { state, violation: found };
    return { state: updateHistory(state, step.before, step.after, step.index) };
  },
};
