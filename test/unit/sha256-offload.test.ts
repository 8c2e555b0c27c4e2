/** The off-thread SHA-256/384/512 give the same digests as hashing in place, for every size and chunking. */
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createStreamHasher, type Digests } from '../../src/vfs/sha256-offload.ts';
import { prngSlice } from '../helpers/prng-bytes.ts';

const prngBytes = (size: number, seed: number) => prngSlice(String(seed), 0, size);

const reference = (b: Buffer): Digests => ({
  sha256: createHash('sha256').update(b).digest('hex'),
  sha384: createHash('sha384').update(b).digest('hex'),
  sha512: createHash('sha512').update(b).digest('hex'),
});

async function hashInChunks(data: Buffer, chunk: number): Promise<Digests> {
  const h = createStreamHasher();
  for (let off = 0; off < data.length; off += chunk) h.update(data.subarray(off, off + chunk));
  return h.digest();
}

test('empty input, a partial batch and exact batch multiples hash like createHash', async () => {
  for (const size of [0, 1, 65_536, 1024 * 1024 - 1, 1024 * 1024, 1024 * 1024 + 1, 3 * 1024 * 1024]) {
    const data = prngBytes(size, size + 7);
    assert.deepEqual(await hashInChunks(data, 65_536), reference(data), `size ${size}`);
  }
});

test('odd chunk sizes that straddle batches (worker path) hash like createHash', async () => {
  const data = prngBytes(20 * 1024 * 1024 + 12_345, 99);
  for (const chunk of [1000, 16_384 + 3, 4 * 1024 * 1024 + 1]) {
    assert.deepEqual(await hashInChunks(data, chunk), reference(data), `chunk ${chunk}`);
  }
});

test('the caller may reuse its chunk buffer right after update (bytes are copied)', async () => {
  const data = prngBytes(5 * 1024 * 1024, 5);
  const h = createStreamHasher();
  const scratch = Buffer.alloc(100_000);
  for (let off = 0; off < data.length; off += scratch.length) {
    const n = data.copy(scratch, 0, off, off + scratch.length);
    h.update(scratch.subarray(0, n));
    scratch.fill(0xaa);
  }
  assert.deepEqual(await h.digest(), reference(data));
});

test('concurrent uploads keep separate states; a discarded one does not disturb the others', async () => {
  const inputs = Array.from({ length: 6 }, (_, i) => prngBytes(9 * 1024 * 1024 + i * 777, 1000 + i));
  const hashers = inputs.map(() => createStreamHasher());
  const dropped = createStreamHasher();
  for (let off = 0; off < 10 * 1024 * 1024; off += 256 * 1024) {
    inputs.forEach((d, i) => { if (off < d.length) hashers[i]!.update(d.subarray(off, off + 256 * 1024)); });
    dropped.update(inputs[0]!.subarray(0, 256 * 1024));
  }
  dropped.discard();
  const digests = await Promise.all(hashers.map((h) => h.digest()));
  digests.forEach((d, i) => assert.deepEqual(d, reference(inputs[i]!), `upload ${i}`));
  await assert.rejects(dropped.digest(), /already finished/);
});
