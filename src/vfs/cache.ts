/**
 * A metadata cache in front of a backend: stat results (and, briefly, "not found") and whole
 * folder listings, bounded in entries and time. Writes made through the decorator invalidate
 * what they touch at once; changes made outside the daemon show after the TTL.
 */
import { LRUCache } from 'lru-cache';
import type { Metrics } from '../metrics.ts';
import { VfsError, isVfsError } from './errors.ts';
import { isWithin, parentPath } from './path.ts';
import type { Backend, Entry, ListOptions } from './types.ts';
import { flattenPages, listPages } from './list-pages.ts';

/** Options of {@link withCache}. */
export interface CacheOptions {
  /** Lifetime of a cached stat or listing, ms; 0 turns the cache off. */
  ttlMs: number;
  /** Most cached items (stats + listings). */
  max: number;
  /** Lifetime of a cached "not found", ms (default min(ttlMs, 1000)). */
  negativeTtlMs?: number;
  /** Listings longer than this stream through uncached (default 10,000). */
  maxListingEntries?: number;
  metrics?: Pick<Metrics, 'cacheLookups'>;
}

type StatValue = { entry: Entry } | { missing: true };
type Value = StatValue | { list: readonly Entry[] };

/**
 * Wraps `backend` in the cache. The result has the same contract (and throws the same VfsErrors).
 * @throws never
 */
export function withCache(backend: Backend, o: CacheOptions): Backend {
  if (o.ttlMs <= 0) return backend;
  const cache = new LRUCache<string, Value>({ max: o.max, ttl: o.ttlMs });
  const negativeTtl = o.negativeTtlMs ?? Math.min(o.ttlMs, 1000);
  const maxListing = o.maxListingEntries ?? 10_000;
  /** Bumped by every invalidation: a lookup that started earlier must not store its (maybe stale) result. */
  let generation = 0;
  const count = (result: 'hit' | 'miss') => o.metrics?.cacheLookups.inc({ result });

  const statKey = (p: string) => `s:${p}`;
  const listKey = (p: string) => `l:${p}`;

  /** Forgets `p` itself and every ancestor's listing and stat (S3 folders appear and vanish with their files). */
  const touch = (p: string) => {
    generation++;
    for (let q = p; ; q = parentPath(q)) {
      cache.delete(statKey(q));
      cache.delete(listKey(q));
      if (q === '') break;
    }
  };
  /** Forgets everything at or beneath `p` (plus its ancestors). */
  const touchTree = (p: string) => {
    touch(p);
    for (const k of [...cache.keys()]) if (isWithin(p, k.slice(2))) cache.delete(k);
  };
  const around = async <T>(paths: string[], tree: boolean, op: () => Promise<T>): Promise<T> => {
    const forget = () => paths.forEach(tree ? touchTree : touch);
    forget();
    try {
      return await op();
    } finally {
      forget();
    }
  };

  const cached: Backend = {
    caps: backend.caps,
    description: backend.description,
    forget: (p, tree) => (tree ? touchTree(p) : touch(p)),

    async stat(p) {
      const hit = cache.get(statKey(p));
      if (hit && !('list' in hit)) {
        count('hit');
        if ('missing' in hit) throw new VfsError('ENOENT', `not found: /${p}`);
        return hit.entry;
      }
      count('miss');
      const gen = generation;
      try {
        const entry = await backend.stat(p);
        if (gen === generation) cache.set(statKey(p), { entry });
        return entry;
      } catch (e) {
        if (isVfsError(e, 'ENOENT') && gen === generation && negativeTtl > 0) {
          cache.set(statKey(p), { missing: true }, { ttl: negativeTtl });
        }
        throw e;
      }
    },

    list: (p, lo) => flattenPages(cached.listPages!(p, lo)),

    async *listPages(p: string, lo?: ListOptions) {
      const hit = lo?.fresh ? undefined : cache.get(listKey(p));
      if (hit && 'list' in hit) {
        count('hit');
        // The whole listing as one page: a page is never mutated by its consumer.
        if (hit.list.length) yield hit.list;
        return;
      }
      count('miss');
      const gen = generation;
      /** The entries so far, while the listing may still fit in the cache (dropped once it cannot). */
      let seen: Entry[] | undefined = [];
      for await (const page of listPages(backend, p, lo)) {
        if (seen) {
          for (const e of page) seen.push(e);
          if (seen.length > maxListing) seen = undefined;
        }
        yield page;
      }
      // Only a listing read to its end is cached (a consumer that stops early never gets here).
      if (gen === generation && seen) {
        // A listing is a batch of fresh stats: PROPFIND Depth 1 then GET needs no extra call. Only
        // while they fit in half the cache (a big folder must not evict everything else), and
        // before the listing itself, which must not be evicted by its own stats.
        if (seen.length * 2 <= o.max) for (const e of seen) cache.set(statKey(e.path), { entry: e });
        cache.set(listKey(p), { list: seen });
      }
    },

    read: (p, ro) => backend.read(p, ro),
    write: (p, body, wo) => around([p], false, () => backend.write(p, body, wo)),
    mkdir: (p) => around([p], false, () => backend.mkdir(p)),
    remove: (p, ro) => around([p], true, () => backend.remove(p, ro)),
    move: (from, to, mo) => around([from, to], true, () => backend.move(from, to, mo)),
    copy: (from, to, co) => around([to], true, () => backend.copy(from, to, co)),
  };
  if (backend.presignGet) cached.presignGet = backend.presignGet.bind(backend);
  if (backend.quota) cached.quota = backend.quota.bind(backend);
  if (backend.close) cached.close = backend.close.bind(backend);
  return cached;
}
