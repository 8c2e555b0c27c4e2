/**
 * A short-lived cache of sidecar reads for PROPFIND (a Depth 1 listing otherwise reads one
 * sidecar per entry, every time Finder or Explorer polls). Keyed by the entry's size and etag, so
 * new content never meets an old sidecar; any change made through this daemon clears it, and the
 * TTL (the config's `cache.ttlSeconds`) bounds what other instances' changes may lag.
 */
import { LRUCache } from 'lru-cache';
import type { ChangeBus, FileMeta, Mount } from '../vfs/mount.ts';
import type { Entry } from '../vfs/types.ts';

/** Per-server sidecar cache. */
export class MetaCache {
  readonly #c: LRUCache<string, { meta: FileMeta | undefined }> | undefined;
  constructor(bus: ChangeBus, ttlMs: number, max = 50_000) {
    this.#c = ttlMs > 0 ? new LRUCache({ max, ttl: ttlMs }) : undefined;
    bus.on('change', () => this.#c?.clear());
  }

  /** The sidecar of `path` (undefined if none or stale). @throws VfsError from the store */
  async get(mount: Mount, path: string, entry: Entry): Promise<FileMeta | undefined> {
    if (!this.#c) return mount.meta.get(path, entry);
    const key = `${mount.category.slug}\0${path}\0${entry.kind}\0${entry.size}\0${entry.etag ?? ''}`;
    const hit = this.#c.get(key);
    if (hit) return hit.meta;
    const meta = await mount.meta.get(path, entry);
    this.#c.set(key, { meta });
    return meta;
  }
}
