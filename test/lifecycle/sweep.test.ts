/**
 * The start-up sweep: stale temp files (and, on RGW, stale multipart uploads under our prefixes)
 * are removed at start, with counts in the log; fresh ones and other files are left alone.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import { S3Client, CreateMultipartUploadCommand, ListMultipartUploadsCommand, AbortMultipartUploadCommand } from '@aws-sdk/client-s3';
import { allCapturedLogs, startDaemon, stopDaemon } from './daemon.ts';
import { LINK_SECRET, makeFixture } from './config-fixture.ts';
import { assertNoSecrets } from './secrets.ts';
import { s3TestEnv } from '../helpers/s3env.ts';
import { skipUnlessS3Can } from '../helpers/s3-capabilities.ts';

const env = { RDAV_TEST_LINK_SECRET: LINK_SECRET };
after(() => assertNoSecrets(allCapturedLogs.join('')));

const tempName = () => `.rdav-${randomBytes(8).toString('hex')}.tmp`;

test('start-up sweep removes stale temp files in local categories and logs the count', { timeout: 60_000 }, async () => {
  const fx = await makeFixture('sweep');
  const dir = `${fx.dataRoot}/stable/1.0`;
  mkdirSync(dir, { recursive: true });
  const stale = [`${fx.dataRoot}/stable/${tempName()}`, `${dir}/${tempName()}`];
  const fresh = `${dir}/${tempName()}`;
  const keep = `${dir}/.rdav-notours.tmp`; // looks a bit like ours, but is not
  const twoHoursAgo = new Date(Date.now() - 2 * 3600_000);
  for (const p of stale) { writeFileSync(p, 'half an upload'); utimesSync(p, twoHoursAgo, twoHoursAgo); }
  writeFileSync(fresh, 'an upload of someone else, just now');
  writeFileSync(keep, 'not ours'); utimesSync(keep, twoHoursAgo, twoHoursAgo);

  const d = await startDaemon(fx.write({ bobMayWrite: false }), { env });
  try {
    const line = await d.waitForLog((l) => l.msg === 'start-up sweep done', 20_000, 'sweep');
    assert.equal(line.tempFilesRemoved, 2);
    assert.equal(line.errors, 0);
    for (const p of stale) assert.ok(!existsSync(p), `${p} removed`);
    assert.ok(existsSync(fresh), 'a fresh temp file is left alone');
    assert.ok(existsSync(keep), 'files not named like ours are left alone');
  } finally {
    assert.equal((await stopDaemon(d)).code, 0);
  }
});

test('start-up sweep aborts stale multipart uploads under our S3 prefixes only (RGW)', { timeout: 90_000, skip: skipUnlessS3Can('listMultipartUploads', 'abortMultipart') }, async () => {
  const s3 = s3TestEnv()!;
  const client = new S3Client({
    region: 'default', endpoint: s3.endpoint, forcePathStyle: true,
    credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
  });
  const ours = `sweep-${randomBytes(6).toString('hex')}`;
  const other = `sweep-other-${randomBytes(6).toString('hex')}`;
  const start = async (key: string) => (await client.send(new CreateMultipartUploadCommand({ Bucket: s3.bucket, Key: key }))).UploadId!;
  const list = async (prefix: string) => ((await client.send(new ListMultipartUploadsCommand({ Bucket: s3.bucket, Prefix: prefix }))).Uploads ?? []).map((u) => u.Key);
  const otherId = await start(`${other}/keep.bin`);
  try {
    await start(`${ours}/1.0/stale-a.bin`);
    await start(`${ours}/stale-b.bin`);
    assert.equal((await list(`${ours}/`)).length, 2);
    const fx = await makeFixture('sweep-s3');
    // staleUploadHours: 0 makes every upload under our prefixes stale (RGW's clock granularity is seconds).
    await new Promise((r) => setTimeout(r, 1100));
    const s3yaml = `  s3:\n    bucket: ${s3.bucket}\n    region: default\n    endpoint: ${s3.endpoint}\n    forcePathStyle: true\n    accessKeyId: \${RDAV_TEST_S3_ACCESS_KEY}\n    secretAccessKey: \${RDAV_TEST_S3_SECRET_KEY}\n    staleUploadHours: 0\n`;
    const cat = `  - slug: cloud\n    directory: s3://${ours}\n`;
    const d = await startDaemon(fx.write({ bobMayWrite: false, s3: s3yaml, extraCategories: cat }), { env });
    try {
      const line = await d.waitForLog((l) => l.msg === 'start-up sweep done', 30_000, 'sweep');
      assert.equal(line.uploadsAborted, 2, JSON.stringify(line));
      assert.deepEqual(await list(`${ours}/`), [], 'stale uploads under our prefix are gone');
      assert.deepEqual(await list(`${other}/`), [`${other}/keep.bin`], 'uploads outside our prefixes are untouched');
    } finally {
      assert.equal((await stopDaemon(d)).code, 0);
    }
  } finally {
    await client.send(new AbortMultipartUploadCommand({ Bucket: s3.bucket, Key: `${other}/keep.bin`, UploadId: otherId })).catch(() => {});
    client.destroy();
  }
});
