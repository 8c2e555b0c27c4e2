/**
 * The WebDAV listener: our own http(s).Server, a pre-filter (strict paths, body caps, Overwrite,
 * Destination, authentication, permissions, If and conditional headers) and the method table.
 * All methods are answered by our own handlers; the webdav-server engine is not used (see README).
 * One request can never crash the process: every failure becomes a status, or — once headers are
 * out — a destroyed socket and a log line.
 */
import http from 'node:http';
import https from 'node:https';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import type { Metrics } from '../metrics.ts';
import type { ChangeBus, StateProvider } from '../vfs/mount.ts';
import type { LockStore } from './context.ts';
import type { SharedLockouts } from '../auth/brute-force.ts';
import { Lookup } from './lookup.ts';
import { MetaCache } from './meta-cache.ts';
import { Authenticator } from './authenticate.ts';
import { serveRequest } from './pipeline.ts';

/** What the WebDAV server is built from (all passed in by the composition root). */
export interface WebdavDeps {
  getState: StateProvider; locks: LockStore; bus: ChangeBus; log: Logger; metrics: Metrics;
  /** Brute-force lockouts shared with other instances. */
  lockouts?: SharedLockouts;
  /** Digest nonce key shared with other instances. */
  digestKey?: Buffer;
}

/** A WebDAV listener. */
export interface WebdavServer {
  server: http.Server | https.Server;
  /** Starts listening. @throws the listen error (EADDRINUSE, EACCES) */
  listen(port: number, host: string): Promise<AddressInfo>;
  /** Stops accepting, lets transfers finish for `lifecycle.drainSeconds`, then cuts the rest. @throws never */
  close(): Promise<void>;
}

/**
 * Builds the server from the config current at creation time (listener options and TLS; the
 * per-request state is read through `getState()`).
 * @throws Error if the TLS certificate or key cannot be read
 */
export function createWebdavServer(deps: WebdavDeps): WebdavServer {
  const config = deps.getState().config;
  const w = config.webdav;
  const options: http.ServerOptions = {
    requestTimeout: 0,
    headersTimeout: w.headersTimeoutSeconds * 1000,
    keepAliveTimeout: w.keepAliveTimeoutSeconds * 1000,
    // Node checks headersTimeout only this often (default 30 s): check often enough to matter.
    connectionsCheckingInterval: Math.min(1000, Math.ceil((w.headersTimeoutSeconds * 1000) / 2)),
  };
  const shared = { ...deps, lookup: new Lookup(deps.bus), metaCache: new MetaCache(deps.bus, config.cache.ttlSeconds * 1000), auth: new Authenticator(deps.log, deps.metrics, { lockouts: deps.lockouts, digestKey: deps.digestKey }) };
  const onRequest = (req: http.IncomingMessage, res: http.ServerResponse) => {
    serveRequest(shared, req, res).catch((e) => {
      deps.log.error({ err: e }, 'webdav: unexpected failure outside a handler');
      res.destroy();
    });
  };
  const server = w.tls
    ? https.createServer({ ...options, cert: readFileSync(w.tls.certPath), key: readFileSync(w.tls.keyPath) }, onRequest)
    : http.createServer(options, onRequest);
  // We decide about 100 Continue ourselves: only once a request passed the checks and its handler reads the body.
  server.on('checkContinue', onRequest);
  server.setTimeout(w.idleTimeoutSeconds * 1000, (socket) => socket.destroy());
  server.on('clientError', (err, socket) => {
    if (socket.writable && !(err as NodeJS.ErrnoException).code?.startsWith('ECONN')) {
      socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    }
    socket.destroy();
  });
  return {
    server,
    listen: (port, host) => new Promise<AddressInfo>((resolve, reject) => {
      const onError = (e: Error) => reject(e);
      server.once('error', onError);
      server.listen(port, host, () => {
        server.off('error', onError);
        resolve(server.address() as AddressInfo);
      });
    }),
    close: () => new Promise<void>((resolve) => {
      if (!server.listening) { resolve(); return; }
      const drainMs = deps.getState().config.lifecycle.drainSeconds * 1000;
      const timer = setTimeout(() => server.closeAllConnections(), drainMs);
      timer.unref();
      server.close(() => { clearTimeout(timer); resolve(); });
      server.closeIdleConnections();
    }),
  };
}
