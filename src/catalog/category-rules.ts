/**
 * Per category type: how a release's maturity is guessed from its name, which file time dates it,
 * and how CHANGELOG notes are derived. Bleeding-edge categories use `./bleeding-edge/`'s rules.
 */
import type { CategoryConfig } from '../config/schema.ts';
import { changelogNotes } from './bleeding-edge/index.ts';
import { maturityOf } from './maturity.ts';
import type { Maturity, NoteLine } from './types.ts';

/** The rules the catalog builder applies to one category. */
export interface CategoryRules {
  maturityFromName(name: string): Maturity;
  /** Date of a release without release.yaml date: its first-seen (oldest) or newest file time. */
  dateFrom: 'oldest' | 'newest';
  /** A release whose files changed within this many seconds is still settling (bleeding-edge). */
  settleSeconds?: number;
  /** Notes of a release from its CHANGELOG and the next older release's; absent = no CHANGELOG notes. */
  changelogNotes?(previous: string | undefined, current: string): NoteLine[];
}

const NORMAL: CategoryRules = { maturityFromName: (name) => maturityOf(name, 'normal'), dateFrom: 'newest' };

/** Rules for a category by its type. @throws never */
export function rulesFor(category: CategoryConfig): CategoryRules {
  if (category.type !== 'bleeding-edge') return NORMAL;
  return {
    maturityFromName: (name) => maturityOf(name, 'bleeding-edge'),
    dateFrom: 'oldest',
    settleSeconds: category.bleedingEdge.settleSeconds,
    changelogNotes,
  };
}
