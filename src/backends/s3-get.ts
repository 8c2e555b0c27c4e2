/**
 * Object reads through a short-lived presigned GET URL, with no SDK middleware or body wrapper in
 * between (the SDK's GetObject body ran at a third of the store's speed): on a plain-http
 * endpoint a raw socket reading into one reused buffer (s3-raw-get.ts, a fraction of node:http's
 * CPU per byte), on https node:https with a keep-alive agent. Errors go through s3-errors.ts like
 * every other S3 call, and each request counts as `GetObject`.
 */
import http from 'node:http';
import https from 'node:https';
import type { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { VfsError } from '../vfs/errors.ts';
import type { ByteRange } from '../vfs/types.ts';
import { httpStatusError, toVfsError, type S3CallCounter } from './s3-errors.ts';
import type { Presigner } from './s3-presign.ts';
import { RAW_READ_BUFFER_BYTES, RawHttpFailure, RawUnsupported, rawGet, type RawObjectBody } from './s3-raw-get.ts';
import { FIRST_SEGMENT, SegmentedObjectBody, borrowed } from './s3-segments.ts';
import type { TransferBudget, TransferLease } from '../vfs/transfer-budget.ts';

/** Lifetime of the URLs a read signs for itself (they are used at once, never handed out). */
const READ_URL_SECONDS = 60;
/** Attempts for a request that failed before any byte of the object arrived (5xx, reset). */
const ATTEMPTS = 3;
/** Most bytes of an error answer read to find its S3 `<Code>`. */
const ERROR_BODY_MAX = 16 * 1024;
/**
 * Reads expected to be at least this large use the raw socket (s3-raw-get.ts), in segments
 * (s3-segments.ts); it opens one connection per segment, which small reads (sidecars, listings'
 * metadata) would pay for in latency and TIME_WAIT sockets.
 */
export const RAW_MIN_BYTES = 1024 * 1024;
/**
 * Large reads go in segments (s3-segments.ts) only while more than this many transfers are open
 * (the transfer budget's count): a lone or a few readers get one GET for the whole range, so a
 * read that started before an overwrite still completes with the old version, as S3 promises for
 * one GET; under many concurrent readers (where the store's read-ahead per open GET is what
 * hurts) an overwrite mid-read fails the read instead (If-Match on later segments).
 */
export const SEGMENT_ABOVE_ACTIVE = 16;
const RETRY_STATUS = new Set([500, 502, 503, 504]);
const RETRY_NETWORK = new Set(['ECONNRESET', 'EPIPE', 'ECONNREFUSED']);

/**
 * An object body and the length the store declared for it. `body` may be a RawObjectBody
 * (s3-raw-get.ts), which can also write itself straight into a socket.
 */
export interface ObjectBody { body: Readable; contentLength?: number }

/** Reads objects of one bucket. */
export interface ObjectGetter {
  /**
   * GETs `key` (optionally a byte range). Resolves once the store answered 200/206; the body is
   * the live response (backpressured, nothing read ahead). `what` labels errors (never a URL).
   * A `sizeHint` of at least {@link RAW_MIN_BYTES} on a plain-http endpoint reads on a raw socket
   * (one connection per read); smaller reads reuse keep-alive connections.
   * @throws VfsError ENOENT (404), ERANGE (416), EACCES (403), ETIMEDOUT (silent store), EIO (5xx, network, abort)
   */
  get(key: string, range: ByteRange | undefined, signal: AbortSignal | undefined, what: string, sizeHint?: number): Promise<ObjectBody>;
  /** Closes the idle keep-alive sockets. @throws never */
  close(): void;
}

export interface ObjectGetterOptions {
  presigner: Presigner;
  count: S3CallCounter;
  /** A socket silent for this long fails the read. */
  idleTimeoutMs: number;
  /** Most sockets per protocol (default 64). */
  maxSockets?: number;
  /** The transfer memory budget that sizes raw reads' buffers (none: RAW_READ_BUFFER_BYTES each). */
  budget?: TransferBudget;
  /** Segment large reads while more transfers than this are open (default {@link SEGMENT_ABOVE_ACTIVE}; -1: always). */
  segmentAboveActive?: number;
}

class HttpFailure extends RawHttpFailure {}

/** Reads at most ERROR_BODY_MAX bytes of an error answer and returns its S3 `<Code>`, if any. */
async function errorCode(res: http.IncomingMessage): Promise<string | undefined> {
  let text = '';
  try {
    for await (const chunk of res) {
      text += (chunk as Buffer).toString('utf8');
      if (text.length >= ERROR_BODY_MAX) break;
    }
  } catch { /* the status is enough */ }
  res.destroy();
  return /<Code>([A-Za-z0-9.]{1,64})<\/Code>/.exec(text)?.[1];
}

/**
 * Creates the getter; it makes no request until used.
 * @throws never
 */
export function createObjectGetter(o: ObjectGetterOptions): ObjectGetter {
  const agentOptions = { keepAlive: true, maxSockets: o.maxSockets ?? 64 };
  const agents = { http: new http.Agent(agentOptions), https: new https.Agent(agentOptions) };

  /** One request; resolves with a 200/206 response, rejects with HttpFailure or the network error. */
  function requestOnce(url: URL, range: ByteRange | undefined, signal: AbortSignal | undefined): Promise<http.IncomingMessage> {
    const https_ = url.protocol === 'https:';
    const headers: Record<string, string> = range ? { range: `bytes=${range.start}-${range.end ?? ''}` } : {};
    return new Promise((resolve, reject) => {
      const req = (https_ ? https : http).request(url, { method: 'GET', headers, agent: https_ ? agents.https : agents.http });
      let res: http.IncomingMessage | undefined;
      const fail = (err: Error) => { res ? res.destroy(err) : req.destroy(err); };
      const onAbort = () => fail(new VfsError('EIO', 'read aborted'));
      signal?.addEventListener('abort', onAbort, { once: true });
      req.setTimeout(o.idleTimeoutMs, () => fail(Object.assign(new Error('S3 socket idle timeout'), { code: 'ETIMEDOUT' })));
      req.on('error', reject);
      req.on('close', () => signal?.removeEventListener('abort', onAbort));
      req.on('response', (r) => {
        res = r;
        if (r.statusCode === 200 || r.statusCode === 206) return resolve(r);
        void errorCode(r).then((code) => reject(new HttpFailure(r.statusCode ?? 0, code)));
      });
      req.end();
    });
  }

  /** Counts a failed attempt and says whether to try again; @throws the VfsError when not */
  const failed = (err: unknown, attempt: number, signal: AbortSignal | undefined, op: string): void => {
    const retry = attempt < ATTEMPTS && !signal?.aborted && (err instanceof RawHttpFailure
      ? RETRY_STATUS.has(err.status)
      : RETRY_NETWORK.has((err as { code?: string }).code ?? ''));
    if (err instanceof RawHttpFailure) {
      o.count('GetObject', err.s3Code ?? `HTTP${err.status}`);
      if (!retry) throw err.status === 412 ? new VfsError('EIO', `${op}: the object changed during the read`) : httpStatusError(err.status, err.s3Code, op);
    } else {
      o.count('GetObject', (err as { code?: string }).code ?? (err as Error).name ?? 'Error');
      if (!retry) throw toVfsError(err, op);
    }
  };

  /** One segment of a raw read, with the usual retries (nothing of it was sent yet). */
  async function rawSegment(key: string, range: ByteRange, etag: string | undefined, signal: AbortSignal | undefined, lease: TransferLease | undefined, buffer: { current?: Buffer }, op: string): Promise<RawObjectBody> {
    for (let attempt = 1; ; attempt++) {
      if (signal?.aborted) throw new VfsError('EIO', 'read aborted');
      const url = await o.presigner.presign(key, { expiresIn: READ_URL_SECONDS });
      try {
        const body = await rawGet(url, range, signal, o.idleTimeoutMs, () => new VfsError('EIO', 'read aborted'), lease && borrowed(lease), { headers: etag ? { 'If-Match': etag } : undefined, buffer });
        o.count('GetObject', 'ok');
        return body;
      } catch (err) {
        failed(err, attempt, signal, op);
        await sleep(100 * 2 ** (attempt - 1));
      }
    }
  }

  return {
    async get(key, range, signal, what, sizeHint) {
      let raw = (sizeHint ?? 0) >= RAW_MIN_BYTES;
      const op = `GetObject ${what}`;
      for (let attempt = 1; ; attempt++) {
        if (signal?.aborted) throw new VfsError('EIO', 'read aborted');
        const url = await o.presigner.presign(key, { expiresIn: READ_URL_SECONDS });
        try {
          if (raw && url.protocol === 'http:') {
            const start = range?.start ?? 0;
            const lease = o.budget?.open(RAW_READ_BUFFER_BYTES, 1);
            const buffer: { current?: Buffer } = {};
            try {
              const segmented = (o.budget?.stats().active ?? 0) > (o.segmentAboveActive ?? SEGMENT_ABOVE_ACTIVE);
              const firstEnd = segmented ? Math.min(range?.end ?? Infinity, start + FIRST_SEGMENT - 1) : range?.end;
              const first = await rawGet(url, firstEnd === undefined && start === 0 ? undefined : { start, end: firstEnd }, signal, o.idleTimeoutMs, () => new VfsError('EIO', 'read aborted'), lease && borrowed(lease), { buffer });
              o.count('GetObject', 'ok');
              if (first.contentLength === undefined) { first.destroy(); throw new RawUnsupported('no Content-Length'); }
              // A 206 names the object's size; a store that ignored the range sent all of it.
              const last = first.meta.totalSize === undefined ? start + (first.contentLength ?? 0) - 1 : Math.min(range?.end ?? Infinity, first.meta.totalSize - 1);
              const body = new SegmentedObjectBody(first, start, last, (r, etag, s) => rawSegment(key, r, etag, signal ? AbortSignal.any([signal, s]) : s, lease, buffer, op), lease);
              return { body, contentLength: body.contentLength };
            } catch (err) {
              lease?.close();
              if (err instanceof RawHttpFailure && err.status === 416 && !range) { raw = false; attempt--; continue; } // shorter than its stat said: read it whole
              if (!(err instanceof RawUnsupported)) throw err;
            }
          }
          const res = await requestOnce(url, range, signal);
          o.count('GetObject', 'ok');
          const len = Number(res.headers['content-length']);
          return { body: res, contentLength: Number.isFinite(len) ? len : undefined };
        } catch (err) {
          failed(err, attempt, signal, op);
          await sleep(100 * 2 ** (attempt - 1));
        }
      }
    },
    close() {
      agents.http.destroy();
      agents.https.destroy();
    },
  };
}
