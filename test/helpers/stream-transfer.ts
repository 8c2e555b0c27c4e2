/**
 * Large HTTP transfers that never hold the body: a PUT streamed from the pseudo-random source of
 * prng-bytes.ts (hashed while sending, with Content-Length or chunked with Finder's
 * X-Expected-Entity-Length) and a GET hashed while receiving. Plain node:http, backpressure honoured.
 */
import http from 'node:http';
import { createHash } from 'node:crypto';
import { prngSource } from './prng-bytes.ts';

const CHUNK = 1024 * 1024;

/**
 * How a PUT declares its size: `length` = Content-Length; `finder` = chunked + X-Expected-Entity-Length;
 * `chunked` = chunked with no size at all (an S3 backend must then upload in parts of a fixed size).
 */
export type UploadMode = 'length' | 'finder' | 'chunked';

/** A finished streamed transfer. */
export interface Transfer {
  status: number;
  headers: http.IncomingHttpHeaders;
  /** SHA-256 (hex) of the bytes sent (PUT) or received (GET). */
  sha256: string;
  /** Bytes sent (PUT) or received (GET). */
  bytes: number;
  /** Wall time from request start to the end of the response, ms. */
  ms: number;
  /** The response body (PUT) or its first `keepBytes` bytes (GET). */
  body: Buffer;
}

/** Options of {@link streamPut}. */
export interface PutOptions {
  size: number;
  seed: string;
  mode: UploadMode;
  headers?: Record<string, string>;
  /** The request fails when the connection is silent this long (default 60 s). */
  idleMs?: number;
}

function parts(origin: string) {
  const u = new URL(origin);
  return { host: u.hostname, port: Number(u.port) };
}

/**
 * PUTs `size` pseudo-random bytes of `seed` to `origin + path`, 1 MiB at a time. Stops sending when
 * the server answers early (the status is then returned, `bytes` < size).
 * @throws Error on connection errors and idle timeout
 */
export function streamPut(origin: string, path: string, o: PutOptions): Promise<Transfer> {
  const t0 = performance.now();
  const hash = createHash('sha256');
  const headers: Record<string, string> = { ...o.headers };
  if (o.mode === 'length') headers['Content-Length'] = String(o.size);
  else if (o.mode === 'finder') Object.assign(headers, { 'Transfer-Encoding': 'chunked', 'X-Expected-Entity-Length': String(o.size) });
  else headers['Transfer-Encoding'] = 'chunked';
  let sent = 0;
  return new Promise<Transfer>((resolve, reject) => {
    let answered = false;
    let failed = false;
    const req = http.request({ ...parts(origin), method: 'PUT', path, headers, agent: false }, (res) => {
      answered = true;
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => resolve({
        status: res.statusCode ?? 0, headers: res.headers, sha256: hash.digest('hex'), bytes: sent, ms: performance.now() - t0, body: Buffer.concat(chunks),
      }));
    });
    req.setTimeout(o.idleMs ?? 60_000, () => req.destroy(new Error(`PUT ${path}: no progress for ${o.idleMs ?? 60_000} ms after ${sent} bytes`)));
    req.on('error', (e) => { failed = true; reject(e); });
    const drained = () => new Promise<void>((r) => {
      const done = () => { req.off('drain', done); req.off('close', done); r(); };
      req.on('drain', done);
      req.on('close', done);
    });
    const src = prngSource(o.seed, CHUNK);
    void (async () => {
      while (sent < o.size && !answered && !failed && !req.destroyed) {
        const chunk = src.next(Math.min(CHUNK, o.size - sent));
        hash.update(chunk);
        sent += chunk.length;
        if (!req.write(chunk)) await drained();
      }
      if (!failed && !req.destroyed) req.end();
    })();
  });
}

/**
 * GETs `origin + path`, hashing the body as it arrives and keeping its first `keepBytes` bytes.
 * @throws Error on connection errors and idle timeout
 */
export function streamGet(origin: string, path: string, headers: Record<string, string> = {}, keepBytes = 0, idleMs = 60_000): Promise<Transfer> {
  const t0 = performance.now();
  return new Promise<Transfer>((resolve, reject) => {
    const req = http.request({ ...parts(origin), method: 'GET', path, headers, agent: false }, (res) => {
      const hash = createHash('sha256');
      const kept: Buffer[] = [];
      let bytes = 0;
      res.on('data', (c: Buffer) => {
        hash.update(c);
        if (bytes < keepBytes) kept.push(c.subarray(0, keepBytes - bytes));
        bytes += c.length;
      });
      res.on('error', reject);
      res.on('end', () => resolve({
        status: res.statusCode ?? 0, headers: res.headers, sha256: hash.digest('hex'), bytes, ms: performance.now() - t0, body: Buffer.concat(kept),
      }));
    });
    req.setTimeout(idleMs, () => req.destroy(new Error(`GET ${path}: no progress for ${idleMs} ms`)));
    req.on('error', reject);
    req.end();
  });
}
