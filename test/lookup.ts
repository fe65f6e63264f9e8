/** Lookups by name that tests use, failing loudly when the name is missing. */
import { catalogueSet } from '../model/catalogue/index.ts';
import type { PatchSet } from '../model/definition.ts';
import { findProperty } from '../properties/index.ts';
import type { Property } from '../properties/property.ts';

export function catalogue(name: string): PatchSet {
  const set = catalogueSet(name);
  if (!set) throw new Error(`catalogue patch set ${name} is missing`);
  return set;
}

export function property(name: string): Property {
  const found = findProperty(name);
  if (!found) throw new Error(`property ${name} is missing`);
  return found;
}
