/** Whether visitors see a release. Pure. */
import type { Release } from './types.ts';

/** Published (release.yaml) and not still settling (bleeding-edge uploads in progress). @throws never */
export function isVisible(r: Release): boolean {
  return r.published && !r.settling;
}
