/** Every property klpcheck can judge, by name. */
import { callbackPairing } from './callback-pairing.ts';
import type { Property } from './property.ts';
import { balancedIntroduceRemove } from './redesign/p1-balanced-introduce-remove.ts';
import { idHygiene } from './redesign/p10-id-hygiene.ts';
import { staticFlagHygiene } from './redesign/p11-static-flag-hygiene.ts';
import { refcountBalance } from './redesign/p12-refcount-balance.ts';
import { noOrphanedShadows } from './redesign/p2-no-orphaned-shadows.ts';
import { noUseAfterFree } from './redesign/p3-no-use-after-free.ts';
import { takeoverContinuity } from './redesign/p4-takeover-continuity.ts';
import { downgradeSafety } from './redesign/p5-downgrade-safety.ts';
import { blockDisableEnforcement } from './redesign/p6-block-disable-enforcement.ts';
import { revertCancelSymmetry } from './redesign/p7-revert-cancel-symmetry.ts';
import { prePatchFailure } from './redesign/p8-pre-patch-failure.ts';
import { stateOrdering } from './redesign/p9-ordering.ts';
import { refusalCleanup } from './refusal-cleanup.ts';
import { shadowLeak } from './shadow-leak.ts';
import { shadowPrematureFree } from './shadow-premature-free.ts';
import { stateDataLifetime } from './state-data-lifetime.ts';
import { structure } from './structure.ts';
import { systemStateConsistency } from './system-state-consistency.ts';

export const ALL_PROPERTIES: readonly Property[] = [
  callbackPairing,
  shadowLeak,
  shadowPrematureFree,
  systemStateConsistency,
  stateDataLifetime,
  structure,
  refusalCleanup,
  // The intended properties of the redesign; none applies to the current API.
  balancedIntroduceRemove,
  noOrphanedShadows,
  noUseAfterFree,
  takeoverContinuity,
  downgradeSafety,
  blockDisableEnforcement,
  revertCancelSymmetry,
  prePatchFailure,
  stateOrdering,
  idHygiene,
  staticFlagHygiene,
  refcountBalance,
];

/** Looks up a property by its kebab-case name; returns undefined for an unknown name. */
export function findProperty(name: string): Property | undefined {
  return ALL_PROPERTIES.find((property) => property.name === name);
}
