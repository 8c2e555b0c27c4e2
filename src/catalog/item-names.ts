/**
 * Which names in a category are releases and items. Pure functions.
 *
 * Not items: `release.yaml`, `CHANGELOG` (any case, optional .md/.txt), hidden files (".x"),
 * Finder/Windows junk (`._*`, `.DS_Store`, `Thumbs.db`, `desktop.ini`) and partial uploads.
 * `SHA256SUMS` IS an item: visitors download it to verify the other files.
 */

/** The per-release metadata file. */
export const RELEASE_YAML = 'release.yaml';

const CHANGELOG = /^changelog(\.(md|txt))?$/i;
const JUNK = new Set(['thumbs.db', 'desktop.ini', 'ehthumbs.db', '.ds_store']);

/** Finder/Windows metadata files a client may store but nobody wants to download. @throws never */
export function isJunkName(name: string): boolean {
  return name.startsWith('._') || JUNK.has(name.toLowerCase());
}

/** True for names that never appear to visitors (hidden or junk). @throws never */
export function isHiddenName(name: string): boolean {
  return name.startsWith('.') || isJunkName(name);
}

/** True if a file directly in a release folder is a downloadable item. @throws never */
export function isItemName(name: string): boolean {
  if (isHiddenName(name)) return false;
  if (name === RELEASE_YAML || CHANGELOG.test(name)) return false;
  return true;
}

/** True for the CHANGELOG file of a (bleeding-edge) release. @throws never */
export function isChangelogName(name: string): boolean {
  return CHANGELOG.test(name);
}

/** True if a first-level folder of a category is a release. @throws never */
export function isReleaseName(name: string): boolean {
  return !isHiddenName(name);
}

/**
 * True if `path` (relative to the category root, no leading slash) names a downloadable item: a
 * file directly in a release folder.
 * @throws never
 */
export function isItemPath(path: string): boolean {
  const parts = path.split('/');
  return parts.length === 2 && isReleaseName(parts[0]!) && isItemName(parts[1]!);
}
