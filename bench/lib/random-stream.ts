/** Deterministic pseudo-random bytes (AES-128-CTR keystream) without touching the disk. */
import { createCipheriv, createHash } from 'node:crypto';
import { Readable } from 'node:stream';

/**
 * A stream of `bytes` pseudo-random bytes seeded by `seed`; `sha256()` gives the digest once it ended.
 * @throws never
 */
export function randomStream(seed: string, bytes: number): { stream: Readable; sha256(): string } {
  const key = createHash('sha256').update(seed).digest().subarray(0, 16);
  const cipher = createCipheriv('aes-128-ctr', key, Buffer.alloc(16));
  const hash = createHash('sha256');
  const zeros = Buffer.alloc(1 << 20);
  let left = bytes, digest = '';
  const stream = new Readable({
    highWaterMark: 1 << 20,
    read() {
      if (left === 0) { digest = hash.digest('hex'); this.push(null); return; }
      const n = Math.min(left, zeros.length);
      const chunk = cipher.update(zeros.subarray(0, n));
      hash.update(chunk);
      left -= n;
      this.push(chunk);
    },
  });
  return { stream, sha256: () => digest };
}
