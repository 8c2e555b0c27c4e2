/**
 * 2 GiB + 1 byte through WebDAV to disk and to S3 against the real daemon (a child process), with
 * the daemon's memory watched: VmRSS sampled every 100 ms and the kernel's peak (VmHWM, reset per
 * round). Bodies are pseudo-random, generated and hashed while sending, never held in memory.
 * A round is: PUT (Content-Length, chunked + X-Expected-Entity-Length, or chunked with no size),
 * streamed GET compared by SHA-256, a ranged GET of the tail (bytes=2147483000- on the large file)
 * checked byte for byte with its Content-Range total, DELETE. Each backend runs its 256 MiB rounds
 * first, then 2 GiB + 1: the large peak must stay under a bound derived from the upload buffers
 * and within GROWTH_MIB of the same mode's 256 MiB peak (it must not grow with the file size).
 */
import { after, before, describe, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { loadavg } from 'node:os';
import { startChildDaemon, type ChildDaemon } from '../helpers/child-daemon.ts';
import { basicAuth, makeWorld, send, type World } from '../helpers/world.ts';
import { skipUnlessS3 } from '../helpers/s3env.ts';
import { prngSlice } from '../helpers/prng-bytes.ts';
import { readRss, resetPeakRss, sampleRss } from '../helpers/rss-sampler.ts';
import { streamGet, streamPut, type UploadMode } from '../helpers/stream-transfer.ts';

const MiB = 1024 * 1024;
const SMALL = 256 * MiB;
const LARGE = 2 * 1024 * MiB + 1;
/** The ranged GET reads the last TAIL bytes: bytes=2147483000- on the 2 GiB + 1 file. */
const TAIL = LARGE - 2_147_483_000;
/** Upload buffers configured for the daemon (the schema defaults, spelled out so the bound follows them). */
const UPLOAD = { queueSize: 4, minPartSizeMiB: 16, unknownSizePartSizeMiB: 16 };
/** What the daemon costs before any transfer: Node + tsx + the AWS SDK (measured ~110-150 MiB). */
const BASELINE_MIB = 150;
/** Socket, stream and GC slack on top of the upload buffers. */
const HEADROOM_MIB = 64;
/** Peak RSS bound during a transfer: baseline + (queueSize + 1) × part size (the multipart buffer pool) + headroom. */
const BOUND_MIB = BASELINE_MIB + (UPLOAD.queueSize + 1) * UPLOAD.unknownSizePartSizeMiB + HEADROOM_MIB;
/** The 2 GiB peak may exceed the 256 MiB peak by at most this (it must not grow with the size). */
const GROWTH_MIB = 64;
const AUTH = { Authorization: basicAuth('writer') };

const mib = (kib: number) => kib / 1024;
const rate = (bytes: number, ms: number) => `${(bytes / MiB / (ms / 1000)).toFixed(1)} MB/s`;

/** Peak memory of the daemon during one round, MiB. */
interface Peak { sampledMiB: number; hwmMiB: number }
const peakOf = (p: Peak) => Math.max(p.sampledMiB, p.hwmMiB);

describe('2 GiB + 1 byte through WebDAV, daemon peak RSS bounded', { timeout: 240_000 }, () => {
  let world: World;
  let d: ChildDaemon;
  let idleMiB = 0;
  /** Peaks by `slug:mode:size`. */
  const peaks = new Map<string, Peak>();

  before(async () => {
    world = await makeWorld({ name: 'large', s3Overrides: { upload: UPLOAD } });
    const categories = (world.config.categories as { slug: string }[]).filter((c) => c.slug === 'files' || c.slug === 's3');
    d = await startChildDaemon(world.dir, { ...world.config, categories });
    idleMiB = mib(readRss(d.pid).rssKiB);
  });
  after(async () => {
    await d?.stop();
    await world?.cleanup();
  });

  /** One round under RSS sampling (peak reset first): PUT, GET (SHA-256), ranged GET of the tail, DELETE. */
  async function round(t: TestContext, slug: string, size: number, mode: UploadMode): Promise<Peak> {
    const label = `${slug} ${size === LARGE ? '2 GiB+1' : `${size / MiB} MiB`} ${mode}`;
    const reset = resetPeakRss(d.pid);
    const sampler = sampleRss(d.pid, 100);
    try {
      const path = `/${slug}/large-${mode}-${size}.bin`;
      const seed = `${world.prefix}${slug}-${mode}-${size}`;
      const put = await streamPut(d.dav, path, { size, seed, mode, headers: AUTH });
      assert.equal(put.status, 201, `PUT ${path} (${mode}): ${put.body.toString('utf8').slice(0, 300)}`);
      assert.equal(put.bytes, size, 'the whole body was sent');
      const get = await streamGet(d.dav, path, AUTH);
      assert.equal(get.status, 200);
      assert.equal(get.headers['content-length'], String(size));
      assert.equal(get.bytes, size, 'GET returned every byte');
      assert.equal(get.sha256, put.sha256, 'GET returned the bytes PUT sent');
      const start = size - TAIL;
      const tail = await streamGet(d.dav, path, { ...AUTH, Range: `bytes=${start}-` }, TAIL + 1);
      assert.equal(tail.status, 206);
      assert.equal(tail.headers['content-range'], `bytes ${start}-${size - 1}/${size}`);
      assert.equal(tail.bytes, TAIL);
      assert.ok(tail.body.equals(prngSlice(seed, start, TAIL)), `bytes=${start}- returned the file's tail`);
      assert.equal((await send('DELETE', d.dav, path, { headers: AUTH })).status, 204);
      t.diagnostic(`${label}: PUT ${rate(size, put.ms)} (${(put.ms / 1000).toFixed(1)} s), GET ${rate(size, get.ms)} (${(get.ms / 1000).toFixed(1)} s), ` +
        `tail GET ${tail.ms.toFixed(0)} ms`);
    } finally {
      const s = sampler.stop();
      const hwm = readRss(d.pid).hwmKiB;
      peaks.set(`${slug}:${mode}:${size}`, { sampledMiB: mib(s.peakKiB), hwmMiB: mib(hwm) });
      t.diagnostic(`${label}: daemon RSS idle ${idleMiB.toFixed(0)} MiB, at start ${mib(s.firstKiB).toFixed(0)} MiB, ` +
        `peak sampled ${mib(s.peakKiB).toFixed(0)} MiB (${s.count} samples, max gap ${s.maxGapMs.toFixed(0)} ms), ` +
        `VmHWM ${mib(hwm).toFixed(0)} MiB${reset ? ' (reset per round)' : ' (not resettable: whole process life)'}; load ${loadavg()[0]!.toFixed(1)}`);
    }
    return peaks.get(`${slug}:${mode}:${size}`)!;
  }

  /** The 2 GiB peak is under the bound and at most GROWTH_MIB above the same mode's 256 MiB peak. */
  function assertFlat(t: TestContext, slug: string, mode: UploadMode, large: Peak): void {
    const small = peaks.get(`${slug}:${mode}:${SMALL}`);
    assert.ok(small, `the 256 MiB ${mode} round ran first`);
    const peak = peakOf(large);
    t.diagnostic(`${slug} ${mode}: peak RSS 256 MiB ${peakOf(small).toFixed(0)} MiB, 2 GiB+1 ${peak.toFixed(0)} MiB; bound ${BOUND_MIB} MiB ` +
      `(${BASELINE_MIB} baseline + (${UPLOAD.queueSize}+1)×${UPLOAD.unknownSizePartSizeMiB} MiB parts + ${HEADROOM_MIB} headroom)`);
    assert.ok(peak < BOUND_MIB, `peak RSS ${peak.toFixed(0)} MiB < ${BOUND_MIB} MiB`);
    assert.ok(peak <= peakOf(small) + GROWTH_MIB, `peak RSS does not grow with the size: ${peak.toFixed(0)} MiB ≤ ${peakOf(small).toFixed(0)} + ${GROWTH_MIB} MiB`);
  }

  // Known sizes (Content-Length, Finder's X-Expected-Entity-Length) go to S3 as one streamed
  // PutObject; a chunked body with no size takes the multipart path, whose part buffers the bound is
  // derived from (exercised at 256 MiB on S3). Time: on this shared 2-core machine S3 manages
  // 30-200 MB/s, so S3 runs one 2 GiB+1 round (Finder style); disk runs both modes at 2 GiB+1.
  const backends = [
    { slug: 'files', label: 'disk', skip: false as string | false, small: ['length', 'finder'] as UploadMode[], large: ['length', 'finder'] as UploadMode[] },
    { slug: 's3', label: 'S3', skip: skipUnlessS3(), small: ['chunked', 'length', 'finder'] as UploadMode[], large: ['finder'] as UploadMode[] },
  ];
  for (const b of backends) {
    test(`${b.label}: 256 MiB PUT (${b.small.join(', ')}), GET, ranged GET of the tail`, { skip: b.skip, timeout: 120_000 }, async (t) => {
      for (const mode of b.small) await round(t, b.slug, SMALL, mode);
    });
    test(`${b.label}: 2 GiB + 1 byte PUT (${b.large.join(', ')}), GET, bytes=2147483000-; peak RSS bounded and flat`, { skip: b.skip, timeout: 200_000 }, async (t) => {
      for (const mode of b.large) assertFlat(t, b.slug, mode, await round(t, b.slug, LARGE, mode));
    });
  }
});
