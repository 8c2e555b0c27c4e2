/**
 * One request from arrival to log line: builds the context, runs the pre-filter, dispatches,
 * maps every error to exactly one answer (or a destroyed socket once headers are out), and
 * records the log line and metrics.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { Metrics } from '../metrics.ts';
import type { ChangeBus, StateProvider } from '../vfs/mount.ts';
import type { DavTarget, LockStore } from './context.ts';
import type { CoreContext } from './core-context.ts';
import type { Lookup } from './lookup.ts';
import type { MetaCache } from './meta-cache.ts';
import type { Authenticator } from './authenticate.ts';
import { clientIp } from './authenticate.ts';
import { parseXml } from './xml/parse.ts';
import { bodyHeldBack, discardBodyFirst, drainUnreadBody, readCappedBody } from './body.ts';
import { publicPrefix, requestPath, resolveDestination, resolvePath } from './target.ts';
import { userCan } from './access.ts';
import { METHODS } from './dispatch.ts';
import { checkBodyCap, checkRequest, targetError } from './prefilter.ts';
import { sendError, sendStatus } from './respond.ts';
import { DavHttpError, statusOf } from './http-error.ts';
import { isVfsError } from '../vfs/errors.ts';
import { setHeaders, storedFileHeaders, wantsHsts } from '../security/headers.ts';

/** Everything one server shares between requests. */
export interface SharedDeps {
  getState: StateProvider; locks: LockStore; bus: ChangeBus; log: Logger; metrics: Metrics;
  lookup: Lookup; metaCache: MetaCache; auth: Authenticator;
}

const ROOT: DavTarget = { path: '', trailingSlash: true, href: '/' };

/** Serves one request. @throws never in practice (the caller still guards) */
export async function serveRequest(d: SharedDeps, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const started = process.hrtime.bigint();
  const socket = req.socket;
  const read0 = socket.bytesRead;
  const written0 = socket.bytesWritten;
  const method = (req.method ?? 'GET').toUpperCase();
  // `OPTIONS *` asks about the server as a whole: answer it as OPTIONS on the root.
  const rawPath = req.url === '*' && method === 'OPTIONS' ? '/' : requestPath(req.url);
  const query = rawPath.indexOf('?');
  const logPath = (query < 0 ? rawPath : rawPath.slice(0, query)).slice(0, 1024);
  const state = d.getState();
  // Created only when a handler asks for it (most requests never do); `gone` covers a close before that.
  let ac: AbortController | undefined;
  let gone = false;
  let userName = '';
  const ip = clientIp(req, state.config);

  res.on('close', () => {
    if (!res.writableFinished) {
      gone = true;
      ac?.abort();
    }
    try {
      record();
    } catch (e) {
      d.log.error({ err: e }, 'webdav: could not record a request');
    }
  });
  const record = () => {
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    const bytesIn = Math.max(0, socket.bytesRead - read0);
    const bytesOut = Math.max(0, socket.bytesWritten - written0);
    const status = res.writableFinished ? res.statusCode : 499;
    countRequest(d.metrics, METHODS.has(method) ? method : 'OTHER', status, bytesIn, bytesOut);
    if (d.log.isLevelEnabled('info')) {
      d.log.info({ method: method.slice(0, 32), path: logPath, status, bytesIn, bytesOut, ms: Math.round(ms * 10) / 10, user: userName || undefined, ip }, 'webdav request');
    }
  };

  const ctx: CoreContext = {
    req, res, state, user: null, target: ROOT, submittedTokens: [],
    locks: d.locks, bus: d.bus, log: d.log, lookup: d.lookup, metaCache: d.metaCache, metrics: d.metrics,
    prefix: publicPrefix(state.config),
    get signal() {
      if (!ac) {
        ac = new AbortController();
        if (gone) ac.abort();
      }
      return ac.signal;
    },
    can: (slug, action) => userCan(state.config, ctx.user, slug, action),
    resolveDestination: (value) => resolveDestination(req, state, value),
    readXml: async () => {
      const body = await readCappedBody(req, state.config.webdav.maxXmlBodyBytes, res);
      if (body.length === 0) return null;
      return parseXml(body.toString('utf8'));
    },
  };

  // Stored bytes never run in our origin: every GET/HEAD answer carries `CSP: sandbox` + nosniff
  // (a listing replaces them with the page headers).
  if (method === 'GET' || method === 'HEAD') setHeaders(res, storedFileHeaders({ hsts: wantsHsts(state.config.webdav) }));

  try {
    const handler = METHODS.get(method);
    if (!handler) throw new DavHttpError(501, 'method not implemented');
    let targetFailure: unknown;
    try {
      ctx.target = resolvePath(state, rawPath);
    } catch (e) {
      if (!isVfsError(e, 'ENOENT')) throw e;
      targetFailure = targetError(e, method);
    }
    checkBodyCap(ctx, method);
    const who = d.auth.authenticate(req, state.config);
    ctx.user = who instanceof Promise ? await who : who;
    userName = ctx.user?.name ?? '';
    if (targetFailure) {
      if (!ctx.user) throw d.auth.unauthorized(state.config);
      throw targetFailure;
    }
    const checked = checkRequest(ctx, method, d.auth);
    if (checked) await checked;
    await handler(ctx);
    if (!res.headersSent && !res.writableEnded) {
      d.log.error({ method, path: logPath }, 'webdav: handler returned without answering');
      sendStatus(res, 500);
    }
  } catch (e) {
    // A body too large is refused at once (the client is told to stop); others finish sending first.
    if (!res.headersSent && (statusOf(e) === 413 || !(await discardBodyFirst(req)))) res.setHeader('Connection', 'close');
    fail(d, ctx, e);
  }
  // A body nobody read (early error, a DELETE with a body): discard a bounded amount, then cut.
  drainUnreadBody(req);
}

const WEBDAV = { listener: 'webdav' } as const;

/** Counts one finished request and its bytes. @throws never in practice */
function countRequest(m: Metrics, method: string, status: number, bytesIn: number, bytesOut: number): void {
  m.davRequests.inc({ method, status: String(status) });
  m.bytesIn.inc(WEBDAV, bytesIn);
  m.bytesOut.inc(WEBDAV, bytesOut);
}

/** Answers an error once; after headers went out, cuts the connection instead. */
function fail(d: SharedDeps, ctx: CoreContext, e: unknown): void {
  const { req, res } = ctx;
  const status = statusOf(e);
  if (ctx.signal.aborted) d.log.debug({ err: e, method: req.method }, 'webdav: client went away');
  // An unreachable shared store is logged once per outage by its connection, not per request.
  else if (isVfsError(e, 'EUNAVAIL')) d.log.debug({ method: req.method }, 'webdav: refused while the shared lock store is unreachable');
  else if (status >= 500) d.log.error({ err: e, method: req.method, path: requestPath(req.url).split('?')[0] }, 'webdav: request failed');
  else d.log.debug({ err: e }, 'webdav: request refused');
  if (res.headersSent || res.writableEnded) {
    if (!res.writableEnded) res.destroy();
    return;
  }
  // A client still holding its body back for 100 Continue must not reuse this connection.
  if (!req.complete && bodyHeldBack(req)) res.setHeader('Connection', 'close');
  sendError(res, e);
}
