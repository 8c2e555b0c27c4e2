/**
 * Reading small request bodies (PROPFIND, PROPPATCH, LOCK XML) under a hard cap: a declared
 * Content-Length over the cap is refused before reading, a chunked body is cut off the moment it
 * crosses the cap. The declared length is never allocated up front.
 */
import type { IncomingMessage } from 'node:http';
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
 * Reads the whole body into memory, at most `max` bytes.
 * @throws DavHttpError 413 over the cap, 400 if the client aborts mid-body
 */
export async function readCappedBody(req: IncomingMessage, max: number): Promise<Buffer> {
  const n = declaredLength(req);
  if (n !== null && n > max) throw new DavHttpError(413, 'request body too large', { headers: { Connection: 'close' } });
  if (n === 0 || (n === null && req.headers['transfer-encoding'] === undefined)) return Buffer.alloc(0);
  const chunks: Buffer[] = [];
  let total = 0;
  try {
    for await (const c of req as AsyncIterable<Buffer>) {
      total += c.length;
      if (total > max) throw new DavHttpError(413, 'request body too large', { headers: { Connection: 'close' } });
      chunks.push(c);
    }
  } catch (e) {
    if (e instanceof DavHttpError) throw e;
    throw new DavHttpError(400, 'request body aborted', { cause: e });
  }
  return Buffer.concat(chunks, total);
}
