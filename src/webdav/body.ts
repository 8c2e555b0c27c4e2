/**
 * Reading small request bodies (PROPFIND, PROPPATCH, LOCK XML) under a hard cap: a declared
 * Content-Length over the cap is refused before reading, a chunked body is cut off the moment it
 * crosses the cap. The declared length is never allocated up front.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { PassThrough } from 'node:stream';
import { DavHttpError } from './http-error.ts';

/** The declared body length, or null for none/chunked. @throws DavHttpError 400 for a malformed value */
export function declaredLength(req: IncomingMessage): number | null {
  const v = req.headers['content-length'];
  if (v === undefined) return null;
  if (!/^\d{1,16}$/.test(v)) throw new DavHttpError(400, 'invalid Content-Length');
  return Number(v);
}

/** True if the request carries a body (a non-zero Content-Length or chunked). @throws DavHttpError 400 */
export function hasBody(req: IncomingMessage): boolean {
  const n = declaredLength(req);
  if (n !== null) return n > 0;
  return req.headers['transfer-encoding'] !== undefined;
}

/**
 * Reads the whole body into memory, at most `max` bytes (sending 100 Continue first when `res` is given and the client expects it).
 * @throws DavHttpError 413 over the cap, 400 if the client aborts mid-body
 */
export async function readCappedBody(req: IncomingMessage, max: number, res?: ServerResponse): Promise<Buffer> {
  const n = declaredLength(req);
  if (n !== null && n > max) throw new DavHttpError(413, 'request body too large', { headers: { Connection: 'close' } });
  if (n === 0 || (n === null && req.headers['transfer-encoding'] === undefined)) return Buffer.alloc(0);
  if (res) continueIfExpected(req, res);
  return collectBody(req, max);
}

/** Gathers the body with 'data'/'end' events (cheaper than the async iterator for tiny bodies). */
function collectBody(req: IncomingMessage, max: number): Promise<Buffer> {
  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let total = 0;
    const cleanup = () => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('close', onClose);
    };
    const onData = (c: Buffer) => {
      total += c.length;
      if (total > max) {
        cleanup();
        req.destroy(); // as the async iterator did: the rest of an oversized body is not read
        reject(new DavHttpError(413, 'request body too large', { headers: { Connection: 'close' } }));
        return;
      }
      chunks.push(c);
    };
    const onEnd = () => {
      cleanup();
      resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, total));
    };
    const onError = (e: Error) => {
      cleanup();
      reject(new DavHttpError(400, 'request body aborted', { cause: e }));
    };
    const onClose = () => {
      if (req.complete) return;
      cleanup();
      reject(new DavHttpError(400, 'request body aborted'));
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('close', onClose);
  });
}

/** Most bytes of an unread body discarded after an early answer, before the connection is cut. */
export const DRAIN_MAX_BYTES = 64 * 1024 * 1024;
/** Longest time spent discarding an unread body after an early answer. */
export const DRAIN_MAX_MS = 5000;

/**
 * Sends `100 Continue` if the client waits for it (we register `checkContinue`, so Node does not
 * send it by itself: a request refused before its body is read never makes the client send it).
 * @throws never
 */
export function continueIfExpected(req: IncomingMessage, res: ServerResponse): void {
  if (!res.headersSent && expectsContinue(req) && !continued.has(req)) {
    continued.add(req);
    res.writeContinue();
  }
}

const continued = new WeakSet<IncomingMessage>();

/** The client waits for 100 Continue before sending its body. @throws never */
export function expectsContinue(req: IncomingMessage): boolean {
  return /^\s*100-continue\s*$/i.test(req.headers.expect ?? '');
}

/** True if a client that expected 100 Continue was never sent it (so it holds its body back). @throws never */
export function bodyHeldBack(req: IncomingMessage): boolean {
  return expectsContinue(req) && !continued.has(req);
}

/**
 * After an answer that left the request body unread (an early 4xx/5xx on a PUT, a DELETE with a
 * body): discard what the client still sends, up to {@link DRAIN_MAX_BYTES} / {@link DRAIN_MAX_MS},
 * so it receives the status instead of a connection reset; beyond that, cut the connection.
 * @throws never
 */
export function drainUnreadBody(req: IncomingMessage): void {
  const socket = req.socket;
  if (req.complete || req.destroyed || !socket || socket.destroyed) return;
  const b0 = socket.bytesRead;
  const t0 = Date.now();
  req.on('error', () => { /* the socket is going away anyway */ });
  req.resume();
  const timer = setInterval(() => {
    if (req.complete || socket.destroyed) { clearInterval(timer); return; }
    if (Date.now() - t0 > DRAIN_MAX_MS || socket.bytesRead - b0 > DRAIN_MAX_BYTES) {
      clearInterval(timer);
      socket.destroy();
    }
  }, 100);
  timer.unref();
}

/**
 * The request body as a stream the backend may destroy on failure without destroying the request
 * itself, so an early error (507, 412) can still be answered and the rest of the body drained.
 * A client abort still reaches the backend as an error of the returned stream. @throws never
 */
export function detachableBody(req: IncomingMessage): PassThrough {
  const body = new PassThrough();
  const onAbort = () => { if (!req.complete) body.destroy(new Error('request body aborted by the client')); };
  req.on('aborted', onAbort);
  req.on('error', (e) => body.destroy(e));
  req.on('close', onAbort);
  body.on('close', () => {
    req.off('aborted', onAbort);
    req.off('close', onAbort);
    req.unpipe(body);
  });
  req.pipe(body);
  return body;
}

/**
 * Before answering an early error to a client that is still sending its body: discard the rest
 * of the body first (bounded by {@link DRAIN_MAX_BYTES} / {@link DRAIN_MAX_MS}). Answering while
 * data still arrives lets Node close a `Connection: close` socket with unread data, and the
 * kernel's reset then destroys the status before the client reads it (lingering close).
 * @returns true if the whole body was consumed. @throws never
 */
export function discardBodyFirst(req: IncomingMessage): Promise<boolean> {
  const socket = req.socket;
  if (req.complete) return Promise.resolve(true);
  if (req.destroyed || !socket || socket.destroyed || bodyHeldBack(req)) return Promise.resolve(false);
  if (Number(req.headers['content-length'] ?? 0) > DRAIN_MAX_BYTES) return Promise.resolve(false);
  return new Promise((resolve) => {
    const b0 = socket.bytesRead;
    const done = (ok: boolean) => { clearInterval(timer); req.off('end', onEnd); req.off('close', onClose); resolve(ok); };
    const onEnd = () => done(true);
    const onClose = () => done(req.complete);
    const timer = setInterval(() => {
      if (socket.bytesRead - b0 > DRAIN_MAX_BYTES) done(false);
    }, 50);
    setTimeout(() => done(req.complete), DRAIN_MAX_MS).unref();
    req.on('end', onEnd);
    req.on('close', onClose);
    req.on('error', () => undefined);
    req.resume();
  });
}
