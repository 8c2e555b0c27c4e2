/**
 * Rendered feeds, kept per catalog generation: a feed asked for again while its category did not
 * change is answered from memory, with no storage call and no rendering. Bounded (LRU).
 */
import { createHash } from 'node:crypto';
import { LRUCache } from 'lru-cache';

/** One rendered feed answer. */
export interface RenderedFeed {
  status: 200 | 204 | 404;
  body: string;
  type: string;
  /** Strong ETag of the body (quoted). */
  etag?: string;
  lastModified?: Date;
}

/** A feed cache. */
export interface FeedCache {
  /** The cached answer for `key`, or renders, stores and returns it. @throws what `render` throws (nothing is stored) */
  get(key: string, render: () => Promise<RenderedFeed>): Promise<RenderedFeed>;
}

/** A strong ETag for a body. @throws never */
export const bodyEtag = (body: string): string => `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`;

/** Creates a cache of at most `max` rendered feeds. @throws never */
export function createFeedCache(max = 2000): FeedCache {
  const lru = new LRUCache<string, RenderedFeed>({ max });
  return {
    async get(key, render) {
      const hit = lru.get(key);
      if (hit) return hit;
      const fresh = await render();
      lru.set(key, fresh);
      return fresh;
    },
  };
}
