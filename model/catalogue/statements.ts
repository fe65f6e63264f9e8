/**
 * Small constructors for author code, so that catalogue entries read close to
 * the C source they describe.
 */
import type { Code, Condition, Statement } from '../code.ts';
import type { CallbackName } from '../definition.ts';

/** pr_info() with the module's printk prefix. */
export function print(text: string): Statement {
  return { op: 'print', text };
}

export function ret(value: number): Statement {
  return { op: 'return', value };
}

export function when(cond: Condition, then: Code, otherwise?: Code): Statement {
  return otherwise ? { op: 'if', cond, then, else: otherwise } : { op: 'if', cond, then };
}

export function not(cond: Condition): Condition {
  return { kind: 'not', cond };
}

export function param(name: string): Condition {
  return { kind: 'param', name };
}

/**
 * Builds the four per-object callbacks of the callback demo modules. Each prints
 * its trace line first. pre_patch then runs `prePatchTail`, which decides its
 * return value.
 */
export function traceCallbacks(prePatchTail: Code): Record<CallbackName, Code> {
  const trace: Statement = { op: 'traceCallback' };
  return {
    pre_patch: [trace, ...prePatchTail],
    post_patch: [trace],
    pre_unpatch: [trace],
    post_unpatch: [trace],
  };
}
