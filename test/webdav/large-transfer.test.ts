/**
 * 2 GiB + 1 byte through WebDAV to disk and to S3 against the real daemon (a child process), with
 * the daemon's memory watched: VmRSS sampled every 100 ms and the kernel's peak (VmHWM, reset per
 * phase). Bodies are pseudo-random, generated and hashed while sending, never held in memory.
 * Each backend first runs a 256 MiB phase, then the 2 GiB + 1 phase: PUT, streamed GET compared by
 * SHA-256, a ranged GET of the tail (bytes=2147483000- on the large file), DELETE. The peak must
 * stay under a bound derived from the upload buffers and must not grow with the file size.
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
/** Peak RSS bound during a transfer: baseline + (queueSize + 2) × part size + headroom. */
const BOUND_MIB = BASELINE_MIB + (UPLOAD.queueSize + 2) * UPLOAD.unknownSizePartSizeMiB + HEADROOM_MIB;
/** The 2 GiB peak may exceed the 256 MiB peak by at most this (it must not grow with the size). */
const GROWTH_MIB = 64;
const AUTH = { Authorization: basicAuth('writer') };

const mib = (kib: number) => kib / 1024;
const rate = (bytes: number, ms: number) => `${(bytes / MiB / (ms / 1000)).toFixed(1)} MB/s`;

/** Peak memory of the daemon during one phase, MiB. */
interface Peak { sampledMiB: number; hwmMiB: number }

describe('2 GiB + 1 byte through WebDAV, daemon peak RSS bounded', { timeout: 240_000 }, () => {
  let world: World;
  let d: ChildDaemon;
  let idleMiB = 0;
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

  /** PUT, GET (SHA-256), ranged GET of the tail and DELETE, per mode, under RSS sampling. */
  async function phase(t: TestContext, slug: string, size: number, modes: UploadMode[]): Promise<Peak> {
    const reset = resetPeakRss(d.pid);
    const sampler = sampleRss(d.pid, 100);
    try {
      for (const mode of modes) {
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
        t.diagnostic(`${slug} ${(size / MiB).toFixed(0)} MiB ${mode}: PUT ${rate(size, put.ms)} (${(put.ms / 1000).toFixed(1)} s), ` +
          `GET ${rate(size, get.ms)} (${(get.ms / 1000).toFixed(1)} s), tail GET ${tail.ms.toFixed(0)} ms`);
      }
    } finally {
      const s = sampler.stop();
      const hwm = readRss(d.pid).hwmKiB;
      peaks.set(`${slug}:${size}`, { sampledMiB: mib(s.peakKiB), hwmMiB: mib(hwm) });
      t.diagnostic(`${slug} ${(size / MiB).toFixed(0)} MiB: daemon RSS idle ${idleMiB.toFixed(0)} MiB, at start ${mib(s.firstKiB).toFixed(0)} MiB, ` +
        `peak sampled ${mib(s.peakKiB).toFixed(0)} MiB (${s.count} samples, max gap ${s.maxGapMs.toFixed(0)} ms), ` +
        `VmHWM ${mib(hwm).toFixed(0)} MiB${reset ? ' (reset for this phase)' : ' (not resettable: whole process life)'}; ` +
        `load ${loadavg()[0]!.toFixed(1)}`);
    }
    return peaks.get(`${slug}:${size}`)!;
  }

  /** The 2 GiB peak is bounded and at most GROWTH_MIB above the 256 MiB one. */
  function assertFlat(t: TestContext, slug: string, large: Peak): void {
    const small = peaks.get(`${slug}:${SMALL}`);
    assert.ok(small, 'the 256 MiB phase ran first');
    const peak = Math.max(large.sampledMiB, large.hwmMiB);
    const smallPeak = Math.max(small.sampledMiB, small.hwmMiB);
    t.diagnostic(`${slug}: peak RSS 256 MiB ${smallPeak.toFixed(0)} MiB, 2 GiB+1 ${peak.toFixed(0)} MiB, bound ${BOUND_MIB} MiB ` +
      `(${BASELINE_MIB} baseline + (${UPLOAD.queueSize}+2)×${UPLOAD.unknownSizePartSizeMiB} MiB parts + ${HEADROOM_MIB} headroom)`);
    assert.ok(peak < BOUND_MIB, `peak RSS ${peak.toFixed(0)} MiB < ${BOUND_MIB} MiB`);
    assert.ok(peak <= smallPeak + GROWTH_MIB, `peak RSS does not grow with the size: ${peak.toFixed(0)} MiB ≤ ${smallPeak.toFixed(0)} + ${GROWTH_MIB} MiB`);
  }

  const backends = [
    { slug: 'files', label: 'disk', skip: false as string | false, largeModes: ['length', 'finder'] as UploadMode[] },
    { slug: 's3', label: 'S3', skip: skipUnlessS3(), largeModes: ['length', 'finder'] as UploadMode[] },
  ];
  for (const b of backends) {
    test(`${b.label}: 256 MiB PUT (Content-Length, chunked + X-Expected-Entity-Length), GET, ranged GET`, { skip: b.skip }, async (t) => {
      await phase(t, b.slug, SMALL, ['length', 'finder']);
    });
    test(`${b.label}: 2 GiB + 1 byte PUT (${b.largeModes.join(', ')}), GET, bytes=2147483000-; peak RSS bounded and flat`, { skip: b.skip }, async (t) => {
      const large = await phase(t, b.slug, LARGE, b.largeModes);
      assertFlat(t, b.slug, large);
    });
  }
});
