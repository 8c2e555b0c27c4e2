/**
 * A short-lived cache of sidecar reads for PROPFIND (Finder and Explorer poll the same folders):
 * sidecars keyed by the entry's size and etag, so new content never meets an old sidecar, and
 * each folder's visible-properties index (which children have a client mtime or dead
 * properties). Any change made through this daemon clears it; the TTL (the config's
 * `cache.ttlSeconds`) bounds what other instances' changes may lag.
 */
import { LRUCache } from 'lru-cache';
import type { ChangeBus, FileMeta, Mount, VisiblePropsIndex } from '../vfs/mount.ts';
import type { Entry } from '../vfs/types.ts';

type Value = { meta: FileMeta | undefined } | { index: VisiblePropsIndex };

/** Per-server sidecar cache. */
export class MetaCache {
  readonly #c: LRUCache<string, Value> | undefined;
  constructor(bus: ChangeBus, ttlMs: number, max = 50_000) {
    this.#c = ttlMs > 0 ? new LRUCache({ max, ttl: ttlMs }) : undefined;
    bus.on('change', () => this.#c?.clear());
  }

  /** The sidecar of `path` (undefined if none or stale). @throws VfsError from the store */
  async get(mount: Mount, path: string, entry: Entry): Promise<FileMeta | undefined> {
    if (!this.#c) return mount.meta.get(path, entry);
    const key = `m\0${mount.category.slug}\0${path}\0${entry.kind}\0${entry.size}\0${entry.etag ?? ''}`;
    const hit = this.#c.get(key);
    if (hit && 'meta' in hit) return hit.meta;
    const meta = await mount.meta.get(path, entry);
    this.#c.set(key, { meta });
    return meta;
  }

  /**
   * Which children of folder `dir` have visible metadata; undefined when the store cannot tell
   * (then every child's sidecar must be read).
   * @throws VfsError from the store
   */
  async visibleProps(mount: Mount, dir: string): Promise<VisiblePropsIndex | undefined> {
    if (!mount.meta.withVisibleProps) return undefined;
    if (!this.#c) return mount.meta.withVisibleProps(dir);
    const key = `v\0${mount.category.slug}\0${dir}`;
    const hit = this.#c.get(key);
    if (hit && 'index' in hit) return hit.index;
    const index = await mount.meta.withVisibleProps(dir);
    this.#c.set(key, { index });
    return index;
  }
}
