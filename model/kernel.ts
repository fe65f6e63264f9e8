/**
 * The mutable view a kernel procedure works on during one step: a private copy
 * of the world, the patch set it runs, and the events the step has caused so far.
 */
import type { PatchSet, PatchModuleDef, ModuleDef } from './definition.ts';
import { findModule } from './definition.ts';
import type { KernelEvent, KlpMessage } from './events.ts';
import type { ModuleName, PatchId } from './ids.ts';
import type { PatchInstance, World } from './world.ts';
import { cloneWorld } from './world.ts';

export interface Kernel {
  readonly set: PatchSet;
  readonly world: World;
  readonly events: KernelEvent[];
}

/**
 * The Kernel of one step, whose world is copied from the step's input the
 * first time an action reads or writes it. A step whose actions only add
 * events, such as a refusal or a no-op, copies nothing and ends with the
 * input world itself.
 */
export class StepKernel implements Kernel {
  readonly events: KernelEvent[] = [];
  private copy: World | undefined;

  constructor(
    readonly set: PatchSet,
    private readonly input: Readonly<World>,
  ) {}

  get world(): World {
    this.copy ??= cloneWorld(this.input);
    return this.copy;
  }

  /** Returns the world after the step: the copy when an action touched the world, else the unchanged input. */
  result(): Readonly<World> {
    return this.copy ?? this.input;
  }
}

export function emit(k: Kernel, event: KernelEvent): void {
  k.events.push(event);
}

export function message(k: Kernel, msg: KlpMessage): void {
  k.events.push({ type: 'klp', ...msg });
}

export function result(k: Kernel, errno: number): void {
  k.events.push({ type: 'result', errno });
}

export function patchOf(k: Kernel, id: PatchId): PatchInstance {
  const patch = k.world.patches[id];
  if (!patch) throw new Error(`internal: no patch instance ${id}`);
  return patch;
}

export function moduleDef(set: PatchSet, name: string): ModuleDef {
  const def = findModule(set, name);
  if (!def) throw new Error(`internal: module ${name} is not in patch set ${set.name}`);
  return def;
}

export function patchDef(set: PatchSet, module: ModuleName): PatchModuleDef {
  const def = moduleDef(set, module);
  if (def.kind !== 'livepatch') throw new Error(`internal: ${module} is not a livepatch module`);
  return def;
}

/** Allocates a new pointer name with a given prefix, deterministically. */
export function newPointer(k: Kernel, prefix: string): string {
  const name = `${prefix}${k.world.nextPointer}`;
  k.world.nextPointer += 1;
  return name;
}

/** WARN_ON_ONCE: true the first time a site warns in this boot. */
export function warnOnce(k: Kernel, site: string): boolean {
  if (k.world.warnedOnce.includes(site)) return false;
  k.world.warnedOnce.push(site);
  return true;
}
