/**
 * refusal-cleanup: an operation the kernel refuses leaves nothing behind that
 * callbacks did during it. When a pre_patch fails, the core's error paths run
 * post_unpatch for the objects whose pre_patch succeeded: the cancel of a
 * failed enable, or the cleanup of a refused target module. Those callbacks
 * are expected to undo what the earlier callbacks of the same operation did.
 * Only the leftovers count as a finding, never the error-path callbacks.
 */
import type { CodeSite, KernelEvent } from '../model/events.ts';
import type { TraceStep } from '../model/trace.ts';
import { errnoName } from '../model/errno.ts';
import { involvedSteps, shadowLabel, siteLabel } from './describe.ts';
import type { Property } from './property.ts';
import { addedShadows } from './shadow-tracking.ts';

type CallbackSite = Extract<CodeSite, { kind: 'callback' | 'stateCallback' }>;

function isCallbackSite(site: CodeSite): site is CallbackSite {
  return site.kind === 'callback' || site.kind === 'stateCallback';
}

/** Returns the operation's result: the errno of its last result event, or 0 when it has none. */
function resultErrno(events: readonly KernelEvent[]): number {
  let errno = 0;
  for (const event of events) {
    if (event.type === 'result') errno = event.errno;
  }
  return errno;
}

/**
 * Pairs every event with the callback running when it happened: events carry
 * their code site, except stateData events, which belong to the callback event
 * of the same patch that precedes them.
 */
function callbackOf(events: readonly KernelEvent[], index: number): CallbackSite | undefined {
  const event = events[index];
  if (!event) return undefined;
  if (event.type === 'shadow' || event.type === 'variable') return isCallbackSite(event.site) ? event.site : undefined;
  if (event.type !== 'stateData') return undefined;
  for (let i = index - 1; i >= 0; i--) {
    const earlier = events[i];
    if (earlier?.type === 'callback' && earlier.patch === event.patch) {
      return { kind: 'callback', patch: earlier.patch, object: earlier.object, callback: earlier.callback };
    }
    if ((earlier?.type === 'shadow' || earlier?.type === 'variable') && earlier.site.kind === 'stateCallback') {
      if (earlier.site.patch === event.patch) return earlier.site;
    }
  }
  return undefined;
}

/** Leftovers of callbacks in a refused step, each with the callback that made it. */
function leftovers(step: TraceStep): { what: string; site: CallbackSite }[] {
  const found: { what: string; site: CallbackSite }[] = [];
  const events = step.events;

  const lastChange = new Map<string, CallbackSite>();
  events.forEach((event, index) => {
    const site = callbackOf(events, index);
    if (event.type === 'variable' && site) lastChange.set(event.name, site);
  });
  for (const [name, site] of lastChange) {
    const before = step.before.systemVariables[name]?.value;
    const after = step.after.systemVariables[name]?.value;
    if (before !== after) found.push({ what: `system variable ${name} changed from ${before} to ${after}`, site });
  }

  events.forEach((event, index) => {
    const site = callbackOf(events, index);
    if (event.type !== 'stateData' || event.op !== 'alloc' || !event.buffer || !site) return;
    if (step.after.buffers[event.buffer]?.freed === false) {
      found.push({ what: `klp_state ${event.id} data buffer ${event.buffer} allocated and not freed`, site });
    }
  });

  const created = new Set(addedShadows(step.before, step.after).map((entry) => `${entry.obj}|${entry.id}|${entry.data}`));
  events.forEach((event, index) => {
    const site = callbackOf(events, index);
    if (event.type !== 'shadow' || !site || event.obj === null || event.data === null) return;
    if (event.op !== 'alloc' && event.op !== 'get_or_alloc') return;
    if (created.has(`${event.obj}|${event.id}|${event.data}`)) {
      found.push({ what: `shadow variable ${shadowLabel(event.obj, event.id)} created and still present`, site });
    }
  });
  return found;
}

export const refusalCleanup: Property<null> = {
  name: 'refusal-cleanup',
  title: 'A refused operation leaves no callback side effects behind',
  rule:
    'When an operation fails with an error, every system variable change, klp_state data allocation and shadow ' +
    'variable that callbacks made during it is undone by the end of the operation.',
  appliesTo: () => true,
  init: () => null,
  check(state, step) {
    const errno = resultErrno(step.events);
    if (errno >= 0) return { state };
    const [first] = leftovers(step);
    if (!first) return { state };
    return {
      state,
      violation: {
        explanation:
          `the operation failed with -${errnoName(errno)}, but ${first.what} by ${siteLabel(step.after, first.site)}`,
        steps: involvedSteps(step.index),
      },
    };
  },
};
