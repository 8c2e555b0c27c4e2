/**
 * A deterministic upload body of a given size that can be held at a byte offset until released,
 * so a test can change the daemon's state (SIGHUP, SIGTERM) while the upload is in flight.
 */
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';

export const MiB = 1024 * 1024;

const BLOCK = 1 * MiB;
/** A fixed pseudo-random 1 MiB pattern; block k is the pattern stamped with k (so blocks differ). */
const PATTERN = (() => {
  const b = Buffer.alloc(BLOCK);
  let x = 0x9e3779b9;
  for (let i = 0; i < BLOCK; i += 4) { x ^= x << 13; x ^= x >>> 17; x ^= x << 5; b.writeUInt32LE(x >>> 0, i); }
  return b;
})();

export interface HeldUpload {
  body: Readable;
  /** SHA-256 of the whole body. */
  sha256: string;
  /** Resolves when `holdAt` bytes have been handed to the socket. */
  reachedHold: Promise<void>;
  /** Lets the rest of the body flow. */
  release(): void;
  /** Bytes produced so far. */
  readonly sent: number;
}

/** SHA-256 of the body of `size` bytes. */
export function bodyDigest(size: number): string {
  const h = createHash('sha256');
  for (let off = 0; off < size; off += BLOCK) h.update(block(off, Math.min(BLOCK, size - off)));
  return h.digest('hex');
}

/** Bytes [off, off+len) of the body; `off` is a multiple of 1 MiB. */
function block(off: number, len: number): Buffer {
  const b = Buffer.from(PATTERN.subarray(0, len));
  if (len >= 8) b.writeDoubleLE(off / BLOCK, 0);
  return b;
}

/** A body of `size` bytes that pauses after `holdAt` bytes (a multiple of 1 MiB) until `release()`. */
export function heldUpload(size: number, holdAt: number): HeldUpload {
  let sent = 0;
  let released = false;
  let wake: (() => void) | undefined;
  let reached: () => void = () => {};
  const reachedHold = new Promise<void>((r) => { reached = r; });
  const body = new Readable({
    highWaterMark: BLOCK,
    read() {
      if (sent >= size) { this.push(null); return; }
      if (!released && sent >= holdAt) {
        reached();
        wake = () => { wake = undefined; this._read(BLOCK); };
        return;
      }
      const limit = released ? size : Math.min(size, holdAt);
      const len = Math.min(BLOCK, limit - sent);
      const chunk = block(sent, len);
      sent += len;
      this.push(chunk);
    },
  });
  return {
    body, sha256: bodyDigest(size), reachedHold,
    release() { released = true; wake?.(); },
    get sent() { return sent; },
  };
}
