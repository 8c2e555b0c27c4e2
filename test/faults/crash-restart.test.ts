/**
 * The daemon is SIGKILLed mid-upload (local and S3): after a restart the old versions are intact,
 * no partial object exists, and the start-up sweep removes the stale multipart upload and temp file.
 * Staleness: `storage.s3.staleUploadHours: 0` makes every multipart upload under our prefixes stale;
 * local temp files count as stale after a fixed hour (src/lifecycle/sweep.ts STALE_TEMP_FILE_MS, not
 * configurable), so the test backdates the left-over temp file by two hours — as if the crash were old.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readdir, readFile, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { skipUnlessS3Can } from '../helpers/s3-capabilities.ts';
import { startChildDaemon, type ChildDaemon } from '../helpers/child-daemon.ts';
import { basicAuth, listUploads, makeWorld, send, type World } from '../helpers/world.ts';
import { MiB, patternBody, startPut } from '../helpers/uploads.ts';

const W = { authorization: basicAuth('writer') };
const R = { authorization: basicAuth('reader') };
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const TEMP = /^\.rdav-[0-9a-f]{16}\.tmp$/;

async function until<T>(what: string, fn: () => Promise<T | undefined>, ms = 20_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

describe('SIGKILL mid-upload, then restart', { timeout: 120_000 }, () => {
  let world: World;
  let d: ChildDaemon | undefined;
  // The S3 half watches the multipart upload the crash leaves and the sweep removes.
  const s3Skip = skipUnlessS3Can('listMultipartUploads', 'abortMultipart');
  const withS3 = s3Skip === false;
  const old = Buffer.from('the old, complete version\n');

  before(async () => {
    world = await makeWorld({ name: 'crash', s3Overrides: { staleUploadHours: 0, upload: { queueSize: 1, minPartSizeMiB: 5, unknownSizePartSizeMiB: 5 } } });
  });
  after(async () => {
    await d?.kill();
    await world?.cleanup();
  });

  test('old versions intact, no partial object, stale multipart upload and temp file swept at restart', async (t) => {
    if (!withS3) t.diagnostic(`only the local category is checked: ${s3Skip}`);
    d = await startChildDaemon(world.dir, world.config);
    const cats = withS3 ? ['files', 's3'] : ['files'];
    for (const c of cats) {
      assert.equal((await send('MKCOL', d.dav, `/${c}/rel/`, { headers: W })).status, 201);
      assert.equal((await send('PUT', d.dav, `/${c}/rel/a.bin`, { headers: W, body: old })).status, 201);
    }
    const bodies = cats.map((c) => {
      const b = patternBody(64 * MiB, 3, 12 * MiB);
      return { b, up: startPut(d!.dav, `/${c}/rel/a.bin`, b.stream, W) };
    });
    await Promise.all(bodies.map((x) => x.b.reached));
    const relDir = join(world.localRoot, 'files', 'rel');
    await until('a temp file of the local upload', async () => ((await readdir(relDir)).some((n) => TEMP.test(n)) ? true : undefined));
    const key = `${world.prefix}s3/rel/a.bin`;
    if (withS3) await until('the multipart upload', async () => ((await listUploads(world.s3!, world.env!.bucket, key)).length > 0 ? true : undefined));

    await d.kill();
    for (const x of bodies) x.up.destroy();

    // What the crash left: the temp file and the multipart upload (so the sweep has work to do).
    const temps = (await readdir(relDir)).filter((n) => TEMP.test(n));
    assert.ok(temps.length >= 1, 'the crash left a temp file');
    const twoHoursAgo = new Date(Date.now() - 2 * 3600_000);
    for (const n of temps) await utimes(join(relDir, n), twoHoursAgo, twoHoursAgo);
    if (withS3) assert.ok((await listUploads(world.s3!, world.env!.bucket, key)).length >= 1, 'the crash left a multipart upload');
    assert.equal(sha(await readFile(join(relDir, 'a.bin'))), sha(old), 'local old version intact on disk');
    if (withS3) {
      const obj = await world.s3!.send(new GetObjectCommand({ Bucket: world.env!.bucket, Key: key }));
      assert.equal(sha(Buffer.from(await obj.Body!.transformToByteArray())), sha(old), 'S3 old version intact');
    }

    d = await startChildDaemon(world.dir, world.config);
    const swept = await d.waitForLog((l) => l.msg === 'start-up sweep done', 30_000);
    console.log(`# sweep after restart: ${JSON.stringify({ tempFilesRemoved: swept.tempFilesRemoved, uploadsAborted: swept.uploadsAborted, errors: swept.errors })}`);
    assert.ok(Number(swept.tempFilesRemoved) >= temps.length);
    assert.deepEqual((await readdir(relDir)).filter((n) => TEMP.test(n)), [], 'temp files swept');
    if (withS3) {
      assert.ok(Number(swept.uploadsAborted) >= 1);
      assert.deepEqual(await listUploads(world.s3!, world.env!.bucket, world.prefix), [], 'multipart uploads swept');
    }
    for (const c of cats) {
      const got = await send('GET', d.dav, `/${c}/rel/a.bin`, { headers: R });
      assert.equal(got.status, 200);
      assert.equal(sha(got.body), sha(old), `${c}: the old version is served after restart`);
      const list = await send('PROPFIND', d.dav, `/${c}/rel/`, { headers: { ...R, depth: '1' } });
      assert.ok(!/\.rdav-|\.tmp</.test(list.text), `${c}: no partial file listed`);
    }
    await d.stop();
  });
});
