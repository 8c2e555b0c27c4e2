/**
 * Listing a local folder in bounded pages: the names and stats come from the listing worker
 * (./local-list-worker.ts) a page at a time, so a folder of any size costs memory for a few pages
 * (plus, for a folder small enough to be listed sorted, its names in the worker), never an array
 * of every entry, and the main thread spends per entry only the making of the Entry object.
 *
 * Order: folders of up to {@link SORTED_MAX} entries are listed sorted by name (the order listings
 * always had); larger ones stream in the order the file system returns them.
 */
import type { Entry } from '../vfs/types.ts';
import { ETAG_HEX, openWorkerListing } from './local-list-worker.ts';

export { LIST_PAGE, SORTED_MAX } from './local-list-worker.ts';

/** Options of {@link listLocalPages}. */
export interface LocalListOptions {
  /** Names never listed (our temp files). */
  skip: RegExp;
  signal?: AbortSignal;
}

/**
 * Lists folder `abs` (VFS path `path`) as pages of entries: files and folders only (symlinks
 * followed), entries that vanish meanwhile or dangle are left out. The ETags are those of
 * `localEtag` for the same stats.
 * @throws the file system error (with its `code`) as is, for the caller to convert; the signal's
 *   reason when `signal` fires
 */
export async function* listLocalPages(abs: string, path: string, o: LocalListOptions): AsyncGenerator<Entry[]> {
  o.signal?.throwIfAborted();
  const listing = await openWorkerListing(abs, o.skip);
  const prefix = path === '' ? '' : `${path}/`;
  try {
    for (;;) {
      o.signal?.throwIfAborted();
      const p = await listing.next();
      if (p.names.length > 0) {
        const names = p.names.split('/');
        const nums = new Float64Array(p.nums);
        const out: Entry[] = new Array(names.length);
        for (let i = 0, k = 0; i < names.length; i++, k += 3) {
          const dir = nums[k] === 2;
          out[i] = {
            path: prefix + names[i],
            kind: dir ? 'dir' : 'file',
            size: dir ? 0 : nums[k + 1]!,
            mtime: new Date(Math.round(nums[k + 2]!)), // as fs.Stats#mtime
            etag: p.etags.slice(i * ETAG_HEX, (i + 1) * ETAG_HEX),
          };
        }
        yield out;
      }
      if (p.done) return;
    }
  } finally {
    listing.close();
  }
}
