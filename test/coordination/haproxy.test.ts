/**
 * Two daemons behind a real HAProxy (round robin per request, no stickiness) over one folder and
 * one real Redis: litmus passes through the balancer, and a lock taken through one request is
 * honoured by the next (which the balancer sends to the other instance).
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { REDIS_SKIP_REASON, startTestRedis, type TestRedis } from '../helpers/redis-server.ts';
import { HAPROXY_SKIP_REASON, startHaproxy, type TestHaproxy } from '../helpers/haproxy.ts';
import { makeCluster, type Cluster } from './instances.ts';
import { randomBytes } from 'node:crypto';
import { createClient, type FileStat } from 'webdav';
import { s3TestEnv, skipUnlessS3, uniquePrefix } from '../helpers/s3env.ts';

const LITMUS = '/usr/bin/litmus';
const skip = REDIS_SKIP_REASON || HAPROXY_SKIP_REASON || (existsSync(LITMUS) ? false : 'litmus is not installed');
const LOCKINFO = '<?xml version="1.0"?><D:lockinfo xmlns:D="DAV:"><D:lockscope><D:exclusive/></D:lockscope><D:locktype><D:write/></D:locktype></D:lockinfo>';

describe('two instances behind HAProxy', { skip: skip || undefined }, () => {
  let redis: TestRedis;
  let cluster: Cluster;
  let lb: TestHaproxy;
  before(async () => {
    redis = await startTestRedis();
    const e = s3TestEnv();
    // Both instances over the same local folder and (when a test S3 is set) the same bucket prefix.
    cluster = makeCluster(redis.url, 'haproxy:', {
      cache: { ttlSeconds: 30 },
      ...(e ? {
        storage: { s3: { bucket: e.bucket, region: 'default', endpoint: e.endpoint, forcePathStyle: true, accessKeyId: e.accessKeyId, secretAccessKey: e.secretAccessKey } },
        categories: [
          { slug: 'files', directory: 'files', access: { read: ['anonymous'], write: ['anonymous'] } },
          { slug: 's3', directory: `s3://${uniquePrefix('haproxy')}`, access: { read: ['anonymous'], write: ['anonymous'] } },
        ],
      } : {}),
    });
    const a = await cluster.start();
    const b = await cluster.start();
    lb = await startHaproxy([a.dav, b.dav].map((u) => u.replace('http://', '')));
  });
  after(async () => {
    await lb?.stop();
    await cluster?.close();
    await redis?.stop();
  });

  it('LOCK, then PUT without the token (423) and with it, then UNLOCK: each request on the next instance', async () => {
    const lock = await fetch(`${lb.url}/files/split.txt`, { method: 'LOCK', body: LOCKINFO });
    assert.equal(lock.status, 201);
    const token = lock.headers.get('lock-token')!;
    for (let i = 0; i < 4; i++) assert.equal((await fetch(`${lb.url}/files/split.txt`, { method: 'PUT', body: 'no token' })).status, 423);
    for (let i = 0; i < 4; i++) assert.equal((await fetch(`${lb.url}/files/split.txt`, { method: 'PUT', body: `v${i}`, headers: { If: `(${token})` } })).status, 204);
    assert.equal((await fetch(`${lb.url}/files/split.txt`, { method: 'UNLOCK', headers: { 'Lock-Token': token } })).status, 204);
    for (let i = 0; i < 2; i++) assert.equal(await (await fetch(`${lb.url}/files/split.txt`)).text(), 'v3');
  });

  it('the npm webdav client round trip through the balancer, each call on the next instance', async () => {
    const client = createClient(`${lb.url}/files`);
    const data = randomBytes(300_000);
    await client.createDirectory('/rt');
    await client.putFileContents('/rt/one #1.bin', data);
    await client.putFileContents('/rt/ü ß.txt', 'unicode');
    const names = ((await client.getDirectoryContents('/rt')) as FileStat[]).map((f) => f.basename).sort();
    assert.deepEqual(names, ['one #1.bin', 'ü ß.txt'], 'a listing on the other instance shows both at once');
    assert.deepEqual(Buffer.from((await client.getFileContents('/rt/one #1.bin')) as ArrayBuffer), data);
    await client.copyFile('/rt/one #1.bin', '/rt/copy.bin');
    await client.moveFile('/rt/copy.bin', '/rt/moved.bin');
    assert.equal(await client.exists('/rt/copy.bin'), false);
    assert.deepEqual(Buffer.from((await client.getFileContents('/rt/moved.bin')) as ArrayBuffer), data);
    const lock = await client.lock('/rt/moved.bin');
    await assert.rejects(client.putFileContents('/rt/moved.bin', 'x'), /423/);
    await client.putFileContents('/rt/moved.bin', 'x', { headers: { If: `(<${lock.token}>)` } });
    await client.unlock('/rt/moved.bin', lock.token);
    await client.deleteFile('/rt');
    assert.equal(await client.exists('/rt'), false);
  });

  for (const c of ['files', 's3']) it(`litmus passes every test of basic, copymove, props, locks and http through the balancer (${c === 'files' ? 'local' : 'S3'} category)`, { timeout: 300_000, skip: c === 's3' ? skipUnlessS3() : false }, async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'rdav-litmus-lb-'));
    const out = await new Promise<string>((resolve) => {
      execFile(LITMUS, ['-k', `${lb.url}/${c}/`], { cwd, timeout: 240_000, maxBuffer: 8 << 20 }, (_e, so, se) => resolve(String(so) + String(se)));
    });
    rmSync(cwd, { recursive: true, force: true });
    const sums = [...out.matchAll(/summary for `(\w+)': of (\d+) tests run: (\d+) passed, (\d+) failed/g)];
    assert.deepEqual(sums.map((m) => m[1]), ['basic', 'copymove', 'props', 'locks', 'http'], out.slice(-2000));
    const failures = out.split('\n').filter((l) => /\bFAIL\b/.test(l));
    for (const m of sums) assert.equal(m[4], '0', `${m[1]}: ${m[4]} failed\n${failures.join('\n')}`);
    console.log(`# litmus through HAProxy (${c}): ` + sums.map((m) => `${m[1]} ${m[3]}/${m[2]}`).join(', '));
  });
});
