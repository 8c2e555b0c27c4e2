/**
 * SIGTERM during an upload: the daemon stops accepting, lets the upload finish within
 * lifecycle.drainSeconds, or else cuts it cleanly (no file, no temp file, on RGW no multipart
 * upload left), and exits 0.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { S3Client, ListMultipartUploadsCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { allCapturedLogs, http, startDaemon, stopDaemon } from './daemon.ts';
import { LINK_SECRET, makeFixture, PASSWORDS } from './config-fixture.ts';
import { heldUpload, MiB } from './upload-source.ts';
import { assertNoSecrets } from './secrets.ts';
import { s3TestEnv } from '../helpers/s3env.ts';
import { skipUnlessS3Can } from '../helpers/s3-capabilities.ts';

const env = { RDAV_TEST_LINK_SECRET: LINK_SECRET };
const alice = `alice:${PASSWORDS.alice}`;
after(() => assertNoSecrets(allCapturedLogs.join('')));

/** Files under `dir`, recursively (relative names). */
function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true }).filter((d) => d.isFile()).map((d) => `${d.parentPath}/${d.name}`.slice(dir.length + 1));
}

test('SIGTERM mid-upload with time to drain: the upload completes, then the daemon exits 0', { timeout: 120_000 }, async () => {
  const fx = await makeFixture('term-drain');
  const d = await startDaemon(fx.write({ bobMayWrite: false, drainSeconds: 60 }), { env });
  const base = `http://127.0.0.1:${fx.webdavPort}`;
  const size = 100 * MiB;
  const up = heldUpload(size, 32 * MiB);
  const put = http('PUT', `${base}/stable/big.bin`, { auth: alice, body: up.body, headers: { 'content-length': String(size) } });
  await up.reachedHold;
  d.child.kill('SIGTERM');
  await d.waitForLog((l) => l.msg.startsWith('shutting down'), 10_000, 'shutting down');
  // New connections are refused while draining.
  await assert.rejects(http('GET', `${base}/stable/`, { auth: alice }), /ECONNREFUSED|ECONNRESET|socket hang up/);
  up.release();
  const res = await put;
  assert.ok(res.status === 201 || res.status === 204, `upload finished with ${res.status}`);
  const { code } = await d.exited;
  assert.equal(code, 0, d.raw());
  assert.ok(d.lines.some((l) => l.msg === 'all requests finished'), 'drained cleanly');
  assert.deepEqual(filesUnder(`${fx.dataRoot}/stable`).filter((f) => !f.startsWith('.releasedav/')), ['big.bin']);
});

test('SIGTERM mid-upload past the drain time: the upload is cut, nothing half-written, exit 0', { timeout: 120_000 }, async () => {
  const fx = await makeFixture('term-cut');
  const d = await startDaemon(fx.write({ bobMayWrite: false, drainSeconds: 1 }), { env });
  const base = `http://127.0.0.1:${fx.webdavPort}`;
  const size = 100 * MiB;
  const up = heldUpload(size, 32 * MiB);
  const put = http('PUT', `${base}/stable/big.bin`, { auth: alice, body: up.body, headers: { 'content-length': String(size) } });
  const outcome = put.then((r) => `status ${r.status}`, (e: Error) => `error ${e.message}`);
  await up.reachedHold;
  const t0 = Date.now();
  d.child.kill('SIGTERM');
  const { code } = await d.exited;
  const took = Date.now() - t0;
  assert.equal(code, 0, d.raw());
  assert.ok(took >= 900 && took < 15_000, `stopped after the drain time (${took} ms)`);
  assert.match(await outcome, /error|status 5\d\d/, 'the client sees the upload fail');
  assert.ok(d.lines.some((l) => l.msg.startsWith('drain time over')), 'logged the abort');
  assert.deepEqual(filesUnder(`${fx.dataRoot}/stable`).filter((f) => !f.startsWith('.releasedav/')), [], 'no file and no temp file');
  up.body.destroy();
});

test('SIGTERM cuts an S3 multipart upload: no object and no multipart upload left on RGW', { timeout: 180_000, skip: skipUnlessS3Can('abortMultipart', 'listMultipartUploads') }, async () => {
  const s3 = s3TestEnv()!;
  const prefix = `lifecycle-${randomBytes(6).toString('hex')}`;
  const fx = await makeFixture('term-s3');
  const s3yaml = `  s3:\n    bucket: ${s3.bucket}\n    region: default\n    endpoint: ${s3.endpoint}\n    forcePathStyle: true\n    accessKeyId: \${RDAV_TEST_S3_ACCESS_KEY}\n    secretAccessKey: \${RDAV_TEST_S3_SECRET_KEY}\n    upload:\n      unknownSizePartSizeMiB: 8\n`;
  const cat = `  - slug: cloud\n    directory: s3://${prefix}\n    access:\n      read: ["*"]\n      write: [alice]\n`;
  const d = await startDaemon(fx.write({ bobMayWrite: false, drainSeconds: 1, s3: s3yaml, extraCategories: cat }), { env });
  const client = new S3Client({
    region: 'default', endpoint: s3.endpoint, forcePathStyle: true,
    credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
  });
  try {
    const base = `http://127.0.0.1:${fx.webdavPort}`;
    const up = heldUpload(200 * MiB, 40 * MiB);
    // No Content-Length: chunked, unknown size, so the backend must use a multipart upload.
    const put = http('PUT', `${base}/cloud/big.bin`, { auth: alice, body: up.body }).catch((e: Error) => e);
    await up.reachedHold;
    // Wait until RGW shows the multipart upload, so the test proves it gets aborted.
    const key = `${prefix}/big.bin`;
    let seen = false;
    for (let i = 0; i < 100 && !seen; i++) {
      const r = await client.send(new ListMultipartUploadsCommand({ Bucket: s3.bucket, Prefix: prefix }));
      seen = (r.Uploads ?? []).some((u) => u.Key === key);
      if (!seen) await new Promise((r2) => setTimeout(r2, 100));
    }
    assert.ok(seen, 'a multipart upload was in progress');
    d.child.kill('SIGTERM');
    const { code } = await d.exited;
    assert.equal(code, 0, d.raw());
    await put;
    up.body.destroy();
    const mpu = await client.send(new ListMultipartUploadsCommand({ Bucket: s3.bucket, Prefix: prefix }));
    assert.deepEqual((mpu.Uploads ?? []).map((u) => u.Key), [], 'no multipart upload left');
    const objs = await client.send(new ListObjectsV2Command({ Bucket: s3.bucket, Prefix: `${prefix}/` }));
    assert.deepEqual((objs.Contents ?? []).map((o) => o.Key).filter((k) => !k!.includes('/.releasedav/')), [], 'no object written');
  } finally {
    client.destroy();
    await stopDaemon(d);
  }
});
