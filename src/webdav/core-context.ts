/**
 * The context our own handlers see: the shared {@link DavContext} plus the server's helpers.
 * Handlers written against plain DavContext (the locks engineer's) accept it unchanged.
 */
import type { Metrics } from '../metrics.ts';
import type { DavContext } from './context.ts';
import type { Lookup } from './lookup.ts';
import type { MetaCache } from './meta-cache.ts';

/** Per-request context of the core server. */
export interface CoreContext extends DavContext {
  lookup: Lookup;
  /** Sidecar reads for listings. */
  metaCache: MetaCache;
  metrics: Metrics;
  /** Path prefix of every href ("" unless behind a proxy with a public URL path). */
  prefix: string;
  /** Fires when the client goes away before the response ended. */
  signal: AbortSignal;
}

/** A handler of the core server (a {@link import('./context.ts').DavHandler} over the richer context). */
export type CoreHandler = (ctx: CoreContext) => Promise<void>;
