import { describe, expect, it } from 'vitest';
import { checkOperationNames, patchSetDecoder } from '../engine/decode-model.ts';
import { DecodeError } from '../engine/decode.ts';
import { CATALOGUE } from '../model/catalogue/index.ts';
import { REDESIGN_CATALOGUE } from '../model/redesign-catalogue/index.ts';
import { translatePatchSet } from '../model/translate.ts';
import type { PatchSet } from '../model/definition.ts';
import { moduleName } from '../model/ids.ts';

/** Every definition the project ships must survive a trip through a JSON file unchanged. */
const shipped: PatchSet[] = [
  ...CATALOGUE,
  ...REDESIGN_CATALOGUE,
  ...CATALOGUE.map((set) => translatePatchSet(set).set),
];

describe('patch set decoder', () => {
  for (const set of shipped) {
    it(`round-trips ${set.name}`, () => {
      const json = JSON.parse(JSON.stringify(set)) as unknown;
      expect(patchSetDecoder(json, '$.patchSet')).toEqual(json);
    });
  }
});

describe('operation names', () => {
  const set = CATALOGUE.find((s) => s.name === 'selftest-callbacks')!;

  it('accepts names the patch set defines', () => {
    expect(() =>
      checkOperationNames(set, [
        { type: 'insmod', module: 'test_klp_callbacks_demo' },
        { type: 'write_enabled', patch: 'test_klp_callbacks_demo', value: 0 },
        { type: 'call', object: moduleName('test_klp_callbacks_busy'), func: 'busymod_work_func', parent: 'p1' },
      ]),
    ).not.toThrow();
  });

  it('rejects a misspelt patch with a suggestion', () => {
    try {
      checkOperationNames(set, [{ type: 'write_enabled', patch: 'test_klp_callbacks_dem', value: 0 }]);
      expect.unreachable('a misspelt patch name must be rejected');
    } catch (caught) {
      expect(caught).toBeInstanceOf(DecodeError);
      expect(String((caught as Error).message)).toContain('$.operations[0].patch');
      expect(String((caught as Error).message)).toContain('test_klp_callbacks_demo');
    }
  });

  it('rejects an unknown function', () => {
    expect(() =>
      checkOperationNames(set, [{ type: 'call', object: null, func: 'no_such_function', parent: 'p1' }]),
    ).toThrow(DecodeError);
  });
});
