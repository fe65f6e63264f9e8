/**
 * p12-refcount-balance (redesign): the reference-count pair. A patch adds a
 * get B and a put B' of a reference. Enabling the patch between B and B' must
 * not cause an extra put, and disabling it between them must not leak the
 * get. The proposed solution is an is_shadow state whose
 * shadow variables mark the objects that took a reference, and whose remove
 * callbacks drop the marked references.
 *
 * The encoding is inferred; no source states it. A system variable whose name
 * ends in "refcount" counts references, and its boot value is the number of
 * references the system holds itself. An extra put takes it below the boot
 * value. A leaked get leaves it above the boot value after every patch that
 * could still drop the reference is gone. That is, no listed patch carries
 * the klp_state the change was made under, or the changing patch left
 * klp_patches when the change was made outside any state.
 */
import type { PatchId } from '../../model/ids.ts';
import type { TraceStep } from '../../model/trace.ts';
import type { SystemVariable, World } from '../../model/world.ts';
import { involvedSteps, patchLabel } from '../describe.ts';
import type { Property, Violation } from '../property.ts';
import { listedCarriers, stateLabel } from './klp-states.ts';

/** Marks a system variable as a reference count. */
export const REFCOUNT_SUFFIX = 'refcount';

export function isRefcount(name: string): boolean {
  return name.endsWith(REFCOUNT_SUFFIX);
}

/** The patch and klp_state that last moved a reference count away from its boot value. */
export interface RefcountOwner {
  readonly patch: PatchId;
  /** The klp_state id the change was made under, or null outside any state. */
  readonly state: number | null;
}

export interface RefcountState {
  /** The last owner of each reference count that is away from its boot value, by variable name. */
  readonly owners: Readonly<Record<string, RefcountOwner>>;
  /** Step of the last change of each reference count. */
  readonly changedAt: Readonly<Record<string, number>>;
}

/** Tells whether a patch that can still drop the reference exists: a listed carrier of the state, or the changing patch itself. */
function dropperListed(world: Readonly<World>, owner: RefcountOwner): boolean {
  if (owner.state === null) return world.klpPatches.includes(owner.patch);
  return listedCarriers(world, owner.state).length > 0;
}

function describeOwner(world: Readonly<World>, owner: RefcountOwner): string {
  const patch = patchLabel(world, owner.patch);
  return owner.state === null ? `${patch} outside any klp_state` : `${patch} under ${stateLabel(owner.state)}`;
}

function checkVariable(
  step: TraceStep,
  name: string,
  variable: Readonly<SystemVariable>,
  owner: RefcountOwner | undefined,
  changedAt: number | undefined,
): Violation | undefined {
  const steps = involvedSteps(changedAt, step.index);
  const values = `${name} is ${variable.value}, boot value ${variable.original}`;
  if (variable.value < variable.original) {
    const by = owner ? `, last changed by ${describeOwner(step.after, owner)}` : '';
    return { explanation: `extra put: ${values}${by}: a reference was dropped that was never taken`, steps };
  }
  if (variable.value === variable.original || step.after.transition) return undefined;
  if (owner && dropperListed(step.after, owner)) return undefined;
  const by = owner ? `taken by ${describeOwner(step.after, owner)}` : 'taken with no recorded change';
  const reason = owner?.state === null ? 'that patch left klp_patches' : 'no listed patch carries the state';
  return {
    explanation: `leaked get: ${values}; the reference was ${by}, and ${reason}, so no patch can drop it any more`,
    steps,
  };
}

export const refcountBalance: Property<RefcountState> = {
  name: 'p12-refcount-balance',
  title: 'A reference taken under a klp_state is dropped once, and before the state goes',
  rule:
    'Inferred encoding of the reference-count pair: a system variable named *refcount never drops below its boot ' +
    'value, and whenever no transition is pending it is back at its boot value unless a patch that can still drop ' +
    'the reference is listed: a carrier of the klp_state the last change was made under, or, for a change outside ' +
    'any state, the changing patch.',
  appliesTo: (model) =>
    model === 'redesign'
      ? true
      : 'the encoding relies on the redesign\'s remove callbacks of the last carrier; the current API leaves such ' +
        'references to system-state-consistency',
  init: () => ({ owners: {}, changedAt: {} }),
  fingerprint: (state) => state.owners,
  check(state, step) {
    const owners: Record<string, RefcountOwner> = { ...state.owners };
    const changedAt: Record<string, number> = { ...state.changedAt };
    for (const event of step.events) {
      if (event.type === 'variable' && isRefcount(event.name)) changedAt[event.name] = step.index;
    }
    for (const [name, variable] of Object.entries(step.after.systemVariables)) {
      if (!isRefcount(name)) continue;
      const change = variable.changedBy;
      if (variable.value === variable.original) delete owners[name];
      else if (change) owners[name] = { patch: change.patch, state: change.id };
    }
    const next = { owners, changedAt };

    for (const [name, variable] of Object.entries(step.after.systemVariables)) {
      if (!isRefcount(name)) continue;
      const found = checkVariable(step, name, variable, owners[name], changedAt[name]);
      if (found) return { state: next, violation: found };
    }
    return { state: next };
  },
};
