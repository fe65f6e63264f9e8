/**
 * The module of tools/testing/selftests/livepatch/test-shadow-vars.sh: a plain
 * module whose init runs the whole shadow variable test on three objects of its
 * stack and prints every call through wrappers that number pointers PTR<n>.
 */
import type { Code, Condition, ObjectRef, PointerExpr, Statement } from '../code.ts';
import type { PatchSet, TargetModuleDef } from '../definition.ts';
import { ERRNO } from '../errno.ts';
import { moduleName } from '../ids.ts';
import { not, print, ret, when } from './statements.ts';

/** SV_ID1: the "char" shadow field. */
const ID1 = 0x1234;
/** SV_ID2: the "int" shadow field. */
const ID2 = 0x1235;
const OBJECTS = [0, 1, 2] as const;

const CTOR = 'shadow_ctor';
const DTOR = 'shadow_dtor';

function obj(i: number): ObjectRef {
  return { kind: 'static', name: `objs[${i}]` };
}

function exists(id: number, i: number): Condition {
  return { kind: 'shadowExists', id, obj: obj(i) };
}

/** Builds the error path `out:`, which frees both ids without a destructor and fails the module load. */
function bail(errno: number): Code {
  return [
    { op: 'shadowFreeAll', id: ID1, trace: true },
    { op: 'shadowFreeAll', id: ID2, trace: true },
    ret(-errno),
  ];
}

function get(id: number, i: number): Statement {
  return { op: 'shadowGet', id, obj: obj(i), trace: true };
}

/** `  got expected PTR<data> -> PTR<value> result`: the variable found is the one allocated in pass 1. */
function gotExpected(id: number, i: number): Statement {
  const pointers: PointerExpr[] = [
    { kind: 'shadowData', id, obj: `objs[${i}]` },
    { kind: 'shadowValue', id, obj: `objs[${i}]` },
  ];
  return { op: 'printPointers', format: '  got expected {} -> {} result', pointers };
}

const gotNull = print('  got expected NULL result');

type AllocOp = 'shadowAlloc' | 'shadowGetOrAlloc';

/** Allocate `<objs[i], id>` with the constructor storing the pointer `ctorData`. */
function allocate(op: AllocOp, id: number, i: number, ctorData: string, onNull: Code): Statement {
  return { op, id, obj: obj(i), ctor: CTOR, ctorData, trace: true, onNull };
}

/** Pass 1: a char and an int field per object. The char field goes through get_or_alloc for even i. */
const pass1: Code = OBJECTS.flatMap((i): Statement[] => [
  { op: 'ptrId', name: `nfields1[${i}]` },
  allocate(i % 2 ? 'shadowAlloc' : 'shadowGetOrAlloc', ID1, i, `nfields1[${i}]`, bail(ERRNO.ENOMEM)),
  { op: 'ptrId', name: `nfields2[${i}]` },
  allocate('shadowAlloc', ID2, i, `nfields2[${i}]`, bail(ERRNO.ENOMEM)),
]);

/** Pass 2: both fields are found and point where pass 1 set them. */
const pass2: Code = OBJECTS.flatMap((i): Statement[] => [
  get(ID1, i),
  when(exists(ID1, i), [gotExpected(ID1, i)], bail(ERRNO.EINVAL)),
  get(ID2, i),
  when(exists(ID2, i), [gotExpected(ID2, i)], bail(ERRNO.EINVAL)),
]);

/**
 * Pass 3: get_or_alloc returns the existing char fields, so the constructor
 * does not run. Its ctor_data is &nfields1[i] again, which already has a number.
 */
const pass3: Code = OBJECTS.flatMap((i): Statement[] => [
  { op: 'ptrId', name: `nfields1[${i}]` },
  allocate('shadowGetOrAlloc', ID1, i, `nfields1[${i}]`, bail(ERRNO.EINVAL)),
  when(exists(ID1, i), [gotExpected(ID1, i)]),
]);

/** Pass 4: free each char field with the destructor, after which get finds nothing. */
const pass4: Code = OBJECTS.flatMap((i): Statement[] => [
  { op: 'shadowFree', id: ID1, obj: obj(i), dtor: DTOR, trace: true },
  get(ID1, i),
  when(not(exists(ID1, i)), [gotNull]),
]);

/** Pass 5: the int fields survive. */
const pass5: Code = OBJECTS.flatMap((i): Statement[] => [
  get(ID2, i),
  when(exists(ID2, i), [gotExpected(ID2, i)], bail(ERRNO.EINVAL)),
]);

/**
 * Pass 6: free all int fields at once. The test passes no destructor here
 * because klp_shadow_free_all() visits entries in hash order, which would make
 * the destructor lines come out in an unpredictable order.
 */
const pass6: Code = [
  { op: 'shadowFreeAll', id: ID2, trace: true },
  ...OBJECTS.flatMap((i): Statement[] => [get(ID2, i), when(not(exists(ID2, i)), [gotNull])]),
];

/** The whole of test_klp_shadow_vars_init(). NULL is registered first, so it prints as PTR0. */
const testProgram: Code = [
  { op: 'ptrId', name: 'NULL' },
  get(ID1, 0),
  when(not(exists(ID1, 0)), [gotNull]),
  ...pass1,
  ...pass2,
  ...pass3,
  ...pass4,
  ...pass5,
  ...pass6,
  ret(0),
];

export const TEST_KLP_SHADOW_VARS: TargetModuleDef = {
  kind: 'target',
  name: moduleName('test_klp_shadow_vars'),
  functions: [],
  init: testProgram,
  ctors: { [CTOR]: { traceWrapper: true } },
  dtors: { [DTOR]: { traceWrapper: true } },
  source: 'tools/testing/selftests/livepatch/test_modules/test_klp_shadow_vars.c',
};

export const SELFTEST_SHADOW_VARS: PatchSet = {
  name: 'selftest-shadow-vars',
  description: 'test-shadow-vars.sh: the shadow variable API called from a plain module, without any livepatch',
  modules: [TEST_KLP_SHADOW_VARS],
  vmlinuxFunctions: [],
  systemVariables: {},
};
