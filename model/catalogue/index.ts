/**
 * The built-in catalogue: the livepatch, target and test modules that ship with
 * mainline Linux, as patch sets of the current upstream API, one per family.
 */
import type { PatchSet } from '../definition.ts';
import { SAMPLE_CALLBACKS } from './sample-callbacks.ts';
import { SAMPLE_SHADOW } from './sample-shadow.ts';
import { SELFTEST_CALLBACKS } from './selftest-callbacks.ts';
import { SELFTEST_LIVEPATCH } from './selftest-livepatch.ts';
import { SELFTEST_SHADOW_VARS } from './selftest-shadow-vars.ts';
import { SELFTEST_STATE } from './selftest-state.ts';

export const CATALOGUE: readonly PatchSet[] = [
  SELFTEST_CALLBACKS,
  SELFTEST_STATE,
  SELFTEST_SHADOW_VARS,
  SELFTEST_LIVEPATCH,
  SAMPLE_CALLBACKS,
  SAMPLE_SHADOW,
];

/** Returns the catalogue patch set with this name, or undefined if there is none. */
export function catalogueSet(name: string): PatchSet | undefined {
  return CATALOGUE.find((set) => set.name === name);
}
