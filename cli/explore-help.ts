/** The flags, defaults and help text of `klpcheck explore`. */
import { benchPatchSet } from '../bench/patch-set.ts';
import { DEFAULT_SEED } from '../engine/check.ts';
import { DEFAULT_DEPTH } from '../engine/explore/explore.ts';
import { DEFAULT_GENERATED_DEPTH, DEFAULT_MAX_PATCHES, DEFAULT_MAX_TARGETS, GENERATED_LIMITS } from '../engine/explore/generated.ts';
import { CATALOGUE } from '../model/catalogue/index.ts';
import type { PatchSet } from '../model/definition.ts';
import type { ModelName } from '../model/trace.ts';
import { TRANSLATED_PREFIX, translatedForRedesign } from '../engine/sources.ts';
import { MODELS } from '../model/index.ts';
import { REDESIGN_CATALOGUE } from '../model/redesign-catalogue/index.ts';

export const EXPLORE_LIMITS = { depth: { min: 1, max: 30 }, timeLimit: { min: 1, max: 7 * 24 * 3600 }, workers: { min: 1, max: 64 } } as const;
/** Apart from the regression corpus in counterexamples/, which npm test replays. */
export const DEFAULT_OUT = 'counterexamples/explore';
export const DEFAULT_REPORT = 'reports/explore.json';
export const DEFAULT_GENERATED_REPORT = 'reports/explore-generated.json';

/** Patch sets `--set` accepts: both catalogues and the benchmark set. */
/** A patch set `--set` accepts, with the design it is written for. */
export interface NamedSet {
  readonly set: PatchSet;
  readonly model: ModelName;
}

/**
 * Patch sets `--set` accepts: the current catalogue and the benchmark set for
 * the current API, and the redesign's catalogue and the translation of each
 * current catalogue set (`translated:NAME`, as `check` runs them) for the redesign.
 */
export function namedSets(): NamedSet[] {
  const current = [...CATALOGUE, benchPatchSet()].map((set) => ({ set, model: 'current' as const }));
  const redesign = REDESIGN_CATALOGUE.map((set) => ({ set, model: 'redesign' as const }));
  const translated = CATALOGUE.map((set) => ({
    set: { ...translatedForRedesign(set), name: `${TRANSLATED_PREFIX}${set.name}` },
    model: 'redesign' as const,
  }));
  return [...current, ...redesign, ...translated];
}

export function exploreHelp(): string {
  const models = Object.keys(MODELS).join(', ');
  return [
    'Usage: klpcheck explore (--set NAME | --scenario FILE | --generated N) [FLAGS]',
    '',
    'Runs every operation sequence up to --depth operations on one patch set, breadth',
    'first, merging states that differ only in names the model makes up. Checks every',
    'property on every step, stores the shortest counterexample of each violated',
    'property, and prints a certificate of what holds up to the bound and which',
    'operations, refusals, callbacks, transition phases, control states and chart',
    'transitions were covered.',
    '',
    'With --generated N, draws N distinct patch sets from the generator of the model',
    '(current: authors of every practice; redesign: sets written for the redesign), the',
    'same sets for the same --seed, and explores each of them. Sets whose livepatch modules',
    'differ only in order count once. One certificate covers all sets, each violated',
    'property gets the shortest counterexample over all sets, and the coverage is merged.',
    '',
    'Flags:',
    `  --set NAME        patch set by name, explored on the design it is written for`,
    `                    (${namedSets().map((named) => named.set.name).join(', ')})`,
    '  --scenario FILE   use the patch set of a scenario or counterexample file',
    `  --generated N     explore N generated patch sets (${range(GENERATED_LIMITS.count)})`,
    `  --max-patches P   with --generated: at most P livepatch modules per set (default ${DEFAULT_MAX_PATCHES}; ${range(GENERATED_LIMITS.maxPatches)})`,
    `  --max-targets T   with --generated: at most T target modules per set (default ${DEFAULT_MAX_TARGETS}; ${range(GENERATED_LIMITS.maxTargets)})`,
    `  --seed S          with --generated: seed of the drawn sets (default ${DEFAULT_SEED})`,
    `  --depth N         maximum operations per sequence (default ${DEFAULT_DEPTH}, with --generated ${DEFAULT_GENERATED_DEPTH};`,
    `                    ${range(EXPLORE_LIMITS.depth)})`,
    `  --model NAME      model to explore (default: the design of the set or scenario; ${models});`,
    '                    a current-API scenario given --model redesign is translated first',
    '  --property NAME   check only this property; repeat the flag or give a comma list',
    '  --time-limit S    stop after S seconds and write the results of the completed depths',
    '                    (with --generated: of the sets done, and the completed depths of the',
    '                    set it stops in)',
    `  --workers N       worker threads for the search (default 1: the main thread; ${range(EXPLORE_LIMITS.workers)})`,
    `  --out DIR         directory for counterexample files (default ${DEFAULT_OUT})`,
    `  --report FILE     JSON result file (default ${DEFAULT_REPORT}, with --generated`,
    `                    ${DEFAULT_GENERATED_REPORT}); the Markdown coverage section is`,
    '                    written next to it with the extension .md',
    '  -h, --help        show this help',
    '',
    'Ctrl-C stops the search like --time-limit does, and the command then exits with',
    'status 130. After each depth the search estimates the heap the rest needs; when',
    'the bound does not fit, it stops, names a depth that fits, writes its results and',
    'exits with status 3.',
    '',
    'Example:',
    '  klpcheck explore --generated 20 --max-patches 2 --depth 5 --seed 7',
  ].join('\n');
}

export function range(limits: { min: number; max: number }): string {
  return `${limits.min} to ${limits.max}`;
}

