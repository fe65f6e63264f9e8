/** Every property klpcheck can judge, by name. */
import { callbackPairing } from './callback-pairing.ts';
import type { Property } from './property.ts';
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
];

/** Looks up a property by its kebab-case name; returns undefined for an unknown name. */
export function findProperty(name: string): Property | undefined {
  return ALL_PROPERTIES.find((property) => property.name === name);
}
