/** What a scanner remembers about one category between scans (memory only; storage is the truth). */
import type { Mount } from '../../vfs/mount.ts';
import type { ReleaseFacts } from './release-facts.ts';

/** The last listing of one release. */
export interface KnownRelease {
  facts: ReleaseFacts;
  /** Folder entry time/etag from the category listing when last listed (a change hint on disk). */
  folderStamp: string;
  /** When this scanner first saw it (ms): dates an empty folder whose listing has no time. */
  firstSeenAt: number;
  /** When we listed it last (ms), for round-robin re-verification. */
  listedAt: number;
  /** Fingerprint for which SHA256SUMS was last checked with every listed item's hash known. */
  sumsCheckedFor?: string;
  /** Names whose recorded SHA-256 disagrees with SHA256SUMS. */
  mismatches: string[];
}

/** Per-category memory of a scanner. */
export interface CategoryScanState {
  /** The mount it was built for; a different mount (SIGHUP) starts afresh. */
  mount: Mount;
  releases: Map<string, KnownRelease>;
  /** Releases named by change events since the last scan: listed again. */
  dirty: Set<string>;
  /** The first scan only learns what exists; it publishes nothing. */
  scanned: boolean;
}

/** A fresh state for a mount. */
export function newCategoryState(mount: Mount): CategoryScanState {
  return { mount, releases: new Map(), dirty: new Set(), scanned: false };
}
