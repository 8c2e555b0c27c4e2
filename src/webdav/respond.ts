/**
 * Small response writers. Every one of them answers at most once: a response whose headers are
 * already out is left alone (the caller destroys the socket instead).
 */
import type { ServerResponse } from 'node:http';
import { DavHttpError, publicMessage, statusOf } from './http-error.ts';
import { isVfsError, UNAVAILABLE_RETRY_AFTER_SECONDS } from '../vfs/errors.ts';

/** Sends a status with an optional plain-text body. @returns false if headers were already sent. @throws never */
export function sendStatus(res: ServerResponse, status: number, headers: Record<string, string | string[] | number> = {}, body?: string): boolean {
  if (res.headersSent || res.writableEnded) return false;
  const buf = body === undefined ? undefined : Buffer.from(body);
  for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
  if (buf) {
    if (!res.hasHeader('content-type')) res.setHeader('Content-Type', 'text/plain; charset=utf-8');
    res.setHeader('Content-Length', buf.length);
  } else if (status !== 204 && status !== 304) {
    res.setHeader('Content-Length', 0);
  }
  res.statusCode = status;
  res.end(buf);
  return true;
}

/** Sends an XML document with the given status. @throws never */
export function sendXml(res: ServerResponse, status: number, xml: string, headers: Record<string, string | string[]> = {}): boolean {
  return sendStatus(res, status, { ...headers, 'Content-Type': 'application/xml; charset="utf-8"' }, xml);
}

/** Answers an error: DavHttpError with its headers/`<D:error>` body, others by status (EUNAVAIL with Retry-After). @throws never */
export function sendError(res: ServerResponse, err: unknown): boolean {
  const status = statusOf(err);
  if (err instanceof DavHttpError) {
    if (err.errorXml) {
      return sendXml(res, status, `<?xml version="1.0" encoding="utf-8"?>\n<D:error xmlns:D="DAV:">${err.errorXml}</D:error>\n`, err.headers);
    }
    return sendStatus(res, status, err.headers, status >= 400 && status !== 401 ? `${publicMessage(err)}\n` : undefined);
  }
  const headers: Record<string, string> = isVfsError(err, 'EUNAVAIL') ? { 'Retry-After': String(UNAVAILABLE_RETRY_AFTER_SECONDS) } : {};
  return sendStatus(res, status, headers, `${publicMessage(err)}\n`);
}
