/**
 * A large S3 read as a sequence of ranged GETs ("segments") on the raw socket path
 * (./s3-raw-get.ts), instead of one GET for the whole object.
 *
 * Why: an S3 store reads ahead of every open GET — Ceph RGW fetches up to
 * `rgw_get_obj_window_size` (16 MiB) from its OSDs per request — whether or not the receiver
 * drains. Measured on the dev RGW with 1,000 concurrent WebDAV GETs of a 30 MiB object: RGW spent
 * ~4 s of CPU per GB delivered (rclone, which keeps ~100 store GETs open, ~1 s), and only 1.1–1.8 GB
 * reached the clients in 8 s where rclone moved 5.5 GB. With segments a request covers only what
 * the receiver is about to take: the first is {@link FIRST_SEGMENT}, each next one twice the last
 * up to {@link MAX_SEGMENT}, so a receiver that keeps draining gets long requests (a lone 1 GiB
 * GET makes ~70) and a slow one holds at most one small segment of the store's read-ahead.
 *
 * Every segment after the first carries `If-Match` with the first answer's ETag: an object
 * replaced mid-read fails the read instead of splicing two versions. One transfer-budget lease
 * sizes the reads of all segments and is closed when the body ends.
 */
import { Readable, type Writable } from 'node:stream';
import type { TransferLease } from '../vfs/transfer-budget.ts';
import type { RawObjectBody } from './s3-raw-get.ts';

/** Bytes of the first segment. */
export const FIRST_SEGMENT = 1024 * 1024;
/** Largest segment (RGW's default read-ahead window: a longer request makes it read no less). */
export const MAX_SEGMENT = 16 * 1024 * 1024;

/**
 * Fetches one segment (`start`–`end` inclusive) with `If-Match: etag` when given; resolves once
 * its 206 head arrived.
 * @throws VfsError as the object getter does (EPRECOND when the object changed)
 */
export type SegmentFetch = (range: { start: number; end: number }, etag: string | undefined, signal: AbortSignal) => Promise<RawObjectBody>;

const codedError = (message: string, code: string) => Object.assign(new Error(message), { code });

/**
 * The body of bytes `start`–`end` (inclusive) of an object whose first segment is `first`.
 * A Readable like any other, plus {@link sendTo} (straight into a socket, as RawObjectBody).
 */
export class SegmentedObjectBody extends Readable {
  /** Bytes of the whole body (all segments). */
  readonly contentLength: number;
  #first: RawObjectBody | undefined;
  #current: RawObjectBody | undefined;
  #pos: number;
  readonly #end: number;
  #size: number;
  readonly #etag: string | undefined;
  readonly #fetch: SegmentFetch;
  readonly #ac = new AbortController();
  readonly #lease: TransferLease | undefined;
  #pumping = false;
  #wake: (() => void) | undefined;

  /**
   * @param first the first segment's body, fresh (covers `start`… up to its contentLength)
   * @param end last byte wanted (inclusive), at most the object's last byte
   * @param lease closed when this body ends (the segments are given a borrowed one)
   */
  constructor(first: RawObjectBody, start: number, end: number, fetch: SegmentFetch, lease?: TransferLease) {
    super({ highWaterMark: first.readableHighWaterMark });
    this.#first = first;
    this.#pos = start + (first.contentLength ?? 0);
    this.#end = end;
    this.#size = Math.min(MAX_SEGMENT, Math.max(FIRST_SEGMENT, first.contentLength ?? 0) * 2);
    this.#etag = first.meta.etag;
    this.#fetch = fetch;
    this.#lease = lease;
    this.contentLength = end - start + 1;
    this.once('close', () => this.#lease?.close());
  }

  /**
   * Writes the whole body into `out` (not ended afterwards), segment after segment, straight from
   * the read buffer. Use on a fresh body only.
   * @throws Error when a segment cannot be fetched or read, or `out` fails or closes first
   */
  async sendTo(out: Writable): Promise<void> {
    this.on('error', () => { /* reported through the promise */ });
    try {
      for (let seg = await this.#next(); seg; seg = await this.#next()) {
        await seg.sendTo(out);
        if (out.destroyed || !out.writable) throw codedError('the receiving socket closed', 'EPIPE');
      }
    } catch (err) {
      this.destroy(err as Error);
      throw err;
    }
    this.destroy();
  }

  override _read(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
    if (this.#pumping) return;
    this.#pumping = true;
    void this.#pump().then(() => { if (!this.destroyed) this.push(null); }, (err: Error) => this.destroy(err));
  }

  override _destroy(err: Error | null, cb: (err: Error | null) => void): void {
    this.#ac.abort();
    this.#wake?.();
    const seg = this.#current ?? this.#first;
    this.#first = undefined;
    this.#current = undefined;
    seg?.destroy();
    cb(err);
  }

  async #pump(): Promise<void> {
    for (let seg = await this.#next(); seg; seg = await this.#next()) {
      for await (const chunk of seg) {
        if (this.destroyed) return;
        if (!this.push(chunk)) await new Promise<void>((r) => { this.#wake = r; });
        if (this.destroyed) return;
      }
    }
  }

  /** The next segment to send, or undefined when the body is complete. */
  async #next(): Promise<RawObjectBody | undefined> {
    if (this.destroyed) throw codedError('the read was cancelled', 'ECONNRESET');
    if (this.#first) {
      this.#current = this.#first;
      this.#first = undefined;
      return this.#current;
    }
    this.#current = undefined;
    if (this.#pos > this.#end) return undefined;
    const range = { start: this.#pos, end: Math.min(this.#end, this.#pos + this.#size - 1) };
    this.#size = Math.min(MAX_SEGMENT, this.#size * 2);
    const seg = await this.#fetch(range, this.#etag, this.#ac.signal);
    if (this.destroyed) { seg.destroy(); throw codedError('the read was cancelled', 'ECONNRESET'); }
    const want = range.end - range.start + 1;
    if (seg.contentLength !== want) {
      seg.destroy();
      throw codedError(`the store answered ${seg.contentLength ?? 'an unknown number of'} bytes for a ${want}-byte range`, 'EPROTO');
    }
    this.#pos = range.end + 1;
    this.#current = seg;
    return seg;
  }
}

/** A lease for one segment: sizes its reads from `lease`, never closes it (the body does). */
export const borrowed = (lease: TransferLease): TransferLease => ({
  chunkSize: () => lease.chunkSize(),
  drained: (bytes, ms) => lease.drained(bytes, ms),
  close: () => undefined,
});
