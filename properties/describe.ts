/**
 * Names that violation explanations use for patches, objects, shadow variables
 * and code sites, so that every property words them the same way.
 */
import type { CodeSite } from '../model/events.ts';
import type { ObjectName, PatchId } from '../model/ids.ts';
import { objectLabel, patchModule } from '../model/ids.ts';
import type { World } from '../model/world.ts';

/**
 * Names a patch instance by its module name, adding the load number when the
 * module was loaded more than once in the run.
 */
export function patchLabel(world: Readonly<World>, patch: PatchId): string {
  const module = patchModule(patch);
  const loads = world.loads[module] ?? 1;
  if (loads <= 1) return module;
  const load = patch.slice(patch.lastIndexOf('#') + 1);
  return `${module} (load ${load})`;
}

export function shadowLabel(obj: string, id: number): string {
  return `<${obj}, ${id}>`;
}

/** Key of a shadow variable in monitor states: the shadow table matches on (obj, id). */
export function shadowKey(obj: string, id: number): string {
  return `${obj}|${id}`;
}

export function callbackLabel(world: Readonly<World>, patch: PatchId, object: ObjectName, callback: string): string {
  return `${callback} of ${patchLabel(world, patch)} for ${objectLabel(object)}`;
}

/** Names the place where author code ran: a callback, a function version, module init or exit, a ctor or dtor. */
export function siteLabel(world: Readonly<World>, site: CodeSite): string {
  switch (site.kind) {
    case 'callback':
      return callbackLabel(world, site.patch, site.object, site.callback);
    case 'stateCallback':
      return `${site.callback} of klp_state ${site.state} in ${patchLabel(world, site.patch)}`;
    case 'function': {
      const version = site.patch ? `as patched by ${patchLabel(world, site.patch)}` : '(original code)';
      return `${site.func} of ${objectLabel(site.object)} ${version}`;
    }
    case 'init':
      return `module_init of ${site.module}`;
    case 'exit':
      return `module_exit of ${site.module}`;
    case 'ctor':
      return `shadow constructor ${site.name} of ${site.module}`;
    case 'dtor':
      return `shadow destructor ${site.name} of ${site.module}`;
  }
}

/** Sorted, de-duplicated step indexes for a violation, dropping unknown (negative) ones. */
export function involvedSteps(...steps: readonly (number | null | undefined)[]): number[] {
  const known = steps.filter((step): step is number => typeof step === 'number' && step >= 0);
  return [...new Set(known)].sort((a, b) => a - b);
}
