/**
 * The catalog's shapes: categories → releases → items, derived from storage (no database).
 */

export type Maturity = 'alpha' | 'beta' | 'rc' | 'stable';
export const MATURITIES: readonly Maturity[] = ['alpha', 'beta', 'rc', 'stable'];

/** Kinds of CHANGELOG lines, from their first character: + - # ~ ! (anything else: other). */
export type NoteKind = 'added' | 'removed' | 'fixed' | 'minor' | 'important' | 'other';

export interface NoteLine { kind: NoteKind; text: string }

/** A file directly inside a release folder. */
export interface Item {
  name: string;
  /** VFS path inside the category ("<release>/<name>"). */
  path: string;
  size: number;
  mtime: Date;
  etag?: string;
  contentType?: string;
  /** Lowercase hex SHA-256, when known (sidecar); absent until the background hasher got to it. */
  sha256?: string;
  /** SHA256SUMS in the release disagrees with the recorded hash. */
  sha256Mismatch?: boolean;
}

/** A first-level folder of a category. */
export interface Release {
  category: string;
  /** The folder name. */
  version: string;
  title?: string;
  maturity: Maturity;
  /** release.yaml date, else (bleeding-edge) first seen, else the newest file time. */
  date: Date;
  published: boolean;
  /** Markdown notes from release.yaml. */
  notesMarkdown?: string;
  /** Notes derived from CHANGELOG (bleeding-edge). */
  notes?: NoteLine[];
  items: Item[];
  /** Bleeding-edge: files changed within settleSeconds; not published or pruned yet. */
  settling?: boolean;
}

/** Read side of the catalog used by pages, feeds, API and /dl. Methods throw VfsError EIO on storage failure. */
export interface Catalog {
  /** Releases of a category, newest first (published and unpublished); undefined for an unknown slug. */
  releases(slug: string): Promise<Release[] | undefined>;
  release(slug: string, version: string): Promise<Release | undefined>;
  /** Forget cached data for a category (or all) so the next read rebuilds it. */
  invalidate(slug?: string): void;
  close(): Promise<void>;
}
