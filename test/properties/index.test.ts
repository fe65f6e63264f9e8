import { describe, expect, it } from 'vitest';
import { MODEL_NAMES } from '../../model/trace.ts';
import { ALL_PROPERTIES, findProperty } from '../../properties/index.ts';

describe('property index', () => {
  it('has unique kebab-case names', () => {
    const names = ALL_PROPERTIES.map((property) => property.name);
    expect(new Set(names).size).toBe(names.length);
    for (const name of names) expect(name).toMatch(/^[a-z][a-z0-9]*(-[a-z0-9]+)*$/);
  });

  it('finds every property by name', () => {
    for (const property of ALL_PROPERTIES) expect(findProperty(property.name)).toBe(property);
    expect(findProperty('no-such-property')).toBeUndefined();
  });

  it('applies every property to some model', () => {
    for (const property of ALL_PROPERTIES) {
      expect(MODEL_NAMES.some((model) => property.appliesTo(model) === true), property.name).toBe(true);
    }
  });

  it('gives a reason wherever a property does not apply', () => {
    for (const property of ALL_PROPERTIES) {
      for (const model of MODEL_NAMES) {
        const applies = property.appliesTo(model);
        if (applies !== true) expect(applies.length).toBeGreaterThan(10);
      }
    }
  });

  it('documents each property', () => {
    for (const property of ALL_PROPERTIES) {
      expect(property.title.length).toBeGreaterThan(0);
      expect(property.rule).toMatch(/\.$/);
    }
  });
});
