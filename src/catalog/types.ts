/**
 * The catalog's shapes: categories → releases → items, derived from storage (no database).
 */

export type Maturity = 'alpha' | 'beta' | 'rc' | 'stable';
export const MATURITIES: readonly Maturity[] = ['alpha', 'beta', 'rc', 'stable'];

/** Kinds of CHANGELOG lines, from their first character: + - # ~ ! (anything else: other). */
export type NoteKind = 'added' | 'removed' | 'fixed' | 'minor' | 'important' | 'other';

export interface NoteLine { kind: NoteKind; text: string }

/** Operating system an item is built for (file-name rules in platform.ts, or release.yaml). */
export type Platform = 'windows' | 'macos' | 'linux';
export const PLATFORMS: readonly Platform[] = ['windows', 'macos', 'linux'];
/** CPU architecture an item is built for. */
export type Arch = 'x64' | 'arm64' | 'ia32' | 'universal';
export const ARCHES: readonly Arch[] = ['x64', 'arm64', 'ia32', 'universal'];

/** A detached signature file uploaded next to its item (the developer's, never ours). */
export interface SignatureFile {
  /** File name in the release folder (`<item>.sig`, `.minisig`, `.asc`). */
  name: string;
  /** Told apart by content: minisign text (raw or Tauri's base64 form) or OpenPGP (armored or binary). */
  kind: 'minisign' | 'gpg' | 'unknown';
  /** minisign only: the signature as Tauri's updater wants it (base64 of the minisign text). */
  tauri?: string;
}

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
  /** Lowercase hex SHA-384 and SHA-512, when known (computed with the SHA-256). */
  sha384?: string;
  sha512?: string;
  /** SHA256SUMS in the release disagrees with the recorded hash. */
  sha256Mismatch?: boolean;
  /** SHA512SUMS in the release disagrees with the recorded SHA-512. */
  sha512Mismatch?: boolean;
  platform?: Platform;
  arch?: Arch;
  /** Detached signatures uploaded next to the item. */
  signatures?: SignatureFile[];
  /** Sparkle's EdDSA signature (base64), from release.yaml. */
  edSignature?: string;
  /** Name of `<item>.blockmap` (electron-builder's differential-update map) when present. */
  blockmap?: string;
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
  /** Files /dl serves that are not items: detached signatures and blockmaps of items. */
  attachments: Item[];
  /** Build number (Sparkle's `sparkle:version`) from release.yaml; the version otherwise. */
  build?: string;
  /** Lowest OS version the release runs on (Sparkle's `sparkle:minimumSystemVersion`), from release.yaml. */
  minimumSystemVersion?: string;
  /** Bleeding-edge: files changed within settleSeconds; not published or pruned yet. */
  settling?: boolean;
}

/** Read side of the catalog used by pages, feeds, API and /dl. Methods throw VfsError EIO on storage failure. */
export interface Catalog {
  /** Releases of a category, newest first (published and unpublished); undefined for an unknown slug. */
  releases(slug: string): Promise<Release[] | undefined>;
  release(slug: string, version: string): Promise<Release | undefined>;
  /**
   * A number that changes whenever the category's releases may have changed (same freshness rules
   * as `releases`), so derived documents (feeds) can be cached per value; undefined for an unknown slug.
   */
  generation(slug: string): Promise<number | undefined>;
  /** Forget cached data for a category (or all) so the next read rebuilds it. */
  invalidate(slug?: string): void;
  close(): Promise<void>;
}
