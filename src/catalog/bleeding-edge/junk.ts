/** Names that are stored for clients but never are items or releases. Pure. */

const JUNK_NAMES = new Set(['thumbs.db', 'desktop.ini', 'ehthumbs.db', '$recycle.bin']);

/**
 * True for Finder/Windows litter and hidden names: `._*` (AppleDouble), `.DS_Store`,
 * `Thumbs.db`, `desktop.ini` (any case) and every name starting with `.` (this includes the
 * daemon's own `.releasedav/` sidecar folder). Such files never become items and never
 * trigger or change a bleeding-edge release. @throws never
 */
export function isJunk(name: string): boolean {
  return name.startsWith('.') || name === '' || JUNK_NAMES.has(name.toLowerCase());
}

/** `CHANGELOG` (any case, optionally `.md`/`.txt`): the bleeding-edge notes source, never an item. */
export function isChangelogName(name: string): boolean {
  return /^changelog(?:\.(?:md|txt))?$/i.test(name);
}

/** `release.yaml` / `release.yml` (any case): release settings, never an item. */
export function isReleaseYamlName(name: string): boolean {
  return /^release\.ya?ml$/i.test(name);
}

/** A file directly in a release folder that the catalog lists as an item. @throws never */
export function isItemName(name: string): boolean {
  return !isJunk(name) && !isChangelogName(name) && !isReleaseYamlName(name);
}
