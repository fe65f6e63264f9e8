/**
 * Branded identifiers. Patch names, module names, state ids and shadow keys are
 * all strings or numbers in the kernel; the brands keep them from being mixed up.
 */
declare const brand: unique symbol;
export type Brand<T, B extends string> = T & { readonly [brand]: B };

/** Name of a kernel module; a livepatch's sysfs directory carries its module name. */
export type ModuleName = Brand<string, 'ModuleName'>;
/** One load of a livepatch module: `<module>#<n>`, where n counts the loads of that module. */
export type PatchId = Brand<string, 'PatchId'>;
/** A parent object that shadow variables attach to, named like a kernel pointer. */
export type ParentId = Brand<string, 'ParentId'>;
/** Heap buffer owned by author code (for example a klp_state data buffer). */
export type BufferId = Brand<string, 'BufferId'>;

export const moduleName = (name: string): ModuleName => name as ModuleName;
export const patchId = (module: ModuleName, load: number): PatchId => `${module}#${load}` as PatchId;
export const parentId = (name: string): ParentId => name as ParentId;
export const bufferId = (name: string): BufferId => name as BufferId;

/** The module part of a patch id: the name printed by the kernel for that patch. */
export function patchModule(id: PatchId): ModuleName {
  return id.slice(0, id.lastIndexOf('#')) as ModuleName;
}

/** Object name of vmlinux in klp_object, where the kernel uses a NULL name. */
export const VMLINUX = null;
export type ObjectName = ModuleName | null;

export function objectLabel(name: ObjectName): string {
  return name ?? 'vmlinux';
}
