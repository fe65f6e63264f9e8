/** Properties whose verdict on the current API differs from their verdict on the redesign in one run. */
import type { Property } from '../properties/property.ts';
import type { CheckResult, PairResult } from './check.ts';

/** A property whose verdict on the current API differs from its verdict on the redesign in one run. */
export interface VerdictChange {
  readonly property: Property;
  readonly current: PairResult;
  readonly redesign: PairResult;
}

export interface VerdictChanges {
  /** Violated on the current API and holding on the redesign. */
  readonly removed: readonly VerdictChange[];
  /** Holding on the current API and violated on the redesign. */
  readonly introduced: readonly VerdictChange[];
  /** Violated in both, with an API flaw on the current API and only author errors on the redesign. */
  readonly flawsRemoved: readonly VerdictChange[];
  /** Violated in both, with an API flaw on the redesign and only author errors on the current API. */
  readonly flawsIntroduced: readonly VerdictChange[];
}

function hasApiFlaw(pair: PairResult): boolean {
  return pair.verdict.status === 'violated' && pair.verdict.counterexamples.some((c) => c.classification === 'api-flaw');
}

/** Compares each property's verdicts on the two designs; empty unless the run checked both. */
export function verdictChanges(result: CheckResult): VerdictChanges {
  const removed: VerdictChange[] = [];
  const introduced: VerdictChange[] = [];
  const flawsRemoved: VerdictChange[] = [];
  const flawsIntroduced: VerdictChange[] = [];
  for (const name of result.properties) {
    const current = result.pairs.find((p) => p.model === 'current' && p.property.name === name);
    const redesign = result.pairs.find((p) => p.model === 'redesign' && p.property.name === name);
    if (!current || !redesign) continue;
    const change = { property: current.property, current, redesign };
    const statuses = `${current.verdict.status}/${redesign.verdict.status}`;
    if (statuses === 'violated/holds') removed.push(change);
    if (statuses === 'holds/violated') introduced.push(change);
    if (statuses === 'violated/violated' && hasApiFlaw(current) && !hasApiFlaw(redesign)) flawsRemoved.push(change);
    if (statuses === 'violated/violated' && !hasApiFlaw(current) && hasApiFlaw(redesign)) flawsIntroduced.push(change);
  }
  return { removed, introduced, flawsRemoved, flawsIntroduced };
}
