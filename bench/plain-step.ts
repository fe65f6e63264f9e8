/**
 * The current model as a plain function: the benchmark's baseline for the
 * statechart. It runs the same guards and actions as model/current, in the
 * order of the chart's transitions, written out as branches instead of being
 * looked up in the chart. test/bench-baseline.test.ts checks step by step that
 * it agrees with the chart interpreter, so the benchmark compares like with like.
 */
import { ERRNO } from '../model/errno.ts';
import { CURRENT_ACTIONS } from '../model/current/actions.ts';
import { CURRENT_GUARDS } from '../model/current/guards.ts';
import type { PatchSet } from '../model/definition.ts';
import type { KernelEvent } from '../model/events.ts';
import { type Kernel, StepKernel } from '../model/kernel.ts';
import type { Operation } from '../model/operations.ts';
import type { World } from '../model/world.ts';

const g = CURRENT_GUARDS as Required<typeof CURRENT_GUARDS>;
const a = CURRENT_ACTIONS as Required<typeof CURRENT_ACTIONS>;

type Control = 'idle' | 'transition.patching' | 'transition.unpatching';

export interface PlainStep {
  readonly world: World;
  readonly events: KernelEvent[];
  readonly state: Control;
}

function controlOf(world: Readonly<World>): Control {
  if (!world.transition) return 'idle';
  return world.transition.target === 'patched' ? 'transition.patching' : 'transition.unpatching';
}

function refuse(k: Kernel, op: Operation, errno: number): void {
  a.refuse!(k, op, { errno: -errno });
}

/** Runs one operation of the current model. */
export function plainStep(set: PatchSet, world: Readonly<World>, op: Operation): PlainStep {
  const k = new StepKernel(set, world);
  const control = controlOf(world);
  const state = control === 'idle' ? idleStep(k, world, op) : transitionStep(k, world, op, control);
  return { world: k.result() as World, events: k.events, state };
}

/** insmod checks of every control state; true when one of them handled the load. */
function insmodChecks(k: Kernel, w: Readonly<World>, op: Operation): boolean {
  if (g.isUnknownModule!(w, op, k.set)) refuse(k, op, ERRNO.ENOENT);
  else if (g.isModuleLoaded!(w, op, k.set)) refuse(k, op, ERRNO.EEXIST);
  else if (g.isTargetModule!(w, op, k.set)) a.loadTargetModule!(k, op, {});
  else if (g.isIncompatible!(w, op, k.set)) a.refuseIncompatible!(k, op, {});
  else return false;
  return true;
}

/** enabled_store's first checks; true when one of them refused the write. */
function enabledChecks(k: Kernel, w: Readonly<World>, op: Operation): boolean {
  if (g.hasNoSysfsDir!(w, op, k.set)) refuse(k, op, ERRNO.ENOENT);
  else if (g.isSameEnabledValue!(w, op, k.set)) refuse(k, op, ERRNO.EINVAL);
  else return false;
  return true;
}

function idleStep(k: Kernel, w: Readonly<World>, op: Operation): Control {
  switch (op.type) {
    case 'insmod':
      if (insmodChecks(k, w, op)) return 'idle';
      a.enablePatch!(k, op, {});
      return g.isPatchingPending!(k.world, op, k.set) ? 'transition.patching' : 'idle';
    case 'write_enabled':
      if (enabledChecks(k, w, op)) return 'idle';
      if (!g.isDisableRequest!(w, op, k.set)) {
        refuse(k, op, ERRNO.EINVAL);
        return 'idle';
      }
      a.disablePatch!(k, op, {});
      return 'transition.unpatching';
    case 'write_force':
      refuse(k, op, g.hasNoSysfsDir!(w, op, k.set) ? ERRNO.ENOENT : ERRNO.EINVAL);
      return 'idle';
    case 'transition_work':
      a.noop!(k, op, { reason: 'no transition is pending, so no transition work is queued' });
      return 'idle';
    default:
      rootStep(k, w, op);
      return 'idle';
  }
}

function transitionStep(k: Kernel, w: Readonly<World>, op: Operation, control: Control): Control {
  switch (op.type) {
    case 'write_enabled':
      if (enabledChecks(k, w, op)) return control;
      if (g.isTransitionPatch!(w, op, k.set)) {
        a.reverseTransition!(k, op, {});
        return control === 'transition.patching' ? 'transition.unpatching' : 'transition.patching';
      }
      refuse(k, op, g.isDisableRequest!(w, op, k.set) ? ERRNO.EBUSY : ERRNO.EINVAL);
      return control;
    case 'insmod':
      if (!insmodChecks(k, w, op)) a.enablePatchBusy!(k, op, {});
      return control;
    case 'write_force':
      if (g.hasNoSysfsDir!(w, op, k.set)) refuse(k, op, ERRNO.ENOENT);
      else if (g.isTransitionPatch!(w, op, k.set)) a.forceTransition!(k, op, {});
      else refuse(k, op, ERRNO.EINVAL);
      return control;
    case 'transition_work':
      a.tryCompleteTransition!(k, op, {});
      return 'idle';
    default:
      rootStep(k, w, op);
      return control;
  }
}

/** Operations every control state handles the same way. */
function rootStep(k: Kernel, w: Readonly<World>, op: Operation): void {
  switch (op.type) {
    case 'rmmod':
      if (g.isModuleNotLoaded!(w, op, k.set)) refuse(k, op, ERRNO.ENOENT);
      else if (g.isTargetModule!(w, op, k.set)) a.removeTargetModule!(k, op, {});
      else if (g.isLivepatchInUse!(w, op, k.set)) refuse(k, op, ERRNO.EWOULDBLOCK);
      else a.removeLivepatchModule!(k, op, {});
      return;
    case 'free_work':
      if (g.hasNoFreeWork!(w, op, k.set)) a.noop!(k, op, { reason: 'no free work is pending for this patch' });
      else a.runFreeWork!(k, op, {});
      return;
    case 'write_param':
      if (g.isParamWriteRefused!(w, op, k.set)) a.refuseParamWrite!(k, op, {});
      else a.writeParam!(k, op, {});
      return;
    case 'call':
      if (g.isCallImpossible!(w, op, k.set)) a.refuseCall!(k, op, {});
      else a.callFunction!(k, op, {});
      return;
    default:
      throw new Error(`internal: no handler for ${op.type}`);
  }
}
