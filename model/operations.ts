/**
 * Operations: what a user, the kernel's asynchronous work, or running tasks do
 * to the world. Scenario files and generated sequences are lists of these.
 */
import type { ObjectName } from './ids.ts';

export type TaskState = 'patched' | 'unpatched';

export type Operation =
  /** insmod of a livepatch or target module, with module parameters. */
  | { readonly type: 'insmod'; readonly module: string; readonly params?: Readonly<Record<string, number>> }
  /** rmmod of a livepatch or target module. */
  | { readonly type: 'rmmod'; readonly module: string }
  /** echo <value> > /sys/kernel/livepatch/<patch>/enabled */
  | { readonly type: 'write_enabled'; readonly patch: string; readonly value: 0 | 1 }
  /** echo 1 > /sys/kernel/livepatch/<patch>/force */
  | { readonly type: 'write_force'; readonly patch: string }
  /** echo <value> > /sys/module/<module>/parameters/<param> */
  | { readonly type: 'write_param'; readonly module: string; readonly param: string; readonly value: number }
  /** The transition work runs and finds every task switched: klp_try_complete_transition completes. */
  | { readonly type: 'transition_work' }
  /** The free work of a disabled or replaced patch runs: kobject put, module_put unless forced. */
  | { readonly type: 'free_work'; readonly patch: string }
  /**
   * A task calls a function of vmlinux or a target module on a parent object.
   * During a transition, `task` is the task's patch state and picks the side of each function.
   */
  | {
      readonly type: 'call';
      readonly object: ObjectName;
      readonly func: string;
      readonly parent: string;
      readonly task?: TaskState;
    };

export type OperationType = Operation['type'];

export const OPERATION_TYPES: readonly OperationType[] = [
  'insmod',
  'rmmod',
  'write_enabled',
  'write_force',
  'write_param',
  'transition_work',
  'free_work',
  'call',
];
