import { describe, expect, it } from 'vitest';
import { checkOperationNames, patchSetDecoder } from '../engine/decode-model.ts';
import { DecodeError } from '../engine/decode.ts';
import { InputFileError, parseInputFile } from '../engine/counterexample.ts';
import { ALL_PROPERTIES } from '../properties/index.ts';
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
        { type: 'call', object: moduleName('test_klp_callbacks_busy'), func: 'busymod_work_func', parent: 'test_klp_callbacks_busy_obj1' },
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
      checkOperationNames(set, [{ type: 'call', object: null, func: 'no_such_function', parent: 'vm_obj1' }]),
    ).toThrow(DecodeError);
  });
});

// Scenario files with typos: each must be rejected with the file, the JSON path, the value and a fix.

const parseContext = { propertyNames: ALL_PROPERTIES.map((p) => p.name), catalogue: CATALOGUE };

/** A patch set with one livepatch of a vmlinux and a module function, and a target module with a bool parameter. */
function demoSet(): Record<string, unknown> {
  return {
    name: 'demo',
    modules: [
      {
        kind: 'livepatch',
        name: 'demo_fix',
        replace: false,
        params: [{ name: 'pre_patch_ret', type: 'int', default: 0, writable: false }],
        objects: [
          { name: null, funcs: [{ oldName: 'demo_alloc' }] },
          { name: 'demo_mod', funcs: [{ oldName: 'demo_mod_use' }] },
        ],
        practice: 'no-state',
        source: 'test',
      },
      {
        kind: 'target',
        name: 'demo_mod',
        params: [{ name: 'verbose', type: 'bool', default: 0, writable: true }],
        functions: [{ name: 'demo_mod_use', role: 'use' }],
        source: 'test',
      },
    ],
    vmlinuxFunctions: [
      { name: 'demo_alloc', role: 'create' },
      { name: 'demo_free', role: 'release' },
    ],
    systemVariables: {},
  };
}

type DemoSet = { modules: { objects?: { name: unknown; funcs: { oldName: string }[] }[] }[] };

function demoScenario(operations: unknown[], editSet: (set: DemoSet) => void = () => {}): string {
  const patchSet = demoSet();
  editSet(patchSet as unknown as DemoSet);
  return JSON.stringify({ format: 'klpcheck-scenario', version: 1, model: 'current', patchSet, operations });
}

function parseError(text: string): string {
  try {
    parseInputFile(text, 'typo.json', parseContext);
  } catch (error) {
    if (error instanceof InputFileError) return error.message;
    throw error;
  }
  throw new Error('the scenario parsed without error');
}

describe('insmod parameters', () => {
  it('rejects a misspelt parameter', () => {
    const message = parseError(demoScenario([{ type: 'insmod', module: 'demo_fix', params: { pre_patch_rett: -19 } }]));
    expect(message).toContain('typo.json: $.operations[0].params.pre_patch_rett: expected the name of a parameter of demo_fix');
    expect(message).toContain('found "pre_patch_rett"');
    expect(message).toContain('Did you mean "pre_patch_ret"?');
  });

  it('rejects a parameter of a module without parameters', () => {
    const set = CATALOGUE.find((s) => s.name === 'selftest-state')!;
    const text = JSON.stringify({
      format: 'klpcheck-scenario',
      version: 1,
      model: 'current',
      patchSet: set.name,
      operations: [{ type: 'insmod', module: 'test_klp_state', params: { nope: 1 } }],
    });
    const message = parseError(text);
    expect(message).toContain('$.operations[0].params.nope: expected a parameter of test_klp_state, but the patch set has none');
    expect(message).toContain('found "nope"');
    expect(message).toContain('Add the parameter of test_klp_state to the patch set or correct the name.');
  });

  it('rejects a bool value other than 0 or 1', () => {
    const message = parseError(demoScenario([{ type: 'insmod', module: 'demo_mod', params: { verbose: 2 } }]));
    expect(message).toContain('$.operations[0].params.verbose: expected 0 or 1, because verbose is a bool parameter of demo_mod');
    expect(message).toContain('found 2');
    expect(message).toContain('Use 0 for false or 1 for true.');
  });

  it('rejects a bool write other than 0 or 1', () => {
    const message = parseError(demoScenario([{ type: 'write_param', module: 'demo_mod', param: 'verbose', value: -1 }]));
    expect(message).toContain('$.operations[0].value: expected 0 or 1, because verbose is a bool parameter of demo_mod');
    expect(message).toContain('found -1');
  });

  it('accepts defined parameters', () => {
    const text = demoScenario([
      { type: 'insmod', module: 'demo_mod', params: { verbose: 1 } },
      { type: 'insmod', module: 'demo_fix', params: { pre_patch_ret: -19 } },
    ]);
    expect(parseInputFile(text, 'ok.json', parseContext).kind).toBe('scenario');
  });
});

describe('patched function names', () => {
  it('rejects a misspelt vmlinux function', () => {
    const message = parseError(demoScenario([], (set) => (set.modules[0]!.objects![0]!.funcs[0]!.oldName = 'demo_aloc')));
    expect(message).toContain('$.patchSet.modules[0].objects[0].funcs[0].oldName: expected a function listed in vmlinuxFunctions (demo_alloc, demo_free)');
    expect(message).toContain('found "demo_aloc"');
    expect(message).toContain('Did you mean "demo_alloc"?');
  });

  it('rejects an unrelated vmlinux function', () => {
    const message = parseError(demoScenario([], (set) => (set.modules[0]!.objects![0]!.funcs[0]!.oldName = 'schedule')));
    expect(message).toContain('found "schedule"');
    expect(message).toContain('Add the function to vmlinuxFunctions or correct the name');
  });

  it('rejects a function the target module lacks', () => {
    const message = parseError(demoScenario([], (set) => (set.modules[0]!.objects![1]!.funcs[0]!.oldName = 'demo_mod_uze')));
    expect(message).toContain('$.patchSet.modules[0].objects[1].funcs[0].oldName: expected a function listed in the functions of target module demo_mod (demo_mod_use)');
    expect(message).toContain('Did you mean "demo_mod_use"?');
  });

  it('accepts an object of a module the set lacks', () => {
    const text = demoScenario([], (set) => (set.modules[0]!.objects![1]!.name = 'gone_mod'));
    expect(parseInputFile(text, 'ok.json', parseContext).kind).toBe('scenario');
  });

  it('rejects replace from an undefined parameter', () => {
    const message = parseError(demoScenario([], (set) => ((set.modules[0] as Record<string, unknown>).replace = { param: 'pre_patch_rett' })));
    expect(message).toContain('$.patchSet.modules[0].replace.param: expected a parameter of demo_fix (pre_patch_ret), found "pre_patch_rett"');
    expect(message).toContain('Did you mean "pre_patch_ret"?');
  });

  it('rejects a state shown by an undefined parameter', () => {
    const edit = (set: DemoSet): void => {
      (set.modules[0] as Record<string, unknown>).states = [{ id: 1, version: 1, whenParam: 'nosuch' }];
    };
    const message = parseError(demoScenario([], edit));
    expect(message).toContain('$.patchSet.modules[0].states[0].whenParam: expected a parameter of demo_fix (pre_patch_ret), found "nosuch"');
    expect(message).toContain('Add the parameter to the params of demo_fix or correct the name.');
  });

  it('rejects the string vmlinux as an object', () => {
    const message = parseError(demoScenario([], (set) => (set.modules[0]!.objects![0]!.name = 'vmlinux')));
    expect(message).toContain('$.patchSet.modules[0].objects[0].name: expected null for vmlinux, found "vmlinux"');
    expect(message).toContain('Write null, not the string "vmlinux"');
  });

  it('rejects an object name close to a target module', () => {
    const message = parseError(demoScenario([], (set) => (set.modules[0]!.objects![1]!.name = 'demo_mdo')));
    expect(message).toContain('$.patchSet.modules[0].objects[1].name: expected the name of a target module (demo_mod) or null for vmlinux');
    expect(message).toContain('Did you mean "demo_mod"?');
  });

  it('rejects an object naming a livepatch', () => {
    const message = parseError(demoScenario([], (set) => (set.modules[0]!.objects![1]!.name = 'demo_fix')));
    expect(message).toContain('$.patchSet.modules[0].objects[1].name: expected null for vmlinux or the name of a target module (demo_mod)');
    expect(message).toContain('found "demo_fix", a livepatch module');
  });
});

describe('call parents', () => {
  it('rejects a vmlinux parent of another prefix', () => {
    const message = parseError(demoScenario([{ type: 'call', object: null, func: 'demo_alloc', parent: 'xx_obj1' }]));
    expect(message).toContain('$.operations[0].parent: expected a parent object of vmlinux named vm_obj<n> with n = 1, 2, ...');
    expect(message).toContain('found "xx_obj1"');
    expect(message).toContain('Did you mean "vm_obj1"?');
  });

  it('rejects a vmlinux parent for a module function', () => {
    const message = parseError(demoScenario([{ type: 'call', object: 'demo_mod', func: 'demo_mod_use', parent: 'vm_obj2' }]));
    expect(message).toContain('expected a parent object of target module demo_mod named demo_mod_obj<n>');
    expect(message).toContain('Did you mean "demo_mod_obj2"?');
  });

  it('rejects a parent without a number', () => {
    const message = parseError(demoScenario([{ type: 'call', object: null, func: 'demo_alloc', parent: 'thing' }]));
    expect(message).toContain('found "thing"');
    expect(message).toContain('Rename it to the form vm_obj<n>, such as "vm_obj1".');
  });

  it('accepts a static parent from createParent', () => {
    const speaker = REDESIGN_CATALOGUE.find((s) => s.name === 'redesign-selftest-speaker')!;
    const call = { type: 'call', object: moduleName('test_klp_speaker'), func: 'speaker_welcome', parent: 'test_klp_speaker:hall' } as const;
    expect(() => checkOperationNames(speaker, [call])).not.toThrow();
    expect(() => checkOperationNames(speaker, [{ ...call, parent: 'test_klp_speaker:hal' }])).toThrow('Did you mean "test_klp_speaker:hall"?');
  });
});
