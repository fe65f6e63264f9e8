/**
 * Counterexample files for the explorer's shortest violations, in the format
 * of the random engine (engine/counterexample.ts), so that `klpcheck replay`
 * and the report read them the same way.
 */
import type { Model } from '../../model/trace.ts';
import { runOperations } from '../../model/trace.ts';
import { judge } from '../../properties/property.ts';
import { classifyViolation } from '../classify.ts';
import { COUNTEREXAMPLE_FORMAT, type CounterexampleFile, FORMAT_VERSION } from '../counterexample.ts';
import type { ExploreResult, ShortestViolation } from './explore.ts';

/**
 * Replays a shortest violation through the model and builds its file. Throws
 * when the replay does not violate the property at the last operation, which
 * would mean the explorer and `runOperations` disagree.
 * NOTE: the explorer uses no seed, so `seed` and `fastCheckSeed` are 0 and
 * `path` is null; the operations alone reproduce the violation.
 */
export function explorerCounterexampleFile(model: Model, result: ExploreResult, found: ShortestViolation): CounterexampleFile {
  const trace = runOperations(model, result.set, found.ops);
  const verdict = judge(found.property, trace);
  if (verdict.status !== 'violated' || verdict.step !== found.ops.length - 1) {
    throw new Error(
      `internal: replaying the explorer's ${found.ops.length} operations for ${found.property.name} on ${model.name} ` +
        `gave ${verdict.status === 'violated' ? `a violation at step ${verdict.step}` : 'no violation'}`,
    );
  }
  return {
    format: COUNTEREXAMPLE_FORMAT,
    version: FORMAT_VERSION,
    model: model.name,
    property: found.property.name,
    seed: 0,
    fastCheckSeed: 0,
    path: null,
    date: new Date().toISOString(),
    patchSet: result.set,
    operations: found.ops,
    events: trace.steps.map((step) => step.events),
    verdict: {
      property: found.property.name,
      rule: found.property.rule,
      explanation: verdict.violation.explanation,
      steps: verdict.violation.steps,
      classification: classifyViolation(result.set, found.ops),
    },
  };
}
