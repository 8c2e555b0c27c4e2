/**
 * Prometheus metrics. One {@link Metrics} object is created in the composition root and passed
 * to the components that record into it; labels never carry secrets (no user keys, no query strings).
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface Metrics {
  readonly registry: Registry;
  /** WebDAV requests by method and status. */
  davRequests: Counter<'method' | 'status'>;
  /** Download-listener requests by route and status. */
  httpRequests: Counter<'route' | 'status'>;
  /** /dl attempts by category and outcome (redirect|stream|denied|notfound|error). */
  downloads: Counter<'category' | 'outcome'>;
  bytesIn: Counter<'listener'>;
  bytesOut: Counter<'listener'>;
  /** Seconds per upload / download (WebDAV PUT, GET). */
  transferSeconds: Histogram<'direction' | 'backend'>;
  activeTransfers: Gauge<'direction'>;
  /** S3 calls by operation and result (ok|error code). */
  s3Calls: Counter<'operation' | 'result'>;
  /** Metadata cache lookups (hit|miss). */
  cacheLookups: Counter<'result'>;
  locksHeld: Gauge;
  /** Bleeding-edge scans by category and result (published|pruned|unchanged|error). */
  bleedingEdgeScans: Counter<'category' | 'result'>;
  authFailures: Counter<'listener'>;
}

/** Creates a fresh registry with every metric (and Node's default process metrics). @throws never */
export function createMetrics(opts: { defaultMetrics?: boolean } = {}): Metrics {
  const registry = new Registry();
  if (opts.defaultMetrics !== false) collectDefaultMetrics({ register: registry, prefix: 'releasedav_' });
  const r = [registry];
  return {
    registry,
    davRequests: new Counter({ name: 'releasedav_webdav_requests_total', help: 'WebDAV requests', labelNames: ['method', 'status'], registers: r }),
    httpRequests: new Counter({ name: 'releasedav_http_requests_total', help: 'Downloads listener requests', labelNames: ['route', 'status'], registers: r }),
    downloads: new Counter({ name: 'releasedav_downloads_total', help: 'Download attempts via /dl', labelNames: ['category', 'outcome'], registers: r }),
    bytesIn: new Counter({ name: 'releasedav_bytes_in_total', help: 'Request body bytes received', labelNames: ['listener'], registers: r }),
    bytesOut: new Counter({ name: 'releasedav_bytes_out_total', help: 'Response body bytes sent', labelNames: ['listener'], registers: r }),
    transferSeconds: new Histogram({
      name: 'releasedav_transfer_seconds', help: 'Duration of uploads and downloads', labelNames: ['direction', 'backend'],
      buckets: [0.01, 0.05, 0.1, 0.5, 1, 5, 15, 60, 300, 1800], registers: r,
    }),
    activeTransfers: new Gauge({ name: 'releasedav_active_transfers', help: 'Transfers in flight', labelNames: ['direction'], registers: r }),
    s3Calls: new Counter({ name: 'releasedav_s3_calls_total', help: 'S3 API calls', labelNames: ['operation', 'result'], registers: r }),
    cacheLookups: new Counter({ name: 'releasedav_cache_lookups_total', help: 'Metadata cache lookups', labelNames: ['result'], registers: r }),
    locksHeld: new Gauge({ name: 'releasedav_locks_held', help: 'WebDAV locks held', registers: r }),
    bleedingEdgeScans: new Counter({ name: 'releasedav_bleeding_edge_scans_total', help: 'Bleeding-edge scan results', labelNames: ['category', 'result'], registers: r }),
    authFailures: new Counter({ name: 'releasedav_auth_failures_total', help: 'Failed authentications', labelNames: ['listener'], registers: r }),
  };
}
