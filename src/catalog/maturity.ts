/** Maturity guessed from a release name when release.yaml does not say. Pure. */
import type { Maturity } from './types.ts';

/**
 * "2.0-alpha3" → alpha, "2.0b1"/"2.0-beta" → beta, "2.0-rc.1" → rc, anything else → stable.
 * @throws never
 */
export function guessMaturity(name: string): Maturity {
  const n = name.toLowerCase();
  if (/(^|[^a-z])(alpha|a\d|nightly|snapshot|dev)/.test(n)) return 'alpha';
  if (/(^|[^a-z])(beta|b\d|preview|pre)/.test(n)) return 'beta';
  if (/(^|[^a-z])(rc|cr)(\d|\b|[^a-z])/.test(n)) return 'rc';
  return 'stable';
}

const RANK: Record<Maturity, number> = { alpha: 0, beta: 1, rc: 2, stable: 3 };

/** True if `m` is at least as mature as `min` (beta → beta, rc, stable). @throws never */
export function atLeast(m: Maturity, min: Maturity): boolean {
  return RANK[m] >= RANK[min];
}
