/**
 * p10-id-hygiene (redesign): a klp_state id names one thing. The kernel checks
 * none of this, but the gating rule and the shadow frees rely on it.
 * - One patch lists an id at most once in its states[] (v2 of the series is
 *   to WARN about it).
 * - Patches that carry the same id at the same time agree on is_shadow, the
 *   shadow destructor and the callbacks. Otherwise the callbacks and the free
 *   that run depend on which carrier happens to be the last. block_disable may
 *   differ, because a replace patch may lift the block by carrying the id
 *   without it.
 * - A patch's code touches only shadow ids it declares as is_shadow states,
 *   so that the state lifecycle covers every shadow variable it uses. This
 *   rule is inferred: the v1 series leaves open whether a shadow variable may
 *   exist without a registered state of its id.
 */
import lodash from 'lodash';
import type { Code } from '../../model/code.ts';
import { shadowIdsUsed } from '../../model/code.ts';
import type { PatchModuleDef, PatchSet, StateDef } from '../../model/definition.ts';
import { findModule } from '../../model/definition.ts';
import type { TraceStep } from '../../model/trace.ts';
import type { PatchInstance, World } from '../../model/world.ts';
import { involvedSteps, patchLabel } from '../describe.ts';
import type { Property, Violation } from '../property.ts';
import { newPatchInstances, stateDefOf, stateLabel } from './klp-states.ts';

function violation(explanation: string, step: TraceStep): Violation {
  return { explanation, steps: involvedSteps(step.index) };
}

function livepatchDef(set: PatchSet, patch: Readonly<PatchInstance>): PatchModuleDef | undefined {
  const def = findModule(set, patch.module);
  return def?.kind === 'livepatch' ? def : undefined;
}

function checkDuplicates(step: TraceStep, patch: Readonly<PatchInstance>): Violation | undefined {
  const seen = new Set<number>();
  for (const state of patch.states) {
    if (seen.has(state.id)) {
      return violation(`duplicate klp_state id: ${patchLabel(step.after, patch.id)} lists ${stateLabel(state.id)} twice in states[]`, step);
    }
    seen.add(state.id);
  }
  return undefined;
}

/** Returns the code of the shadow destructor a StateDef names, or null when it names none. */
function destructorOf(def: PatchModuleDef | undefined, state: StateDef | undefined): Code | null {
  const name = state?.shadowDtor;
  if (name === undefined) return null;
  return def?.dtors?.[name]?.body ?? [];
}

/** Names the first field in which two carriers' entries for one id differ, or returns undefined when they agree. */
function difference(
  set: PatchSet,
  worlds: readonly Readonly<World>[],
  a: Readonly<PatchInstance>,
  b: Readonly<PatchInstance>,
  id: number,
): string | undefined {
  const isShadowA = a.states.find((state) => state.id === id)?.isShadow;
  const isShadowB = b.states.find((state) => state.id === id)?.isShadow;
  if (isShadowA !== isShadowB) return `is_shadow (${isShadowA} against ${isShadowB})`;

  const defA = stateDefOf(set, worlds, a.id, id);
  const defB = stateDefOf(set, worlds, b.id, id);
  if (!lodash.isEqual(destructorOf(livepatchDef(set, a), defA), destructorOf(livepatchDef(set, b), defB))) return 'shadow_dtor';
  for (const callback of ['pre_patch', 'post_patch', 'pre_unpatch', 'post_unpatch'] as const) {
    if (!lodash.isEqual(defA?.callbacks?.[callback], defB?.callbacks?.[callback])) return callback;
  }
  return undefined;
}

function checkAgreement(step: TraceStep, set: PatchSet, patch: Readonly<PatchInstance>): Violation | undefined {
  const worlds = [step.after, step.before];
  for (const other of step.before.klpPatches) {
    const instance = step.before.patches[other];
    if (!instance || other === patch.id) continue;
    for (const id of new Set(patch.states.map((state) => state.id))) {
      if (!instance.states.some((state) => state.id === id)) continue;
      const field = difference(set, worlds, patch, instance, id);
      if (field === undefined) continue;
      return violation(
        `one klp_state id, two meanings: ${patchLabel(step.after, patch.id)} and the listed ` +
          `${patchLabel(step.after, other)} both carry ${stateLabel(id)} but differ in ${field}`,
        step,
      );
    }
  }
  return undefined;
}

/** Collects the code a livepatch module can run under the redesign: patched functions, its states' callbacks, exit, constructors and destructors. */
function moduleCode(def: PatchModuleDef, states: readonly StateDef[]): Code[] {
  const code: (Code | undefined)[] = [];
  for (const object of def.objects) for (const func of object.funcs) code.push(func.body);
  for (const state of states) code.push(...Object.values(state.callbacks ?? {}));
  code.push(def.exit);
  for (const ctor of Object.values(def.ctors ?? {})) code.push(ctor.body);
  for (const dtor of Object.values(def.dtors ?? {})) code.push(dtor.body);
  return code.filter((piece): piece is Code => piece !== undefined);
}

function checkShadowIds(step: TraceStep, set: PatchSet, patch: Readonly<PatchInstance>): Violation | undefined {
  const def = livepatchDef(set, patch);
  if (!def) return undefined;
  const worlds = [step.after, step.before];
  const states = patch.states.flatMap((state) => stateDefOf(set, worlds, patch.id, state.id) ?? []);
  const owned = new Set(patch.states.filter((state) => state.isShadow).map((state) => state.id));
  const used = new Set<number>();
  for (const piece of moduleCode(def, states)) for (const id of shadowIdsUsed(piece)) used.add(id);
  const stray = [...used].filter((id) => !owned.has(id)).sort((a, b) => a - b);
  if (stray.length === 0) return undefined;
  const declared = owned.size === 0 ? 'no is_shadow state' : `is_shadow states ${[...owned].sort((a, b) => a - b).join(', ')}`;
  return violation(
    `shadow id without an owning state: the code of ${patchLabel(step.after, patch.id)} uses shadow id ` +
      `${stray.join(', ')}, but the patch declares ${declared}`,
    step,
  );
}

export const idHygiene: Property<null> = {
  name: 'p10-id-hygiene',
  title: 'A klp_state id means one thing across patches',
  rule:
    'Whenever a patch instance is created: its states[] lists no id twice; each id it shares with a listed patch ' +
    'has the same is_shadow, shadow destructor code and callbacks there (block_disable may differ); and its code ' +
    '(patched functions, state callbacks, module exit, shadow constructors and destructors) touches only shadow ids ' +
    'of its own is_shadow states. The last part is inferred; the v1 series does not require it.',
  appliesTo: (model) => (model === 'redesign' ? true : 'the current API ties no shadow id to a klp_state and has no state callbacks'),
  init: () => null,
  check(state, step, context) {
    for (const patch of newPatchInstances(step)) {
      const found =
        checkDuplicates(step, patch) ?? checkAgreement(step, context.set, patch) ?? checkShadowIds(step, context.set, patch);
      if (found) return { state, violation: found };
    }
    return { state };
  },
};
