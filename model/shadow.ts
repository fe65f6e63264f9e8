/**
 * The shadow variable API (kernel/livepatch/shadow.c): one global table keyed
 * by (parent pointer, id), with at most one entry per key. Nothing here is
 * automatic: entries are freed only by klp_shadow_free and klp_shadow_free_all.
 */
import type { CodeSite } from './events.ts';
import type { Kernel } from './kernel.ts';
import { emit, message, newPointer } from './kernel.ts';
import type { ShadowEntry } from './world.ts';

export type Constructor = (entry: ShadowEntry, ctorData: string | undefined) => number;
export type Destructor = (entry: ShadowEntry) => void;

export function shadowGet(k: Kernel, obj: string, id: number, site: CodeSite): ShadowEntry | undefined {
  const entry = k.world.shadows.find((s) => s.obj === obj && s.id === id);
  emit(k, { type: 'shadow', op: 'get', obj, id, data: entry?.data ?? null, site });
  return entry;
}

export interface AllocRequest {
  readonly obj: string;
  readonly id: number;
  /** klp_shadow_get_or_alloc returns an existing entry silently; klp_shadow_alloc warns. */
  readonly getOrAlloc: boolean;
  readonly ctor?: Constructor;
  readonly ctorData?: string;
  readonly site: CodeSite;
}

/**
 * klp_shadow_alloc / klp_shadow_get_or_alloc. An existing (obj, id) makes
 * klp_shadow_alloc WARN "Duplicate shadow variable" and return NULL without
 * calling the constructor. A new entry is zeroed, the constructor runs before
 * insertion, and a failing constructor leaves nothing inserted. Allocation
 * failure (GFP) is not modelled.
 */
export function shadowAlloc(k: Kernel, req: AllocRequest): ShadowEntry | undefined {
  const op = req.getOrAlloc ? 'get_or_alloc' : 'alloc';
  const existing = k.world.shadows.find((s) => s.obj === req.obj && s.id === req.id);
  if (existing) {
    if (!req.getOrAlloc) {
      message(k, { msg: 'duplicateShadow', obj: req.obj, id: req.id });
      emit(k, { type: 'shadow', op, obj: req.obj, id: req.id, data: null, site: req.site });
      return undefined;
    }
    emit(k, { type: 'shadow', op, obj: req.obj, id: req.id, data: existing.data, site: req.site });
    return existing;
  }

  const entry: ShadowEntry = { obj: req.obj, id: req.id, data: newPointer(k, 'shadow'), value: null };
  if (req.ctor && req.ctor(entry, req.ctorData) !== 0) {
    emit(k, { type: 'shadow', op, obj: req.obj, id: req.id, data: null, site: req.site });
    return undefined;
  }
  k.world.shadows.push(entry);
  emit(k, { type: 'shadow', op, obj: req.obj, id: req.id, data: entry.data, site: req.site });
  return entry;
}

/** klp_shadow_free: unlink the entry, then call the destructor; a missing entry is a silent no-op. */
export function shadowFree(k: Kernel, obj: string, id: number, dtor: Destructor | undefined, site: CodeSite): void {
  const index = k.world.shadows.findIndex((s) => s.obj === obj && s.id === id);
  const entry = k.world.shadows[index];
  if (!entry) {
    emit(k, { type: 'shadow', op: 'free', obj, id, data: null, site });
    return;
  }
  k.world.shadows.splice(index, 1);
  dtor?.(entry);
  emit(k, { type: 'shadow', op: 'free', obj, id, data: entry.data, site });
}

/**
 * klp_shadow_free_all: every entry with the id, in table order.
 * NOTE: the kernel walks hash buckets, so its order is unspecified; the model
 * uses insertion order.
 */
export function shadowFreeAll(k: Kernel, id: number, dtor: Destructor | undefined, site: CodeSite): void {
  const freed = k.world.shadows.filter((s) => s.id === id);
  k.world.shadows = k.world.shadows.filter((s) => s.id !== id);
  for (const entry of freed) {
    dtor?.(entry);
    emit(k, { type: 'shadow', op: 'free', obj: entry.obj, id, data: entry.data, site });
  }
  emit(k, { type: 'shadow', op: 'free_all', obj: null, id, data: null, site });
}
