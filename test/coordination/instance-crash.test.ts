/**
 * Two real daemons (child processes) over one folder and one Redis: SIGKILL one in the middle of
 * an upload under its lock. The survivor keeps serving, the old version is intact (no partial
 * file), and the dead instance's lock is still enforced and can be released through the survivor.
 */
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startChildDaemon, type ChildDaemon } from '../helpers/child-daemon.ts';
import { REDIS_SKIP_REASON, startTestRedis, type TestRedis } from '../helpers/redis-server.ts';

const LOCKINFO = '<?xml version="1.0"?><D:lockinfo xmlns:D="DAV:"><D:lockscope><D:exclusive/></D:lockscope><D:locktype><D:write/></D:locktype></D:lockinfo>';

describe('an instance dies mid-upload', { skip: REDIS_SKIP_REASON || undefined }, () => {
  let redis: TestRedis;
  let root: string;
  let a: ChildDaemon;
  let b: ChildDaemon;
  before(async () => {
    redis = await startTestRedis();
    root = mkdtempSync(join(tmpdir(), 'rdav-crash-'));
    const config = (name: string) => ({
      storage: { local: { root: join(root, 'data') } },
      coordination: { redis: { url: redis.url, keyPrefix: 'crash:' } },
      categories: [{ slug: 'files', directory: 'files', access: { read: ['anonymous'], write: ['anonymous'] } }],
      lifecycle: { drainSeconds: 1 },
      name,
    });
    const dirA = mkdtempSync(join(root, 'a-'));
    const dirB = mkdtempSync(join(root, 'b-'));
    const strip = ({ name: _n, ...c }: ReturnType<typeof config>) => c;
    [a, b] = await Promise.all([startChildDaemon(dirA, strip(config('a'))), startChildDaemon(dirB, strip(config('b')))]);
  });
  after(async () => {
    await a?.kill();
    await b?.stop();
    await redis?.stop();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  it('SIGKILL during a locked PUT: survivor serves the old version, the lock holds and is released through it', async () => {
    const v1 = 'version one\n'.repeat(1000);
    assert.equal((await fetch(`${b.dav}/files/app.bin`, { method: 'PUT', body: v1 })).status, 201);
    const lock = await fetch(`${a.dav}/files/app.bin`, { method: 'LOCK', body: LOCKINFO, headers: { Timeout: 'Second-600' } });
    assert.equal(lock.status, 200);
    const token = lock.headers.get('lock-token')!;

    // A slow upload of 64 MiB to A with the token: send 1 MiB, then kill A.
    const total = 64 * 1024 * 1024;
    const u = new URL(`${a.dav}/files/app.bin`);
    const req = request({ host: u.hostname, port: u.port, path: u.pathname, method: 'PUT', headers: { 'Content-Length': total, If: `(${token})` } });
    req.on('error', () => { /* the server dies */ });
    req.write(Buffer.alloc(1024 * 1024, 7));
    await new Promise((r) => setTimeout(r, 500));
    await a.kill();
    req.destroy();

    const get = await fetch(`${b.dav}/files/app.bin`);
    assert.equal(get.status, 200);
    assert.equal(await get.text(), v1, 'the old version is intact');
    assert.equal((await fetch(`${b.dav}/files/app.bin`, { method: 'PUT', body: 'no token' })).status, 423, "the dead instance's lock still holds");
    const listing = await (await fetch(`${b.dav}/files/`, { method: 'PROPFIND', headers: { Depth: '1' } })).text();
    assert.match(listing, /app\.bin/);
    assert.doesNotMatch(listing, /\.tmp/, 'no partial file visible');
    assert.match(listing, new RegExp(token.slice(1, -1)), 'lockdiscovery on the survivor shows the lock');
    assert.equal((await fetch(`${b.dav}/files/app.bin`, { method: 'UNLOCK', headers: { 'Lock-Token': token } })).status, 204);
    assert.equal((await fetch(`${b.dav}/files/app.bin`, { method: 'PUT', body: 'v2' })).status, 204);
    assert.equal(await (await fetch(`${b.dav}/files/app.bin`)).text(), 'v2');
    assert.deepEqual(readdirSync(join(root, 'data', 'files')).filter((f) => !f.startsWith('.')), ['app.bin']);
  });
});
