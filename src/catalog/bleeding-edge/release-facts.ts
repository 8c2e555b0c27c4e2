/** What one listing of a release folder tells about the release. Pure. */
import type { Entry } from '../../vfs/types.ts';
import { baseName } from '../../vfs/path.ts';
import { isJunk } from './junk.ts';

/** Facts derived from a release folder's direct children (junk ignored). */
export interface ReleaseFacts {
  /**
   * The release date, "first seen": the earliest storage modification time among the folder's
   * non-junk files (S3 LastModified, disk mtime), or the folder's own time when it holds none.
   * Derived from storage, so every daemon over the same storage computes the same date, across
   * restarts; it moves only if every early file is rewritten.
   */
  date: Date;
  /** Newest non-junk file time (or the folder's time when empty). */
  lastChange: Date;
  /** Some non-junk file changed within settleSeconds: not published, not pruned. */
  settling: boolean;
  /** When the release stops settling if nothing changes (ms since epoch). */
  settlesAt: number;
  /** Changes whenever a non-junk file is added, removed or rewritten. */
  fingerprint: string;
  /** Non-junk files (CHANGELOG, release.yaml and SHA256SUMS included). */
  files: Entry[];
}

/**
 * Derives {@link ReleaseFacts} from the listing of a release folder.
 * `folder` is the folder's own entry from the category listing (its time is used only when no
 * file is in it, and only if it is a real time, i.e. after 1970). @throws never
 */
export function releaseFacts(children: Entry[], folder: Entry | undefined, settleSeconds: number, now: Date): ReleaseFacts {
  const files = children.filter((e) => e.kind === 'file' && !isJunk(baseName(e.path)));
  files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  let first = Infinity;
  let last = -Infinity;
  for (const f of files) {
    first = Math.min(first, f.mtime.getTime());
    last = Math.max(last, f.mtime.getTime());
  }
  if (files.length === 0) {
    const t = folder && folder.mtime.getTime() > 0 ? folder.mtime.getTime() : now.getTime();
    first = t;
    last = t;
  }
  const settlesAt = last + settleSeconds * 1000;
  const fingerprint = files.map((f) => `${baseName(f.path)}\u0000${f.size}\u0000${f.etag ?? ''}\u0000${f.mtime.getTime()}`).join('\n');
  return { date: new Date(first), lastChange: new Date(last), settling: settlesAt > now.getTime(), settlesAt, fingerprint, files };
}
