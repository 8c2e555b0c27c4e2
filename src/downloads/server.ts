/**
 * The downloads listener (Koa): /dl links, pages, feeds, JSON API, /healthz, /readyz, /metrics.
 * /dl redirects to presigned S3 URLs are answered before Koa by dl-fast.ts.
 * One error middleware maps every failure through toHttpStatus; stack traces never reach a visitor.
 */
import http from 'node:http';
import https from 'node:https';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import Koa, { type Context } from 'koa';
import { BasicVerifier } from '../auth/basic.ts';
import { BruteForceGuard, type SharedLockouts } from '../auth/brute-force.ts';
import type { Catalog } from '../catalog/types.ts';
import type { Logger } from '../log.ts';
import { redactUrl } from '../log.ts';
import type { Metrics } from '../metrics.ts';
import { VfsError, toHttpStatus } from '../vfs/errors.ts';
import type { StateProvider } from '../vfs/mount.ts';
import { decodeUrlPath } from '../vfs/path.ts';
import { handleDownload } from './dl.ts';
import { createDlFastPath } from './dl-fast.ts';
import type { LinkSigner } from './links.ts';
import { PAGE_STYLE_SOURCE } from './pages/html.ts';
import { errorPage } from './pages/views.ts';
import { pageHeaders, wantsHsts } from '../security/headers.ts';
import type { Config } from '../config/schema.ts';
import type { ClusterView } from '../lifecycle/cluster-worker.ts';
import { clientAddress } from '../security/addresses.ts';
import { offersCredentials, signerFor, type ServerParts } from './request-context.ts';
import { serveApi } from './routes-api.ts';
import { healthz, metrics, opsForbidden, readyz } from './routes-ops.ts';
import { mayReadOps } from './ops-access.ts';
import { serveFeed } from './routes-feeds.ts';
import { notFoundPage, servePage } from './routes-pages.ts';

/** Dependencies of {@link createDownloadsServer}. */
export interface DownloadsDeps {
  getState: StateProvider;
  catalog: Catalog;
  log: Logger;
  metrics: Metrics;
  /** Brute-force lockouts shared with other instances (coordination.redis). */
  lockouts?: SharedLockouts;
  /** The lock store's kind and state, for /readyz. */
  lockStore?: () => { kind: 'memory' | 'redis'; up: boolean };
  /** Fixed link signer; default: built from config.links (per config, so SIGHUP rotates it). */
  signer?: LinkSigner;
  /** Shared Basic verifier (its success cache); default: a new one. */
  verifier?: BasicVerifier;
  /** Per-mount timeout of /readyz, ms (default 2000). */
  readyTimeoutMs?: number;
  /** Set in a cluster worker: /metrics, /healthz and /readyz speak for every worker. */
  cluster?: ClusterView;
}

/** The running downloads listener. */
export interface DownloadsServer {
  server: http.Server;
  /** The request handler (tests may mount it on their own server). */
  handler: http.RequestListener;
  /** @throws the listen error (EADDRINUSE…) */
  listen(port: number, host: string): Promise<AddressInfo>;
  /** Stops accepting, ends idle keep-alive connections and waits for requests in flight. */
  close(): Promise<void>;
}

const routeOf = (segs: string[]): string => {
  switch (segs[0]) {
    case 'dl': return 'dl';
    case 'api': return 'api';
    case 'feeds': return 'feed';
    case 'healthz': case 'readyz': return 'health';
    case 'metrics': return 'metrics';
    default: return segs.length === 2 && segs[1] === 'feed.atom' ? 'feed' : 'page';
  }
};

/** Builds the Koa app and its http(s).Server (not listening yet). @throws Error when downloads.tls files cannot be read */
export function createDownloadsServer(deps: DownloadsDeps): DownloadsServer {
  const parts: ServerParts = {
    catalog: deps.catalog, log: deps.log, metrics: deps.metrics, signer: deps.signer,
    verifier: deps.verifier ?? new BasicVerifier(), guard: new BruteForceGuard(Date.now, deps.lockouts), readyTimeoutMs: deps.readyTimeoutMs ?? 2000, lockStore: deps.lockStore,
    cluster: deps.cluster,
  };
  const app = new Koa();
  app.silent = true;

  app.use(async (ctx) => {
    let route = 'other';
    const started = performance.now();
    try {
      const state = deps.getState();
      // ctx.ip by the one rule (X-Forwarded-For only via trusted proxies); Koa's own proxy handling stays off.
      ctx.request.ip = clientAddress(ctx.req, state.config.downloads);
      ctx.set(siteHeaders(state.config));
      ctx.state.rdav = state;
      const wait = offersCredentials(ctx) ? parts.guard.retryAfter(ctx.ip) : 0;
      if (wait > 0) {
        ctx.status = 429;
        ctx.set('Retry-After', String(wait));
        ctx.type = 'text/plain; charset=utf-8';
        ctx.body = 'Too many failed sign-ins from your address; try again later.\n';
        return;
      }
      if (ctx.path.startsWith('/dl/')) {
        route = 'dl';
        await handleDownload(ctx, state, { ...parts, signer: signerFor(parts, state.config) });
        return;
      }
      let decoded;
      try {
        decoded = decodeUrlPath(ctx.req.url ?? '/');
      } catch (err) {
        throw err instanceof VfsError ? err : new VfsError('EINVAL', 'bad path');
      }
      const segs = decoded.path === '' ? [] : decoded.path.split('/');
      route = routeOf(segs);
      if (segs[0] === 'healthz' && segs.length === 1) return healthz(ctx, parts);
      if ((segs[0] === 'readyz' || segs[0] === 'metrics') && segs.length === 1) {
        if (!mayReadOps(state.config, ctx.ip, ctx.get('Authorization') || undefined)) return opsForbidden(ctx);
        return segs[0] === 'readyz' ? await readyz(ctx, state, parts) : await metrics(ctx, parts);
      }
      if (segs[0] === 'api' && segs[1] === 'v1') return await serveApi(ctx, segs.slice(2), state, parts);
      if (segs[0] === 'feeds') return await serveFeed(ctx, segs.slice(1), state, parts);
      if (segs[0] === 'api' || segs[0] === 'dl') return notFoundPage(ctx);
      return await servePage(ctx, segs, decoded.trailingSlash || segs.length === 0, state, parts);
    } catch (err) {
      errorResponse(ctx, err, deps.log);
    } finally {
      deps.metrics.httpRequests.inc({ route, status: String(ctx.status) });
      // /dl writes its own attempt line; probes and scrapes only at debug.
      if (route !== 'dl') {
        const line = { method: ctx.method, path: redactUrl(ctx.req.url ?? '/'), status: ctx.status, bytesOut: ctx.response.length ?? null, ms: Math.round((performance.now() - started) * 10) / 10, ip: ctx.ip, route };
        if (route === 'health' || route === 'metrics') deps.log.debug(line, 'http request');
        else deps.log.info(line, 'http request');
      }
    }
  });

  const koaHandler = app.callback() as http.RequestListener;
  const fastDl = createDlFastPath(deps.getState, parts);
  // GET|HEAD /dl/… on presigning storage skips Koa (dl-fast.ts); the rest, and every case the fast path declines, goes to Koa.
  const handler: http.RequestListener = (req, res) => {
    if (req.url?.startsWith('/dl/') && fastDl(req, res)) return;
    koaHandler(req, res);
  };
  const tls = deps.getState().config.downloads.tls;
  const server: http.Server = tls
    ? https.createServer({ cert: readFileSync(tls.certPath), key: readFileSync(tls.keyPath), connectionsCheckingInterval: 1000 }, handler)
    : http.createServer({ connectionsCheckingInterval: 1000 }, handler);
  server.headersTimeout = 30_000;
  server.keepAliveTimeout = 10_000;

  return {
    server,
    handler,
    listen(port, host) {
      return new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          resolve(server.address() as AddressInfo);
        });
      });
    },
    close() {
      return new Promise((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      });
    },
  };
}

const headersByConfig = new WeakMap<Config, Record<string, string>>();

/** The security headers of every Koa answer (pages, feeds, API, errors), built once per config. @throws never */
function siteHeaders(config: Config): Record<string, string> {
  let h = headersByConfig.get(config);
  if (!h) {
    h = pageHeaders({ styleSources: [PAGE_STYLE_SOURCE], hsts: wantsHsts(config.downloads) });
    headersByConfig.set(config, h);
  }
  return h;
}

function errorResponse(ctx: Context, err: unknown, log: Logger): void {
  const status = toHttpStatus(err);
  if (status >= 500) log.error({ err, url: redactUrl(ctx.originalUrl) }, 'downloads: request failed');
  if (ctx.headerSent) {
    ctx.res.destroy();
    return;
  }
  ctx.status = status;
  if (status === 404) {
    ctx.type = 'text/html; charset=utf-8';
    ctx.body = errorPage(404, 'Not found');
    return;
  }
  ctx.type = 'text/plain; charset=utf-8';
  ctx.body = err instanceof VfsError && status < 500 ? `${err.message}\n` : status === 502 || status === 504 ? 'The storage is not reachable right now.\n' : 'Internal error.\n';
}
