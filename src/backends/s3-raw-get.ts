/**
 * A GET of a presigned plain-http URL on a raw TCP socket that reads into one reused buffer: no
 * 64 KiB allocation, HTTP parser pass or stream hop per read (node:http's client costs several
 * times the CPU for the same bytes). The body is a Readable (each read copied out of the buffer),
 * or is written straight from the buffer into another socket with {@link RawObjectBody.sendTo}.
 * Only the response head is parsed here; a chunked 200/206 is refused ({@link RawUnsupported})
 * so the caller can use node:http instead. The request says `Connection: close` (no pool).
 */
import net from 'node:net';
import { Readable, type Writable } from 'node:stream';
import type { ByteRange } from '../vfs/types.ts';
import type { TransferLease } from '../vfs/transfer-budget.ts';

/**
 * Largest buffer one read fills (one per request, reused for every read). Its actual size comes
 * from the transfer budget before each read (../vfs/transfer-budget.ts): smaller when many
 * transfers share the budget or the receiver drains slowly.
 */
export const RAW_READ_BUFFER_BYTES = 512 * 1024;
/** Largest response head accepted. */
const HEAD_MAX = 64 * 1024;
/** Most bytes of an error answer kept to find its S3 `<Code>`. */
const ERROR_BODY_MAX = 16 * 1024;

/** The store answered something other than 200/206. */
export class RawHttpFailure extends Error {
  constructor(readonly status: number, readonly s3Code: string | undefined) { super(`HTTP ${status}`); }
}

/** The answer cannot be read on the raw path (chunked body): nothing was consumed, ask again with node:http. */
export class RawUnsupported extends Error {}

const codedError = (message: string, code: string) => Object.assign(new Error(message), { code });

/** Parts of a 200/206 answer's head a caller may need. */
export interface RawAnswerMeta {
  /** The ETag header, as sent (quoted). */
  etag?: string;
  /** For a 206: the total size of the object (`Content-Range: bytes a-b/total`), when the store gave it. */
  totalSize?: number;
}

/** Options of {@link rawGet} beyond the common ones. */
export interface RawGetMore {
  /** More request headers (name → value). */
  headers?: Record<string, string>;
  /** Holds the read buffer across sequential calls. */
  buffer?: { current?: Buffer };
}

interface Direct { out: Writable; resolve: () => void; reject: (err: Error) => void; waiting: boolean; sentAt: number; sent: number }

/**
 * The body of a 200/206 answer. Reading starts only when it is consumed (piped, read, or
 * {@link sendTo}); destroying it closes the socket.
 */
export class RawObjectBody extends Readable {
  /** Bytes the store declared (Content-Length), undefined when it gave none (body ends at close). */
  readonly contentLength: number | undefined;
  /** What the store said about the answer: its ETag and, for a 206, the object's total size (Content-Range). */
  readonly meta: RawAnswerMeta = {};
  #socket: net.Socket;
  #left: number;
  #pending: Buffer | undefined;
  #direct: Direct | undefined;
  /** No more reads: the body is complete, failed or destroyed. */
  #done = false;

  #lease: TransferLease | undefined;

  constructor(socket: net.Socket, contentLength: number | undefined, pending: Buffer, lease?: TransferLease, meta: RawAnswerMeta = {}) {
    super({ highWaterMark: lease?.chunkSize() ?? RAW_READ_BUFFER_BYTES });
    this.meta = meta;
    this.#lease = lease;
    this.#socket = socket;
    this.contentLength = contentLength;
    this.#left = contentLength ?? Infinity;
    this.#pending = pending.length > 0 ? pending : undefined;
  }

  /** Passes at most `n` bytes from now on (a store that sent more than the range asked). @throws never */
  limit(n: number): void {
    this.#left = Math.min(this.#left, n);
  }

  /**
   * Writes the rest of the body into `out` straight from the read buffer (a read waits until
   * `out` has taken the previous one), then resolves; `out` is not ended. Use on a fresh body only
   * (not after it was piped or read).
   * @throws Error when the socket fails or closes early, the body is destroyed, or `out` fails or closes first
   */
  sendTo(out: Writable): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.on('error', () => { /* reported through the promise */ });
      const onClose = () => this.#fail(codedError('the receiving socket closed', 'EPIPE'));
      out.once('close', onClose);
      let settled = false;
      const done = (err?: Error) => {
        if (settled) return;
        settled = true;
        out.off('close', onClose);
        err ? reject(err) : resolve();
      };
      this.#direct = { out, resolve: () => done(), reject: done, waiting: false, sentAt: 0, sent: 0 };
      if (this.#done) return done(codedError('the body was already consumed or destroyed', 'EPIPE'));
      if (this.#left === 0) return this.#finish();
      const first = this.#pending;
      this.#pending = undefined;
      if (first && this.#deliver(first, first.length) === false) return;
      this.#socket.resume();
    });
  }

  /** Called by the socket with each read (`buf` is reused: copy or finish with it before returning). */
  onRead(n: number, buf: Buffer): boolean {
    return this.#deliver(buf, n);
  }

  /** The socket closed; anything but a complete body is an error. */
  onClose(err: Error | undefined): void {
    if (this.#done) return;
    if (err || this.#left !== Infinity) return this.#fail(err ?? codedError('the store closed the connection before the end of the body', 'ECONNRESET'));
    this.#finish();
  }

  override _read(): void {
    if (this.#left === 0) return this.#finish();
    const first = this.#pending;
    this.#pending = undefined;
    if (first && this.#deliver(first, first.length) === false) return;
    if (!this.#done) this.#socket.resume();
  }

  override _destroy(err: Error | null, cb: (err: Error | null) => void): void {
    if (!this.#done) {
      this.#done = true;
      this.#socket.destroy();
      this.#direct?.reject(err ?? codedError('the read was cancelled', 'ECONNRESET'));
    }
    cb(err);
  }

  /** Hands `n` bytes of `buf` on; returns false to stop reading. */
  #deliver(buf: Buffer, n: number): boolean {
    if (this.#done) return false;
    const k = Math.min(n, this.#left);
    this.#left -= k;
    const last = this.#left === 0;
    let more: boolean;
    const d = this.#direct;
    if (d) {
      if (k > 0) {
        if (d.sent === 0) d.sentAt = Date.now();
        d.sent += k;
        d.out.write(k === buf.length ? buf : buf.subarray(0, k), (err) => this.#written(err));
      }
      more = d.out.writableLength === 0;
      if (!more && !last) d.waiting = true;
    } else {
      more = k > 0 ? this.push(Buffer.from(buf.subarray(0, k))) : true;
    }
    if (last) { this.#finish(); return false; }
    if (!more) { this.#socket.pause(); return false; }
    return true;
  }

  /** Callback of every write into the direct receiver. */
  #written(err: Error | null | undefined): void {
    const d = this.#direct!;
    if (err) return this.#fail(err);
    if (d.out.writableLength !== 0) return;
    this.#lease?.drained(d.sent, Date.now() - d.sentAt); // how fast the receiver takes what we give it
    d.sent = 0;
    if (this.#done) d.resolve(); // the body is complete and the receiver has it all
    else if (d.waiting) { d.waiting = false; this.#socket.resume(); }
  }

  #finish(): void {
    if (this.#done) return;
    this.#done = true;
    this.#socket.destroy();
    const d = this.#direct;
    if (!d) this.push(null);
    else if (d.out.writableLength === 0) d.resolve(); // else the last write's callback resolves
  }

  #fail(err: Error): void {
    this.#direct?.reject(err);
    if (this.#done) return;
    this.#done = true;
    this.#socket.destroy();
    this.destroy(err);
  }
}

/**
 * Sends `GET url` (with `Range` when given) and resolves once the head of a 200/206 arrived.
 * `signal` and `idleTimeoutMs` cover the whole exchange, body included. `lease` (closed when the
 * socket closes) sizes the read buffer before every read; without one it is RAW_READ_BUFFER_BYTES.
 * `more.headers` are more request headers (e.g. `If-Match`), as name → value (no CR/LF);
 * `more.buffer` holds the read buffer across calls (segments of one read, one after the other:
 * the previous socket must be done with it) instead of a fresh one per call.
 * @throws RawHttpFailure (other status, with the S3 `<Code>` when the body has one), RawUnsupported
 *   (chunked body), Error with `code` ECONNRESET/ETIMEDOUT/ECONNREFUSED/EPROTO (network, silent
 *   store, malformed answer), `abortError()` when `signal` fires.
 */
export function rawGet(url: URL, range: ByteRange | undefined, signal: AbortSignal | undefined, idleTimeoutMs: number, abortError: () => Error, lease?: TransferLease, more: RawGetMore = {}): Promise<RawObjectBody> {
  return new Promise((resolve, reject) => {
    const held = more.buffer ?? {};
    /** The buffer for the next read: the same one unless the budget's size for it changed (never while a write holds it: the socket is paused then). */
    const readBuffer = (): Buffer => {
      const size = lease?.chunkSize() ?? RAW_READ_BUFFER_BYTES;
      if (held.current?.length !== size) held.current = Buffer.allocUnsafe(size);
      return held.current;
    };
    let head: Buffer = Buffer.alloc(0);
    let body: RawObjectBody | undefined;
    let settled = false;
    let failure: { status: number; text: string; left: number } | undefined;
    const settle = (err?: Error) => {
      if (settled) return;
      settled = true;
      if (err) { socket.destroy(); reject(err); } else resolve(body!);
    };
    const endFailure = () => {
      const code = /<Code>([A-Za-z0-9.]{1,64})<\/Code>/.exec(failure!.text)?.[1];
      settle(new RawHttpFailure(failure!.status, code));
    };
    const onHeadRead = (n: number, b: Buffer): boolean => {
      if (failure) {
        failure.text += b.toString('utf8', 0, Math.min(n, failure.left));
        failure.left -= n;
        if (failure.left <= 0 || failure.text.length >= ERROR_BODY_MAX) endFailure();
        return true;
      }
      // The head so far: a view of this read when no earlier read left a part of it (no copy: the
      // body bytes after the head are handed on from the read buffer itself, see below).
      let buf: Buffer = head.length ? Buffer.concat([head, b.subarray(0, n)]) : b.subarray(0, n);
      for (;;) {
        const end = buf.indexOf('\r\n\r\n');
        if (end < 0) {
          head = Buffer.from(buf); // the read buffer is reused by the next read
          if (head.length > HEAD_MAX) settle(codedError('the store sent an oversized response head', 'EPROTO'));
          return true;
        }
        const lines = buf.toString('latin1', 0, end).split('\r\n');
        const status = /^HTTP\/1\.[01] (\d{3})/.exec(lines[0] ?? '')?.[1];
        if (!status) { settle(codedError('the store sent a malformed response', 'EPROTO')); return false; }
        const headers = new Map<string, string>();
        for (const line of lines.slice(1)) {
          const i = line.indexOf(':');
          if (i > 0) headers.set(line.slice(0, i).trim().toLowerCase(), line.slice(i + 1).trim());
        }
        const rest = buf.subarray(end + 4);
        const code = Number(status);
        if (code >= 100 && code < 200) { buf = rest; continue; } // 100 Continue and the like
        const lengthText = headers.get('content-length');
        const length = lengthText !== undefined && /^\d{1,16}$/.test(lengthText) ? Number(lengthText) : undefined;
        const chunked = /chunked/i.test(headers.get('transfer-encoding') ?? '');
        if (code !== 200 && code !== 206) {
          failure = { status: code, text: '', left: length ?? (chunked ? ERROR_BODY_MAX : Infinity) };
          return onHeadRead(rest.length, rest);
        }
        if (chunked) { settle(new RawUnsupported('chunked answer')); return false; }
        const total = code === 206 ? /\/(\d{1,16})\s*$/.exec(headers.get('content-range') ?? '')?.[1] : undefined;
        // `rest` may be a view of the read buffer: it stays valid because the socket reads again
        // only once the body handed it on (paused below; a piped body copies it, a direct one
        // resumes after the receiver took it). Copying it cost a second ~64 KiB buffer per open
        // read at every segment start under 1,000 concurrent downloads.
        body = new RawObjectBody(socket, length, rest, lease, { etag: headers.get('etag'), totalSize: total === undefined ? undefined : Number(total) });
        reader = (m, bb) => body!.onRead(m, bb);
        socket.pause(); // nothing more is read until the body is consumed
        settle();
        return false;
      }
    };
    let reader: (n: number, b: Buffer) => boolean = onHeadRead;
    const socket = net.connect({
      host: url.hostname.replace(/^\[|\]$/g, ''),
      port: Number(url.port || 80),
      onread: { buffer: readBuffer, callback: (n, b) => reader(n, b as Buffer) },
    });
    socket.setNoDelay(true);
    const onAbort = () => {
      lease?.close();
      const err = abortError();
      settle(err);
      body?.destroy(err);
      socket.destroy();
    };
    if (signal?.aborted) return onAbort();
    signal?.addEventListener('abort', onAbort, { once: true });
    socket.setTimeout(idleTimeoutMs, () => socket.destroy(codedError('S3 socket idle timeout', 'ETIMEDOUT')));
    let socketError: Error | undefined;
    socket.on('error', (err) => { socketError = err; });
    socket.on('close', () => {
      lease?.close();
      signal?.removeEventListener('abort', onAbort);
      if (failure && !settled) return endFailure();
      settle(socketError ?? codedError('the store closed the connection', 'ECONNRESET'));
      body?.onClose(socketError);
    });
    const target = `${url.pathname}${url.search}`;
    const extra = Object.entries(more.headers ?? {}).filter(([k, v]) => !/[\r\n:]/.test(k) && !/[\r\n]/.test(v)).map(([k, v]) => `${k}: ${v}\r\n`).join('');
    socket.write(`GET ${target} HTTP/1.1\r\nHost: ${url.host}\r\n${range ? `Range: bytes=${range.start}-${range.end ?? ''}\r\n` : ''}${extra}Connection: close\r\n\r\n`);
  });
}
