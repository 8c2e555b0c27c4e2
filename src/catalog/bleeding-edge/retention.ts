/** Which bleeding-edge releases to prune. Pure. */

/** What retention needs to know about one release. */
export interface RetentionCandidate {
  version: string;
  /** Release date (first seen). */
  date: Date;
  /** Files changed within settleSeconds: neither counted nor pruned. */
  settling: boolean;
  /** A WebDAV lock is held on or inside it: never pruned. */
  locked: boolean;
}

/** `keep`: newest N settled releases stay (0 = no count limit); `maxAgeDays`: older ones go (0 = no age limit). */
export interface RetentionRules { keep: number; maxAgeDays: number }

/**
 * Newest first: by date, then by version (numeric-aware, so `build-10` is newer than `build-9`).
 * The one order used for retention and for "previous release" (the next older one).
 */
export function compareNewestFirst(a: { version: string; date: Date }, b: { version: string; date: Date }): number {
  const d = b.date.getTime() - a.date.getTime();
  if (d !== 0) return d;
  return b.version.localeCompare(a.version, 'en', { numeric: true });
}

/**
 * The versions to prune, oldest first.
 * - Settling releases are ignored entirely: not pruned, and not counted towards `keep`
 *   (an upload in progress must not push out an older build before it is complete).
 * - Of the settled releases, those beyond the newest `keep` are pruned, and so are those older
 *   than `maxAgeDays` — except the newest settled release, which age alone never removes
 *   (a category does not empty itself because builds paused).
 * - Locked releases are never pruned (they still count towards `keep` if among the newest).
 * @throws never
 */
export function planRetention(releases: RetentionCandidate[], rules: RetentionRules, now: Date): string[] {
  const settled = releases.filter((r) => !r.settling).sort(compareNewestFirst);
  const cutoff = rules.maxAgeDays > 0 ? now.getTime() - rules.maxAgeDays * 86_400_000 : -Infinity;
  const prune: string[] = [];
  settled.forEach((r, i) => {
    const beyondKeep = rules.keep > 0 && i >= rules.keep;
    const tooOld = i > 0 && r.date.getTime() < cutoff;
    if ((beyondKeep || tooOld) && !r.locked) prune.push(r.version);
  });
  return prune.reverse();
}
