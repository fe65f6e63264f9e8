/**
 * Combining what the random engine found: the verdict of a (model, property)
 * from its jobs, its counterexample files, and the cross-check of every
 * property against the other properties' counterexamples.
 */
import type { Model } from '../model/trace.ts';
import type { Property } from '../properties/property.ts';
import type { CheckOptions, CheckVerdict, Counterexample, Exploration, PairResult } from './check.ts';
import type { JobOutcome } from './check-job.ts';
import { counterexampleFile } from './check-job.ts';
import { classifyViolation } from './classify.ts';
import { writeCounterexample } from './counterexample.ts';
import { shrinkViolation } from './shrink.ts';
import { sourceLabel } from './sources.ts';

function compareFound(a: Counterexample, b: Counterexample): number {
  return (
    a.ops.length - b.ops.length ||
    a.set.modules.length - b.set.modules.length ||
    sourceLabel(a.source).localeCompare(sourceLabel(b.source))
  );
}

/** Picks the shortest API flaw and the shortest author error, the API flaw first. */
export function bestCounterexamples(found: readonly Counterexample[]): Counterexample[] {
  const best: Counterexample[] = [];
  for (const classification of ['api-flaw', 'author-error'] as const) {
    const [first] = found.filter((f) => f.classification === classification).sort(compareFound);
    if (first) best.push(first);
  }
  return best;
}

export function verdictOf(outcomes: readonly JobOutcome[], explored: Exploration): CheckVerdict {
  const found = bestCounterexamples(outcomes.flatMap((o) => (o.kind === 'violated' ? [o.found] : [])));
  const errors = outcomes.flatMap((o) => (o.kind === 'error' ? [o.error] : []));
  const [firstFound, ...moreFound] = found;
  if (firstFound) return { status: 'violated', explored, counterexamples: [firstFound, ...moreFound], errors };
  const [firstError, ...moreErrors] = errors;
  if (firstError) return { status: 'error', explored, errors: [firstError, ...moreErrors] };
  return { status: 'holds', explored };
}

/** Stores the chosen counterexamples of a verdict, when the options name a directory. */
export function withFiles(
  verdict: CheckVerdict,
  pair: { readonly model: Model; readonly property: Property },
  options: CheckOptions,
): CheckVerdict {
  const out = options.out;
  if (verdict.status !== 'violated' || out === null) return verdict;
  const [first, ...rest] = verdict.counterexamples.map((found) => ({
    ...found,
    file: writeCounterexample(out, counterexampleFile(found, pair, options.seed)),
  }));
  return { ...verdict, counterexamples: [first as Counterexample, ...rest] };
}

/**
 * Judges every property against the counterexamples that other properties of
 * the same model found, and shrinks each new violation for that property. A
 * sequence that breaks one rule often breaks another, which the property's own
 * random jobs may have missed. Without this step the report would show "holds"
 * for a property that a stored file violates.
 */
export function crossCheck(results: readonly PairResult[], options: CheckOptions): PairResult[] {
  return results.map((pair) => {
    const model = options.models.find((m) => m.name === pair.model);
    const verdict = pair.verdict;
    if (!model || verdict.status === 'not-applicable' || verdict.status === 'error') return pair;
    const own = verdict.status === 'violated' ? verdict.counterexamples : [];
    const found: Counterexample[] = [...own];
    for (const other of results) {
      if (other.model !== pair.model || other === pair || other.verdict.status !== 'violated') continue;
      for (const candidate of other.verdict.counterexamples) {
        const run = shrinkViolation(model, pair.property, candidate.set, candidate.ops, {
          dropUnusedModules: candidate.source.kind === 'generated',
        });
        if (!run) continue;
        found.push({
          ...candidate,
          classification: classifyViolation(run.set, run.ops),
          set: run.set,
          ops: run.ops,
          trace: run.trace,
          violation: run.violation,
          step: run.step,
          file: null,
          // The path replays the other property's fast-check run, not a run of this property.
          fastCheckPath: null,
          revealedBy: other.property.name,
        });
      }
    }
    if (found.length === own.length) return pair;
    const [first, ...more] = bestCounterexamples(found);
    if (!first) return pair;
    const errors = verdict.status === 'violated' ? verdict.errors : [];
    const updated: CheckVerdict = { status: 'violated', explored: verdict.explored, counterexamples: [first, ...more], errors };
    return { ...pair, verdict: withFiles(updated, { model, property: pair.property }, options) };
  });
}

