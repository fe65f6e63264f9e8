/**
 * The patch sets each model is checked on. The current model runs the
 * built-in catalogue and generated current-API sets. The redesign runs the
 * catalogue of the v1 series, the translation of every current catalogue
 * set, translated generated sets, and sets generated for the redesign itself.
 */
import type fc from 'fast-check';
import { CATALOGUE } from '../model/catalogue/index.ts';
import type { PatchSet } from '../model/definition.ts';
import { REDESIGN_CATALOGUE } from '../model/redesign-catalogue/index.ts';
import type { ModelName } from '../model/trace.ts';
import { translatePatchSet } from '../model/translate.ts';
import { arbitraryPatchSet } from './generate-patch-set.ts';
import { arbitraryRedesignPatchSet } from './generate-redesign-patch-set.ts';

/** Origin of the patch sets of one job. */
export type PatchSetSource =
  /** A fixed set of a catalogue: the current one or the redesign's. */
  | { readonly kind: 'catalogue'; readonly name: string }
  /** The redesign translation of the current catalogue set `from`. */
  | { readonly kind: 'translated'; readonly name: string; readonly from: string }
  /** A generator of patch sets, native to the model or translated. */
  | { readonly kind: 'generated'; readonly name: string };

/** Names a source of patch sets in progress lines, reports and job seeds. */
export function sourceLabel(source: PatchSetSource): string {
  return source.name;
}

export interface GeneratedPatchSets {
  readonly name: string;
  readonly arbitrary: fc.Arbitrary<PatchSet>;
}

export interface FixedPatchSet {
  readonly source: PatchSetSource;
  readonly set: PatchSet;
}

/** The patch sets one model is checked on, and the sequences each of its jobs runs. */
export interface ModelSources {
  readonly fixed: readonly FixedPatchSet[];
  readonly generated: readonly GeneratedPatchSets[];
  /** Sequences per job of this model; absent means the check's `runs`. */
  readonly runs?: number;
}

/** Prefix of the source names of translated sets. */
export const TRANSLATED_PREFIX = 'translated:';

/**
 * Generated patch sets of the current model: authors of every practice, and
 * authors who all follow the documented practice, so that a violation found
 * there is one the API itself allows.
 */
export const DEFAULT_GENERATED: readonly GeneratedPatchSets[] = [
  { name: 'generated', arbitrary: arbitraryPatchSet() },
  { name: 'generated-best-practice', arbitrary: arbitraryPatchSet({ practices: ['best-practice'] }) },
];

/**
 * Translates a current-API set for a redesign job. A best-practice module is
 * tagged 'translated': it follows the current API's documentation, not the
 * redesign's, so a violation it needs is not reported as an API flaw of the
 * redesign. Modules tagged with a deviation keep their tag.
 */
export function translatedForRedesign(set: PatchSet): PatchSet {
  const translated = translatePatchSet(set).set;
  return {
    ...translated,
    modules: translated.modules.map((def) =>
      def.kind === 'livepatch' && def.practice === 'best-practice' ? { ...def, practice: 'translated' } : def,
    ),
  };
}

function translated(generated: GeneratedPatchSets): GeneratedPatchSets {
  return { name: `${TRANSLATED_PREFIX}${generated.name}`, arbitrary: generated.arbitrary.map(translatedForRedesign) };
}

/**
 * Generated patch sets of the redesign: the current model's generators with
 * each set translated, then sets written for the redesign, by authors of
 * every practice and by best-practice authors only.
 */
export const DEFAULT_REDESIGN_GENERATED: readonly GeneratedPatchSets[] = [
  ...DEFAULT_GENERATED.map(translated),
  { name: 'redesign-generated', arbitrary: arbitraryRedesignPatchSet() },
  { name: 'redesign-generated-best-practice', arbitrary: arbitraryRedesignPatchSet({ practices: ['best-practice'] }) },
];

export function catalogueSources(sets: readonly PatchSet[]): FixedPatchSet[] {
  return sets.map((set) => ({ source: { kind: 'catalogue', name: set.name }, set }));
}

/** The redesign translations of current-API catalogue sets, named `translated:<set>`. */
export function translatedSources(sets: readonly PatchSet[]): FixedPatchSet[] {
  return sets.map((set) => ({
    source: { kind: 'translated', name: `${TRANSLATED_PREFIX}${set.name}`, from: set.name },
    set: translatedForRedesign(set),
  }));
}

/**
 * Share of the check's runs that each redesign job gets. The redesign has
 * about twice as many applicable properties and sources as the current model,
 * so its jobs run fewer sequences each to keep `npm start` short; see the
 * README for the measured time.
 */
export const REDESIGN_RUNS_SHARE = 1;

/** Sequences per redesign job for a check of `runs`: at least one. */
export function redesignRuns(runs: number): number {
  return Math.max(1, Math.ceil(runs * REDESIGN_RUNS_SHARE));
}

/** The sources `klpcheck check` uses for each model, for a check of `runs` sequences per current-model job. */
export function defaultSources(runs: number): Record<ModelName, ModelSources> {
  return {
    current: { fixed: catalogueSources(CATALOGUE), generated: DEFAULT_GENERATED, runs },
    redesign: {
      fixed: [...catalogueSources(REDESIGN_CATALOGUE), ...translatedSources(CATALOGUE)],
      generated: DEFAULT_REDESIGN_GENERATED,
      runs: redesignRuns(runs),
    },
  };
}
