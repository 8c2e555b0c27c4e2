/** Maturity from a release folder's name suffix (bleeding-edge categories). Pure. */
import type { Maturity } from '../types.ts';

/**
 * `_ALPHA`, `_BETA`, `_RC`, `_STABLE` at the end of the name, in any case; `-` works as the
 * separator too (`2.0-rc`), and alpha/beta/rc may carry a number (`2.0_RC2`, `1.0-beta.3`).
 * A bare word without separator (`nightlyrc`) is not a suffix.
 */
const SUFFIX = /[_-](?:(alpha|beta|rc)(?:\.?\d+)?|(stable))$/i;

/**
 * The maturity a folder name declares by its suffix, or undefined when it declares none
 * (the caller then uses release.yaml, else `alpha`). @throws never
 */
export function maturityFromName(folder: string): Maturity | undefined {
  const m = SUFFIX.exec(folder);
  if (!m) return undefined;
  return (m[1] ?? m[2]).toLowerCase() as Maturity;
}
