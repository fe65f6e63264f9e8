/**
 * Builders for hand-made traces: small patch sets, worlds edited from
 * initialWorld, and steps with the events a model would have emitted.
 */
import type { Code } from '../../model/code.ts';
import type { ModuleDef, ObjectDef, PatchModuleDef, PatchSet, TargetModuleDef } from '../../model/definition.ts';
import type { KernelEvent } from '../../model/events.ts';
import type { ModuleName, ObjectName, PatchId } from '../../model/ids.ts';
import { moduleName, patchId } from '../../model/ids.ts';
import type { Operation } from '../../model/operations.ts';
import type { ModelName, Trace, TraceStep } from '../../model/trace.ts';
import type { PatchInstance, PatchPhase, World } from '../../model/world.ts';
import { cloneWorld, initialWorld } from '../../model/world.ts';
import type { Property, Verdict } from '../../properties/property.ts';
import { judge } from '../../properties/property.ts';

export const VMLINUX: ObjectName = null;

export function livepatch(name: string, objects: readonly ObjectDef[], extra: Partial<PatchModuleDef> = {}): PatchModuleDef {
  return {
    kind: 'livepatch',
    name: moduleName(name),
    replace: false,
    objects,
    practice: 'best-practice',
    source: 'test fixture',
    ...extra,
  };
}

export function target(name: string, extra: Partial<TargetModuleDef> = {}): TargetModuleDef {
  return { kind: 'target', name: moduleName(name), functions: [], source: 'test fixture', ...extra };
}

export function patchSet(modules: readonly ModuleDef[], extra: Partial<PatchSet> = {}): PatchSet {
  return { name: 'fixture', modules, vmlinuxFunctions: [], systemVariables: {}, ...extra };
}

/** A trace line for every callback: the demo modules' callbacks, which do nothing else. */
export const TRACE_ONLY: Code = [{ op: 'traceCallback' }];

export const ALL_CALLBACKS = {
  pre_patch: TRACE_ONLY,
  post_patch: TRACE_ONLY,
  pre_unpatch: TRACE_ONLY,
  post_unpatch: TRACE_ONLY,
} as const;

export interface PatchOptions {
  readonly load?: number;
  readonly phase?: PatchPhase;
  readonly enabled?: boolean;
  readonly forced?: boolean;
  /** Objects whose target is loaded and patched; vmlinux is always both. */
  readonly patched?: boolean;
  /** post_unpatch_enabled of every object. */
  readonly postUnpatchEnabled?: boolean;
}

/**
 * Adds a loaded livepatch module and its patch instance, built from the
 * definition, to a world (in place). Listed patches are appended to klp_patches.
 */
export function addPatch(world: World, set: PatchSet, module: string, options: PatchOptions = {}): PatchInstance {
  const def = set.modules.find((m): m is PatchModuleDef => m.kind === 'livepatch' && m.name === module);
  if (!def) throw new Error(`fixture: no livepatch module ${module}`);
  const load = options.load ?? (world.loads[module] ?? 0) + 1;
  world.loads[module] = Math.max(world.loads[module] ?? 0, load);
  const id = patchId(def.name, load);
  const phase = options.phase ?? 'listed';
  const patched = options.patched ?? phase === 'listed';
  world.enableCount += 1;
  const instance: PatchInstance = {
    id,
    module: def.name,
    replace: def.replace === true,
    enableOrder: world.enableCount,
    enabled: options.enabled ?? phase === 'listed',
    forced: options.forced ?? false,
    phase,
    objects: def.objects.map((object, defIndex) => {
      const loaded = object.name === null || world.modules[object.name]?.kind === 'target';
      return {
        name: object.name,
        dynamic: false,
        defIndex,
        funcs: object.funcs.map((func, funcIndex) => ({
          oldName: func.oldName,
          sympos: func.sympos ?? 0,
          nop: false,
          defIndex: funcIndex,
          patched: loaded && patched,
          transition: false,
        })),
        loaded,
        patched: loaded && patched,
        postUnpatchEnabled: options.postUnpatchEnabled ?? (loaded && patched),
      };
    }),
    states: (def.states ?? []).map((state, defIndex) => ({
      defIndex,
      id: state.id,
      version: state.version,
      data: null,
      blockDisable: state.blockDisable === true,
      isShadow: state.isShadow === true,
      prePatchSucceeded: false,
    })),
  };
  world.patches[id] = instance;
  world.modules[module] = { name: def.name, kind: 'livepatch', params: {}, patch: id, pointerIds: [] };
  if (phase === 'listed') world.klpPatches.push(id);
  return instance;
}

/** Pushes every patched func of a listed patch onto its func_stack, in the order given. */
export function pushFuncs(world: World, patch: PatchInstance): void {
  patch.objects.forEach((object, objectIndex) => {
    object.funcs.forEach((func, funcIndex) => {
      if (!func.patched) return;
      const key = `${object.name ?? 'vmlinux'}:${func.oldName}:${Math.max(func.sympos, 1)}`;
      (world.funcStacks[key] ??= []).push({ patch: patch.id, object: objectIndex, func: funcIndex });
    });
  });
}

export function loadTarget(world: World, module: string): void {
  world.modules[module] = { name: moduleName(module), kind: 'target', params: {}, pointerIds: [] };
  world.loads[module] = (world.loads[module] ?? 0) + 1;
}

/** Builds consecutive trace steps: each edit gets a copy of the previous world. */
export class TraceBuilder {
  readonly set: PatchSet;
  readonly initial: World;
  readonly steps: TraceStep[] = [];
  private world: World;

  constructor(set: PatchSet, setup?: (world: World) => void) {
    this.set = set;
    this.world = initialWorld(set);
    setup?.(this.world);
    this.initial = this.world;
  }

  get current(): Readonly<World> {
    return this.world;
  }

  /** Adds a step whose world is the previous one after `edit`, with `events`. */
  step(events: readonly KernelEvent[], edit: (world: World) => void = () => {}, op: Operation = { type: 'transition_work' }): this {
    const before = this.world;
    const after = cloneWorld(before);
    edit(after);
    this.steps.push({ index: this.steps.length, op, before, after, events });
    this.world = after;
    return this;
  }

  trace(model: ModelName = 'current'): Trace {
    return { model, set: this.set, initial: this.initial, steps: this.steps };
  }

  judge<S>(property: Property<S>, model: ModelName = 'current'): Verdict {
    return judge(property, this.trace(model));
  }
}

export function callback(
  patch: PatchId,
  object: ObjectName,
  name: 'pre_patch' | 'post_patch' | 'pre_unpatch' | 'post_unpatch',
  ret?: number,
): KernelEvent {
  const event = { type: 'callback', patch, object, callback: name, moduleState: 'LIVE' } as const;
  return ret === undefined ? event : { ...event, ret };
}

export function pid(module: string, load = 1): PatchId {
  return patchId(moduleName(module), load);
}

export function mod(name: string): ModuleName {
  return moduleName(name);
}

/** Returns the violation and step of a verdict, and throws when the property holds. */
export function violationOf(verdict: Verdict): { explanation: string; steps: readonly number[]; step: number } {
  if (verdict.status !== 'violated') throw new Error('expected a violation, but the property holds');
  return { ...verdict.violation, step: verdict.step };
}
