/**
 * Deterministic pseudo-random bytes of any length, produced on the fly (never held in memory):
 * the AES-128-CTR keystream of a seed. Any slice can be recomputed from its offset alone, so a
 * test can check a ranged read near the end of a multi-GiB body without generating what precedes it.
 */
import { createCipheriv, createHash, type Cipher } from 'node:crypto';

const BLOCK = 16;

function keyOf(seed: string): Buffer {
  return createHash('sha256').update(`prng-bytes:${seed}`).digest().subarray(0, 16);
}

/** Keystream cipher positioned at 16-byte block `block` (IV = 8 seed bytes + 8-byte big-endian counter). */
function cipherAt(seed: string, block: number): Cipher {
  const iv = Buffer.alloc(BLOCK);
  createHash('sha256').update(`prng-iv:${seed}`).digest().copy(iv, 0, 0, 8);
  iv.writeBigUInt64BE(BigInt(block), 8);
  return createCipheriv('aes-128-ctr', keyOf(seed), iv);
}

/** A source of the pseudo-random body of one seed, read front to back in chunks. */
export interface PrngSource {
  /** The next `len` bytes (a fresh buffer each call). @throws RangeError when `len` exceeds the chunk size */
  next(len: number): Buffer;
}

/**
 * A sequential reader of the body with seed `seed`, handing out chunks of at most `chunkBytes`.
 * @throws never
 */
export function prngSource(seed: string, chunkBytes: number): PrngSource {
  const cipher = cipherAt(seed, 0);
  const zeros = Buffer.alloc(chunkBytes);
  return {
    next(len: number): Buffer {
      if (len > chunkBytes) throw new RangeError(`chunk of ${len} bytes asked for, at most ${chunkBytes}`);
      return cipher.update(zeros.subarray(0, len));
    },
  };
}

/**
 * Bytes [offset, offset + len) of the body with seed `seed`, computed without the bytes before them.
 * @throws never
 */
export function prngSlice(seed: string, offset: number, len: number): Buffer {
  const first = Math.floor(offset / BLOCK);
  const skip = offset - first * BLOCK;
  const out = cipherAt(seed, first).update(Buffer.alloc(skip + len));
  return out.subarray(skip);
}
