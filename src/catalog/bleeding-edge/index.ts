/**
 * Bleeding-edge categories: a build server drops a folder, a release appears.
 *
 * How the catalog uses this module (contract with src/catalog/):
 * - Building a release of a `type: bleeding-edge` category, the catalog lists the release folder and
 *   calls {@link releaseFacts} on the listing: `date` (unless release.yaml sets one) is "first seen",
 *   the earliest storage modification time of the folder's non-junk files (S3 LastModified, disk
 *   mtime), the folder's own time when it is empty — derived from storage, so every daemon agrees;
 *   `settling` sets `Release.settling` (and `published: false`) while a file changed within
 *   `settleSeconds`.
 * - Maturity: release.yaml, else the name's maturity word (the one rule of `../maturity.ts`:
 *   `2.0_BETA`, `2.0-rc2`, `nightly-…`), else `alpha`.
 * - Items: files for which {@link isItemName} holds (not junk, not CHANGELOG, not release.yaml).
 * - Notes: release.yaml notes win; otherwise {@link changelogNotes}(previous CHANGELOG, this CHANGELOG)
 *   where "previous" is the next older release in {@link compareNewestFirst} order.
 * - SHA-256 check: the catalog calls {@link checkSums}(mount, release) and sets
 *   `item.sha256Mismatch = result.get(item.name) === false`. The scanner also checks and logs
 *   mismatches (once per release change) and reports them in `ScanResult.mismatches`.
 * - Retention (scanner): settling releases are neither counted nor pruned; empty folders (no non-junk
 *   file) are not releases and are left alone; locked releases are never pruned; age alone never
 *   removes the newest release. See {@link planRetention}.
 * - Freshness: the scanner calls `onPublished(category)` whenever what a category shows changed
 *   (a release published, settled, changed, pruned or vanished); the composition root invalidates
 *   the catalog there. The catalog never triggers scans (no work on a visitor's request).
 */
export { changelogNotes, noteFromLine } from './changelog.ts';
export { isJunk, isItemName, isChangelogName, isReleaseYamlName } from './junk.ts';
export { planRetention, compareNewestFirst, type RetentionCandidate, type RetentionRules } from './retention.ts';
export { parseSha256Sums, parseSha512Sums, checkSums, SHA256SUMS_NAME, SHA512SUMS_NAME } from './sha256sums.ts';
export { releaseFacts, type ReleaseFacts } from './release-facts.ts';
export type { ScanResult } from './scan-category.ts';
export { createBleedingEdgeScanner, type BleedingEdgeScanner, type BleedingEdgeScannerDeps } from './scanner.ts';
