/**
 * The benchmark patch set: three livepatch modules written by the generated
 * authors and two generated target modules. klp_gen_a and klp_gen_b follow
 * the documented practice, klp_gen_b being a cumulative replacement whose
 * `replace` parameter defaults to 1; klp_gen_c declares no klp_state and has
 * a writable pre_patch_ret parameter, so failing pre_patch is explored too.
 */
import { writePatch } from '../engine/authors.ts';
import { generatedTarget, systemVariableName, VMLINUX_FUNCTIONS } from '../engine/generate-patch-set.ts';
import type { PatchSet } from '../model/definition.ts';
import { moduleName } from '../model/ids.ts';

export const BENCH_SET_NAME = 'bench-3-patches-2-targets';

const TARGET_1 = generatedTarget('klp_target_1');
const TARGET_2 = generatedTarget('klp_target_2');
const SHADOW_ID = 0x10;
const STATE_ID = 1;

/** Builds the benchmark patch set; the same call always gives the same set. */
export function benchPatchSet(): PatchSet {
  const change = { variable: systemVariableName(STATE_ID), value: 1, stateId: STATE_ID, bootValue: 0 };
  const shadow = { id: SHADOW_ID, object: null, allocateIn: ['create'] as const };
  const gen_a = writePatch(
    {
      name: moduleName('klp_gen_a'),
      replace: false,
      objects: [
        { name: null, functions: VMLINUX_FUNCTIONS, plainFuncs: [] },
        { name: TARGET_1.name, functions: TARGET_1.functions, plainFuncs: ['klp_target_1_obj_use'] },
      ],
      shadows: [shadow],
      changes: [change],
      states: [
        { id: STATE_ID, version: 1 },
        { id: SHADOW_ID, version: 1 },
      ],
      droppedShadowIds: [],
    },
    'best-practice',
  );
  const gen_b = writePatch(
    {
      name: moduleName('klp_gen_b'),
      replace: { paramDefault: 1 },
      objects: [
        { name: null, functions: VMLINUX_FUNCTIONS, plainFuncs: [] },
        { name: TARGET_2.name, functions: TARGET_2.functions, plainFuncs: ['klp_target_2_obj_use'] },
      ],
      shadows: [shadow],
      changes: [change],
      states: [
        { id: STATE_ID, version: 2 },
        { id: SHADOW_ID, version: 2 },
      ],
      droppedShadowIds: [],
    },
    'best-practice',
  );
  const gen_c = writePatch(
    {
      name: moduleName('klp_gen_c'),
      replace: false,
      objects: [{ name: TARGET_1.name, functions: TARGET_1.functions, plainFuncs: ['klp_target_1_obj_alloc'] }],
      shadows: [],
      changes: [],
      states: [],
      droppedShadowIds: [],
      prePatchRet: 0,
    },
    'no-state',
  );
  return {
    name: BENCH_SET_NAME,
    description: 'klp_gen_a and cumulative klp_gen_b (best practice), klp_gen_c (no klp_state); targets klp_target_1 and klp_target_2',
    modules: [gen_a, gen_b, gen_c, TARGET_1, TARGET_2],
    vmlinuxFunctions: VMLINUX_FUNCTIONS,
    systemVariables: { [systemVariableName(STATE_ID)]: 0 },
  };
}
