/**
 * Events: what one step caused, as data. The callback log, the kernel messages
 * and the shadow operations of a run are the concatenation of its steps' events.
 */
import type { CallbackName } from './definition.ts';
import type { BufferId, ModuleName, ObjectName, PatchId } from './ids.ts';

export type ModuleState = 'LIVE' | 'COMING' | 'GOING';
export type Direction = 'patching' | 'unpatching';

/** Messages of the livepatch core, printed with the `livepatch: ` prefix. */
export type KlpMessage =
  | { readonly msg: 'enabling'; readonly patch: PatchId }
  | { readonly msg: 'init'; readonly patch: PatchId; readonly dir: Direction }
  | { readonly msg: 'start'; readonly patch: PatchId; readonly dir: Direction }
  | { readonly msg: 'completing'; readonly patch: PatchId; readonly dir: Direction }
  | { readonly msg: 'complete'; readonly patch: PatchId; readonly dir: Direction }
  | { readonly msg: 'canceling'; readonly patch: PatchId }
  | { readonly msg: 'reversing'; readonly patch: PatchId; readonly from: Direction }
  | { readonly msg: 'forcing' }
  | { readonly msg: 'applying'; readonly patch: PatchId; readonly module: ModuleName }
  | { readonly msg: 'reverting'; readonly patch: PatchId; readonly module: ModuleName }
  | { readonly msg: 'prePatchFailed'; readonly object: ObjectName }
  | { readonly msg: 'enableFailed'; readonly patch: PatchId }
  | { readonly msg: 'refusingModule'; readonly patch: PatchId; readonly module: ModuleName }
  | { readonly msg: 'incompatible'; readonly patch: PatchId }
  | { readonly msg: 'disableBlocked'; readonly patch: PatchId }
  | { readonly msg: 'duplicateShadow'; readonly obj: string; readonly id: number }
  | { readonly msg: 'prevStateWithoutTransition' };

/** Site of running author code: a callback, a patched or original function, module init or exit, a ctor or dtor. */
export type CodeSite =
  | { readonly kind: 'callback'; readonly patch: PatchId; readonly object: ObjectName; readonly callback: CallbackName }
  | { readonly kind: 'stateCallback'; readonly patch: PatchId; readonly state: number; readonly callback: string }
  | { readonly kind: 'function'; readonly object: ObjectName; readonly func: string; readonly patch: PatchId | null }
  | { readonly kind: 'init' | 'exit'; readonly module: ModuleName }
  | { readonly kind: 'ctor' | 'dtor'; readonly module: ModuleName; readonly name: string };

export type ShadowOp = 'alloc' | 'get_or_alloc' | 'get' | 'free' | 'free_all' | 'ctor' | 'dtor';

export type KernelEvent =
  | ({ readonly type: 'klp' } & KlpMessage)
  /** A per-object callback of the current API was called (it is set). */
  | {
      readonly type: 'callback';
      readonly patch: PatchId;
      readonly object: ObjectName;
      readonly callback: CallbackName;
      readonly moduleState: ModuleState;
      /** pre_patch's return value. */
      readonly ret?: number;
    }
  /** Redesign: a callback of a klp_state was called (it is set). */
  | {
      readonly type: 'stateCallback';
      readonly patch: PatchId;
      readonly state: number;
      readonly callback: CallbackName;
      /** pre_patch's return value. */
      readonly ret?: number;
    }
  /** A WARN in the livepatch core fired; `site` names the kernel function. */
  | { readonly type: 'warning'; readonly site: string }
  /** printk from a module (not the core). */
  | { readonly type: 'print'; readonly module: ModuleName; readonly text: string }
  | {
      readonly type: 'shadow';
      readonly op: ShadowOp;
      readonly obj: string | null;
      readonly id: number;
      /** Data pointer of the variable, or null when the call returned NULL / found nothing. */
      readonly data: string | null;
      readonly site: CodeSite;
    }
  | { readonly type: 'variable'; readonly name: string; readonly from: number; readonly to: number; readonly site: CodeSite }
  | {
      readonly type: 'stateData';
      readonly op: 'alloc' | 'free' | 'takeOver' | 'read' | 'write';
      readonly buffer: BufferId | null;
      readonly patch: PatchId;
      readonly id: number;
      /** The buffer was already freed: a use after free. */
      readonly afterFree?: boolean;
    }
  /** A function version ran. `patch` is null for the original code or a nop. */
  | { readonly type: 'run'; readonly site: CodeSite }
  | { readonly type: 'parent'; readonly op: 'create' | 'release'; readonly parent: string }
  | { readonly type: 'module'; readonly op: 'loaded' | 'removed'; readonly module: ModuleName }
  /** The patch left klp_patches and its objects were freed (klp_free_patch_start). */
  | { readonly type: 'patchFreed'; readonly patch: PatchId }
  | { readonly type: 'moduleRef'; readonly op: 'put'; readonly patch: PatchId }
  /** The operation's result: 0, or the negative errno userspace sees. */
  | { readonly type: 'result'; readonly errno: number }
  /** An operation that cannot happen in this world (no work queued, no such parent). The world is unchanged. */
  | { readonly type: 'noop'; readonly reason: string };
