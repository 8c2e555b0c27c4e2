/** Upload bodies trigger a young-generation collection every few MiB, which frees the read buffers they leave behind. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { noteUploadedBytes, uploadScavenges } from '../../src/vfs/upload-gc.ts';

test('a scavenge every 8 MiB of upload, none for less', () => {
  const before = uploadScavenges();
  noteUploadedBytes(1024 * 1024);
  assert.equal(uploadScavenges(), before, 'no collection for 1 MiB');
  for (let i = 0; i < 100; i++) noteUploadedBytes(1024 * 1024);
  assert.ok(uploadScavenges() - before >= 12 && uploadScavenges() - before <= 13, `${uploadScavenges() - before} scavenges for 101 MiB`);
});

test('64 KiB buffers dropped after use do not pile up while uploads are noted', () => {
  const external = () => process.memoryUsage().arrayBuffers;
  const start = external();
  let peak = start;
  for (let i = 0; i < 4096; i++) { // 256 MiB of 64 KiB buffers, each dropped at once
    const b = Buffer.allocUnsafeSlow(64 * 1024);
    b[0] = i & 0xff;
    noteUploadedBytes(b.length);
    if (i % 64 === 0) peak = Math.max(peak, external());
  }
  // without the hint they grow ~38 MiB here (V8 waits for ~64 MiB of external memory); with it ~13
  assert.ok(peak - start < 24 * 1024 * 1024, `array buffers grew by ${((peak - start) / 1048576).toFixed(1)} MiB`);
});
