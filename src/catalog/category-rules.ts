/**
 * Per category type: how a release's maturity is guessed from its name and how CHANGELOG notes are
 * derived. Bleeding-edge categories use the rules from `./bleeding-edge/` once they exist.
 */
import type { CategoryConfig } from '../config/schema.ts';
import { guessMaturity } from './maturity.ts';
import type { Maturity, NoteLine } from './types.ts';

/** The rules the catalog builder applies to one category. */
export interface CategoryRules {
  maturityFromName(name: string): Maturity;
  /** Notes of a release from its CHANGELOG and the next older release's; undefined = no CHANGELOG notes. */
  changelogNotes?(previous: string | undefined, current: string): NoteLine[];
}

const NORMAL: CategoryRules = { maturityFromName: guessMaturity };

/** Rules for a category by its type. @throws never */
export function rulesFor(_category: CategoryConfig): CategoryRules {
  return NORMAL;
}
