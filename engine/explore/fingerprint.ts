/**
 * Canonical fingerprints of explored states. Two states get the same
 * fingerprint when they differ only in what no guard, action or property
 * reads: names the model makes up for fresh pointers, buffers and patch
 * instances, the counters that make those names, the order in which records
 * were filled, and patch instances the kernel has already freed.
 */
import type { PatchSet } from '../../model/definition.ts';
import { patchModules } from '../../model/definition.ts';
import type { PatchInstance, World } from '../../model/world.ts';
import { CanonicalWriter, Renamer } from './canonical-text.ts';

/**
 * True for an instance whose memory the kernel has freed: released by the free
 * work or failed in klp_enable_patch, with its objects gone and no loaded
 * module carrying it. Nothing reads such an instance again: lookups by id go
 * through klp_patches, the transition, func_stacks and loaded modules, and an
 * instance without objects adds nothing to the property scans over all patches.
 */
function isFreedInstance(world: Readonly<World>, patch: Readonly<PatchInstance>): boolean {
  if (patch.phase !== 'released' && patch.phase !== 'failed') return false;
  if (patch.objects.length > 0) return false;
  return !Object.values(world.modules).some((module) => module.patch === patch.id);
}

/** Orders strings by UTF-16 code units, as Array.prototype.sort does without a comparator. */
export function compareText(a: string, b: string): number {
  if (a < b) return -1;
  return a > b ? 1 : 0;
}

/**
 * Instance fields of the compact form of a world, which the canonical text
 * writes out as JSON (CanonicalWriter). The form lists the patches that are
 * not freed, sorted by id, each as an array of its fields. A func that is not
 * a nop is named by its index in the definition, which fixes old_name and
 * old_sympos, and the enable order is replaced by its rank. Then come
 * klp_patches, the transition, and the records of the world as sorted
 * [key, value] entry lists; the naming counters are left out. A test fails
 * when a new field is added to World without being fingerprinted.
 */
export const FINGERPRINTED_FIELDS = {
  patch: ['enableOrder', 'enabled', 'forced', 'id', 'module', 'objects', 'phase', 'replace', 'states'],
  object: ['defIndex', 'dynamic', 'funcs', 'loaded', 'name', 'patched', 'postUnpatchEnabled'],
  func: ['defIndex', 'nop', 'oldName', 'patched', 'sympos', 'transition'],
  state: ['blockDisable', 'data', 'defIndex', 'id', 'isShadow', 'prePatchSucceeded', 'version'],
} as const;

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Matches the names the model makes up: patch ids `<module>#<load>` of the
 * set's livepatch modules, and pointer and buffer names from `newPointer`, a
 * prefix and the value of `nextPointer`. Naming the modules makes the scan
 * about twice as fast as matching any identifier before `#`.
 */
export function madeUpNamePattern(set: PatchSet): RegExp {
  const modules = patchModules(set).map((def) => escapeRegExp(def.name));
  // `(?!)` never matches, so a set without livepatch modules keeps the group numbering.
  const names = modules.length > 0 ? modules.join('|') : '(?!)';
  return new RegExp(`\\b(?:(${names})#\\d+|(shadow|buf)\\d+)\\b`, 'g');
}

/** Canonical texts and fingerprints of the states of one patch set. */
export class StateFingerprinter {
  private readonly pattern: RegExp;

  constructor(set: PatchSet) {
    this.pattern = madeUpNamePattern(set);
  }

  /**
   * Returns the canonical text of a state: its control state, its world and
   * the fingerprints of the monitors still checked. The text is that of the
   * compact form (see FINGERPRINTED_FIELDS) with made-up names renamed, written
   * directly by CanonicalWriter.
   */
  canonical(control: string, world: Readonly<World>, monitors: readonly unknown[]): string {
    return this.canonicalText(control, world, JSON.stringify(monitors));
  }

  /** Returns the canonical text of a state whose monitor fingerprints are given as their JSON text. */
  canonicalText(control: string, world: Readonly<World>, monitorsJson: string): string {
    const writer = new CanonicalWriter(this.pattern, new Renamer());
    writer.raw('[');
    writer.string(control);
    writer.raw(',[[');
    const unfreed = Object.values(world.patches).filter((patch) => !isFreedInstance(world, patch));
    const orders = unfreed
      .map((patch) => patch.enableOrder)
      .filter((order) => order >= 0)
      .sort((a, b) => a - b);
    unfreed.sort((a, b) => compareText(a.id, b.id));
    unfreed.forEach((patch, i) => {
      if (i > 0) writer.raw(',');
      writer.patch(patch, patch.enableOrder < 0 ? -1 : orders.indexOf(patch.enableOrder));
    });
    writer.raw('],');
    writer.worldRest(world);
    writer.raw('],');
    writer.json(monitorsJson);
    writer.raw(']');
    return writer.result();
  }

  /** Returns the fingerprint stored in the visited set: the 64-bit hash of the canonical text. */
  fingerprint(control: string, world: Readonly<World>, monitors: readonly unknown[]): string {
    return hash64(this.canonical(control, world, monitors));
  }

  /** Returns the fingerprint of a state whose monitor fingerprints are given as their JSON text. */
  fingerprintText(control: string, world: Readonly<World>, monitorsJson: string): string {
    return hash64(this.canonicalText(control, world, monitorsJson));
  }
}

/**
 * Hashes a text to 64 bits, written as 16 hex digits: two 32-bit multiply-xorshift
 * lanes with different seeds, mixed at the end.
 * NOTE: distinct states can share a hash. With N states the chance of any
 * collision is about N² / 2^65, below 10^-7 for a million states.
 */
export function hash64(text: string): string {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 2654435761);
    h2 = Math.imul(h2 ^ c, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return (h2 >>> 0).toString(16).padStart(8, '0') + (h1 >>> 0).toString(16).padStart(8, '0');
}

