/**
 * The redesign catalogue: the selftest modules of Petr Mladek's v1 series
 * (15 Jan 2025) as patch sets for the redesign model. Modules that the series
 * leaves unchanged are shared with the current catalogue.
 */
import type { PatchSet } from '../definition.ts';
import { REDESIGN_SELFTEST_LIVEPATCH } from './livepatch.ts';
import { REDESIGN_SELFTEST_SPEAKER } from './speaker.ts';
import { REDESIGN_SELFTEST_STATE } from './state.ts';

export const REDESIGN_CATALOGUE: readonly PatchSet[] = [
  REDESIGN_SELFTEST_STATE,
  REDESIGN_SELFTEST_SPEAKER,
  REDESIGN_SELFTEST_LIVEPATCH,
];

/** Returns the redesign catalogue patch set with this name, or undefined if there is none. */
export function redesignCatalogueSet(name: string): PatchSet | undefined {
  return REDESIGN_CATALOGUE.find((set) => set.name === name);
}
