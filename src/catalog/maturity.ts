/**
 * The one rule for a release's maturity when its release.yaml does not set one, for every
 * category type (documented in the README, "Release names and maturity"). Pure.
 */
import type { Maturity } from './types.ts';

/** The words that declare a maturity (compared case-insensitively). */
const WORDS: ReadonlyMap<string, Maturity> = new Map([
  ['alpha', 'alpha'], ['dev', 'alpha'], ['nightly', 'alpha'], ['snapshot', 'alpha'], ['canary', 'alpha'],
  ['beta', 'beta'], ['pre', 'beta'], ['preview', 'beta'],
  ['rc', 'rc'],
  ['stable', 'stable'], ['final', 'stable'],
]);

/**
 * The maturity a release name declares, or undefined when it declares none.
 *
 * The name is cut into words at every character that is not a letter or a digit and wherever
 * letters and digits meet (`2.0-alpha3` → 2, 0, alpha, 3; `2.0_BETA` → 2, 0, BETA; `3.0rc1` →
 * 3, 0, rc, 1). The last word found in {@link WORDS} decides. Single letters (`3.0a1`, `2.0b2`)
 * are not read: commit hashes are full of them; no maturity word can be spelt in hex.
 * @throws never
 */
export function maturityFromName(name: string): Maturity | undefined {
  const words = name.toLowerCase().match(/[a-z]+|[0-9]+/g) ?? [];
  for (let i = words.length - 1; i >= 0; i--) {
    const m = WORDS.get(words[i]);
    if (m) return m;
  }
  return undefined;
}

/**
 * The maturity of a release named `name` without release.yaml maturity: the declared one, else
 * `stable` in a normal category and `alpha` in a bleeding-edge one (its releases are builds).
 * @throws never
 */
export function maturityOf(name: string, categoryType: 'normal' | 'bleeding-edge'): Maturity {
  return maturityFromName(name) ?? (categoryType === 'bleeding-edge' ? 'alpha' : 'stable');
}

const RANK: Record<Maturity, number> = { alpha: 0, beta: 1, rc: 2, stable: 3 };

/** True if `m` is at least as mature as `min` (beta → beta, rc, stable). @throws never */
export function atLeast(m: Maturity, min: Maturity): boolean {
  return RANK[m] >= RANK[min];
}
