/**
 * Decoders for the model's input types as they appear in scenario and
 * counterexample files: patch sets with their author code, and operations.
 * They mirror model/definition.ts, model/code.ts and model/operations.ts;
 * the type annotations make the compiler reject a decoder that drifts from them.
 */
import type { Code, Condition, ObjectRef, PointerExpr, ShadowCtor, ShadowDtor, Statement } from '../model/code.ts';
import type {
  CallbackName,
  FuncDef,
  ModuleDef,
  ObjectDef,
  ParamDef,
  PatchModuleDef,
  PatchSet,
  Practice,
  StateDef,
  TargetFuncDef,
  TargetModuleDef,
} from '../model/definition.ts';
import type { KernelEvent } from '../model/events.ts';
import { moduleName, type ModuleName, type ObjectName } from '../model/ids.ts';
import type { Operation } from '../model/operations.ts';
import {
  array,
  boolean,
  DecodeError,
  type Decoder,
  describeValue,
  either,
  integer,
  lazy,
  literal,
  map,
  nonEmptyString,
  nonNegativeInteger,
  nullable,
  object,
  record,
  string,
  tagged,
} from './decode.ts';
import { checkDefinitionParams, checkPatchedFunctions } from './decode-names.ts';

export { checkOperationNames } from './decode-names.ts';

const module: Decoder<ModuleName> = map(nonEmptyString, moduleName);
/** A klp_object name: a module name, or null for vmlinux. */
const objectName: Decoder<ObjectName> = nullable(module);

// Author code

const objectRef: Decoder<ObjectRef> = tagged<ObjectRef>('kind', {
  parent: object({ kind: literal('parent') }),
  static: object({ kind: literal('static'), name: nonEmptyString }),
});

const condition: Decoder<Condition> = lazy(() =>
  tagged<Condition>('kind', {
    prevState: object({ kind: literal('prevState'), id: integer }),
    ownState: object({ kind: literal('ownState'), id: integer }),
    shadowExists: object({ kind: literal('shadowExists'), id: integer, obj: objectRef }),
    param: object({ kind: literal('param'), name: nonEmptyString }),
    stateData: object({ kind: literal('stateData'), id: integer }),
    written: object({ kind: literal('written') }),
    not: object({ kind: literal('not'), cond: condition }),
  }),
);

const pointerExpr: Decoder<PointerExpr> = tagged<PointerExpr>('kind', {
  named: object({ kind: literal('named'), name: nonEmptyString }),
  shadowData: object({ kind: literal('shadowData'), id: integer, obj: nonEmptyString }),
  shadowValue: object({ kind: literal('shadowValue'), id: integer, obj: nonEmptyString }),
});

const code: Decoder<Code> = lazy(() => array(statement));

const shadowAllocFields = {
  id: integer,
  obj: objectRef,
};
const shadowAllocOptional = {
  ctor: nonEmptyString,
  ctorData: string,
  trace: boolean,
  onNull: code,
  text: string,
};

const statement: Decoder<Statement> = lazy(() =>
  tagged<Statement>('op', {
    print: object({ op: literal('print'), text: string }),
    traceCallback: object({ op: literal('traceCallback') }),
    return: object({ op: literal('return'), value: integer }),
    returnParam: object({ op: literal('returnParam'), param: nonEmptyString }),
    if: object({ op: literal('if'), cond: condition, then: code }, { else: code }),
    stateDataAlloc: object({ op: literal('stateDataAlloc'), id: integer }),
    stateDataTakeOver: object({ op: literal('stateDataTakeOver'), id: integer }),
    stateDataFree: object({ op: literal('stateDataFree'), id: integer }),
    varSave: object({ op: literal('varSave'), name: nonEmptyString, id: integer }),
    varSet: object({ op: literal('varSet'), name: nonEmptyString, value: integer }, { id: integer }),
    varRestore: object({ op: literal('varRestore'), name: nonEmptyString, id: integer }),
    shadowAlloc: object({ op: literal('shadowAlloc'), ...shadowAllocFields }, shadowAllocOptional),
    shadowGetOrAlloc: object({ op: literal('shadowGetOrAlloc'), ...shadowAllocFields }, shadowAllocOptional),
    shadowGet: object({ op: literal('shadowGet'), id: integer, obj: objectRef }, { trace: boolean }),
    shadowFree: object({ op: literal('shadowFree'), id: integer, obj: objectRef }, { dtor: nonEmptyString, trace: boolean }),
    shadowFreeAll: object({ op: literal('shadowFreeAll'), id: integer }, { dtor: nonEmptyString, trace: boolean }),
    ptrId: object({ op: literal('ptrId'), name: nonEmptyString }),
    printPointers: object({ op: literal('printPointers'), format: string, pointers: array(pointerExpr) }),
    releaseParent: object({ op: literal('releaseParent') }),
    callOnEachParent: object({ op: literal('callOnEachParent'), func: nonEmptyString }),
    createParent: object({ op: literal('createParent'), name: nonEmptyString }),
    printTemplate: object({ op: literal('printTemplate'), text: string }, { obj: objectRef }),
    shadowWriteText: object(
      { op: literal('shadowWriteText'), id: integer, obj: objectRef, text: string },
      { onNull: code },
    ),
    varSaveShadow: object({ op: literal('varSaveShadow'), name: nonEmptyString, id: integer, obj: objectRef }),
    varRestoreShadow: object({ op: literal('varRestoreShadow'), name: nonEmptyString, id: integer, obj: objectRef }),
    callFunction: object(
      { op: literal('callFunction'), object: objectName, func: nonEmptyString, task: literal('current', 'notSwitched') },
      { parent: nonEmptyString, arg: string },
    ),
  }),
);

const shadowCtor: Decoder<ShadowCtor> = object({}, { body: code, traceWrapper: boolean });
const shadowDtor: Decoder<ShadowDtor> = object({}, { body: code, traceWrapper: boolean });

// Module definitions

const callbacks: Decoder<Partial<Record<CallbackName, Code>>> = object(
  {},
  { pre_patch: code, post_patch: code, pre_unpatch: code, post_unpatch: code },
);

const paramDef: Decoder<ParamDef> = object(
  {
    name: nonEmptyString,
    type: literal('int', 'bool'),
    default: integer,
    writable: boolean,
  },
  { onWrite: object({ handler: nonEmptyString, body: code }) },
);

const funcDef: Decoder<FuncDef> = object({ oldName: nonEmptyString }, { sympos: nonNegativeInteger, body: code });

const objectDef: Decoder<ObjectDef> = object({ name: objectName, funcs: array(funcDef) }, { callbacks });

const stateDef: Decoder<StateDef> = object(
  { id: integer, version: integer },
  {
    blockDisable: either(boolean, object({ param: nonEmptyString })),
    isShadow: boolean,
    callbacks,
    shadowDtor: nonEmptyString,
    whenParam: nonEmptyString,
    unlessParam: nonEmptyString,
  },
);

const practice: Decoder<Practice> = literal(
  'best-practice',
  'no-state',
  'exit-frees-shadows',
  'ignores-prev-state',
  'callbacks-on-module-object',
  'kernel-module',
  'inconsistent-shared-state',
  'duplicate-state-id',
  'undeclared-shadow-id',
  'translated',
);

const patchModuleDef: Decoder<PatchModuleDef> = object(
  {
    kind: literal('livepatch'),
    name: module,
    replace: either(boolean, object({ param: nonEmptyString })),
    objects: array(objectDef),
    practice,
    source: string,
  },
  {
    params: array(paramDef),
    states: array(stateDef),
    exit: code,
    ctors: record(shadowCtor),
    dtors: record(shadowDtor),
    printPrefix: string,
  },
);

const targetFuncDef: Decoder<TargetFuncDef> = object(
  { name: nonEmptyString, role: literal('create', 'use', 'release') },
  { body: code },
);

const targetModuleDef: Decoder<TargetModuleDef> = object(
  { kind: literal('target'), name: module, functions: array(targetFuncDef), source: string },
  {
    params: array(paramDef),
    init: code,
    exit: code,
    ctors: record(shadowCtor),
    dtors: record(shadowDtor),
    printPrefix: string,
  },
);

const moduleDef: Decoder<ModuleDef> = tagged<ModuleDef>('kind', {
  livepatch: patchModuleDef,
  target: targetModuleDef,
});

const patchSetShape: Decoder<PatchSet> = object(
  {
    name: nonEmptyString,
    modules: array(moduleDef),
    vmlinuxFunctions: array(targetFuncDef),
    systemVariables: record(integer),
  },
  { description: string },
);

/**
 * A patch set. Module names must be unique, as the kernel allows one module
 * of a name, and every patched function must be a function of its object.
 */
export const patchSetDecoder: Decoder<PatchSet> = (value, path) => {
  const set = patchSetShape(value, path);
  const seen = new Set<string>();
  set.modules.forEach((def, index) => {
    if (seen.has(def.name)) {
      throw new DecodeError(
        `${path}.modules[${index}].name`,
        'a module name not used by an earlier module',
        describeValue(def.name),
        'Rename or remove one of the two modules.',
      );
    }
    seen.add(def.name);
  });
  checkPatchedFunctions(set, path);
  checkDefinitionParams(set, path);
  return set;
};

// Operations

const params: Decoder<Record<string, number>> = record(integer);

export const operationDecoder: Decoder<Operation> = tagged<Operation>('type', {
  insmod: object({ type: literal('insmod'), module: nonEmptyString }, { params }),
  rmmod: object({ type: literal('rmmod'), module: nonEmptyString }),
  write_enabled: object({ type: literal('write_enabled'), patch: nonEmptyString, value: literal(0, 1) }),
  write_force: object({ type: literal('write_force'), patch: nonEmptyString }),
  write_param: object({
    type: literal('write_param'),
    module: nonEmptyString,
    param: nonEmptyString,
    value: integer,
  }),
  transition_work: object({ type: literal('transition_work') }),
  free_work: object({ type: literal('free_work'), patch: nonEmptyString }),
  call: object(
    { type: literal('call'), object: objectName, func: nonEmptyString, parent: nonEmptyString },
    { task: literal('patched', 'unpatched') },
  ),
});

// Events

const EVENT_TYPES = [
  'klp',
  'callback',
  'print',
  'shadow',
  'variable',
  'stateData',
  'run',
  'parent',
  'module',
  'patchFreed',
  'moduleRef',
  'result',
  'noop',
  'stateCallback',
  'warning',
] as const satisfies readonly KernelEvent['type'][];

/**
 * A stored kernel event. Only the `type` key is checked: events are the
 * model's output, compared as a whole on replay, never interpreted from a file.
 */
export const eventDecoder: Decoder<KernelEvent> = (value, path) => {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new DecodeError(path, 'an event object', describeValue(value));
  }
  literal(...EVENT_TYPES)((value as { type?: unknown }).type, `${path}.type`);
  return value as KernelEvent;
};
