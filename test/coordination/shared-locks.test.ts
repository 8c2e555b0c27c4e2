/**
 * Two daemons over one folder and one real Redis: a lock taken through one is enforced and
 * releasable through the other; with Redis down reads go on and LOCK/UNLOCK/writes answer 503 +
 * Retry-After (one log line per outage); when Redis returns, writes work without a restart.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { REDIS_SKIP_REASON, startTestRedis, type TestRedis } from '../helpers/redis-server.ts';
import { eventually, makeCluster, type Cluster, type Instance } from './instances.ts';

const LOCKINFO = '<?xml version="1.0"?><D:lockinfo xmlns:D="DAV:"><D:lockscope><D:exclusive/></D:lockscope><D:locktype><D:write/></D:locktype><D:owner>t</D:owner></D:lockinfo>';

describe('locks shared through Redis', { skip: REDIS_SKIP_REASON || undefined }, () => {
  let redis: TestRedis;
  let cluster: Cluster;
  let a: Instance;
  let b: Instance;
  before(async () => {
    redis = await startTestRedis();
    // No metadata cache: these cases are about locks (cache invalidation has its own test).
    cluster = makeCluster(redis.url, 'shared-locks:', { cache: { ttlSeconds: 0 } });
    a = await cluster.start();
    b = await cluster.start();
    await eventually(async () => (await fetch(`${a.dav}/files/x`, { method: 'MKCOL' })).status === 201 || undefined, 5000, 'redis ready');
  });
  after(async () => {
    await cluster?.close();
    await redis?.stop();
  });

  it('LOCK on A, PUT with the token on B, PUT without it on B is 423, UNLOCK on A', async () => {
    const lock = await fetch(`${a.dav}/files/x/doc.txt`, { method: 'LOCK', body: LOCKINFO, headers: { Timeout: 'Second-60' } });
    assert.equal(lock.status, 201);
    const token = lock.headers.get('lock-token')!;
    assert.match(token, /^<opaquelocktoken:/);
    const without = await fetch(`${b.dav}/files/x/doc.txt`, { method: 'PUT', body: 'lost update' });
    assert.equal(without.status, 423);
    const withToken = await fetch(`${b.dav}/files/x/doc.txt`, { method: 'PUT', body: 'saved', headers: { If: `(${token})` } });
    assert.ok([200, 201, 204].includes(withToken.status), String(withToken.status));
    const discovery = await (await fetch(`${b.dav}/files/x/doc.txt`, { method: 'PROPFIND', headers: { Depth: '0' } })).text();
    assert.match(discovery, new RegExp(token.slice(1, -1)));
    const refresh = await fetch(`${b.dav}/files/x/doc.txt`, { method: 'LOCK', headers: { If: `(${token})`, Timeout: 'Second-120' } });
    assert.equal(refresh.status, 200);
    assert.equal((await fetch(`${a.dav}/files/x/doc.txt`, { method: 'UNLOCK', headers: { 'Lock-Token': token } })).status, 204);
    assert.equal((await fetch(`${b.dav}/files/x/doc.txt`, { method: 'UNLOCK', headers: { 'Lock-Token': token } })).status, 409, 'already released');
    assert.equal((await fetch(`${b.dav}/files/x/doc.txt`, { method: 'PUT', body: 'free again' })).status, 204);
    assert.equal(await (await fetch(`${a.dav}/files/x/doc.txt`)).text(), 'free again');
  });

  it('one instance runs the bleeding-edge scanner (the lease)', () => {
    const holders = [a, b].filter((i) => i.lines.some((l) => /lease taken/.test(l.msg) && l.job === 'bleeding-edge-scanner'));
    assert.equal(holders.length, 1);
  });

  it('a depth-infinity lock on A guards a DELETE of the folder on B', async () => {
    const lock = await fetch(`${a.dav}/files/x/`, { method: 'LOCK', body: LOCKINFO, headers: { Depth: 'infinity' } });
    assert.equal(lock.status, 200);
    const token = lock.headers.get('lock-token')!;
    assert.equal((await fetch(`${b.dav}/files/x/`, { method: 'DELETE' })).status, 423);
    assert.equal((await fetch(`${b.dav}/files/x/new.txt`, { method: 'PUT', body: 'n' })).status, 423);
    assert.equal((await fetch(`${b.dav}/files/x/`, { method: 'UNLOCK', headers: { 'Lock-Token': token } })).status, 204);
  });

  it('Redis down: reads answer, LOCK/UNLOCK/writes are 503 + Retry-After, one log line; Redis back: writes work', async () => {
    const held = await fetch(`${a.dav}/files/x/held.txt`, { method: 'LOCK', body: LOCKINFO });
    assert.equal(held.status, 201);
    const token = held.headers.get('lock-token')!;
    const readyz = async (i: Instance) => { const r = await fetch(`${i.dl}/readyz`); return { status: r.status, body: await r.json() as { lockStore?: unknown } }; };
    assert.deepEqual(await readyz(a), { status: 200, body: { ready: true, lockStore: { kind: 'redis', up: true } } });
    // Counted from the stop, and only the connection's outage line: a slow first connection on a
    // loaded machine is an outage of its own (logged then, with the start-up Digest-key warning,
    // which also says "redis unreachable"), and used to be counted here as well.
    const from = [a.lines.length, b.lines.length];
    await redis.stop();
    for (let i = 0; i < 3; i++) {
      for (const inst of [a, b]) {
        const get = await fetch(`${inst.dav}/files/x/doc.txt`);
        assert.equal(get.status, 200);
        assert.equal(await get.text(), 'free again');
        const pf = await fetch(`${inst.dav}/files/x/`, { method: 'PROPFIND', headers: { Depth: '1' } });
        assert.equal(pf.status, 207);
        assert.doesNotMatch(await pf.text(), /opaquelocktoken/, 'no locks shown while they cannot be read');
        const put = await fetch(`${inst.dav}/files/x/doc.txt`, { method: 'PUT', body: 'during outage' });
        assert.equal(put.status, 503);
        assert.equal(put.headers.get('retry-after'), '5');
        assert.equal((await fetch(`${inst.dav}/files/x/other.txt`, { method: 'LOCK', body: LOCKINFO })).status, 503);
        assert.equal((await fetch(`${inst.dav}/files/x/held.txt`, { method: 'UNLOCK', headers: { 'Lock-Token': token } })).status, 503);
        assert.equal((await fetch(`${inst.dav}/files/x/gone/`, { method: 'MKCOL' })).status, 503);
      }
    }
    assert.equal(await (await fetch(`${a.dav}/files/x/doc.txt`)).text(), 'free again', 'nothing written');
    for (const inst of [a, b]) {
      assert.deepEqual(await readyz(inst), { status: 200, body: { ready: true, lockStore: { kind: 'redis', up: false } } }, 'readyz reports the lock store, still serving reads');
    }
    for (const [k, inst] of [a, b].entries()) {
      const since = inst.lines.slice(from[k]);
      assert.equal(since.filter((l) => /^redis unreachable: LOCK/.test(l.msg)).length, 1, 'one line per outage');
      assert.equal(since.filter((l) => l.level >= 50 && /request failed/.test(l.msg)).length, 0, 'no line per request');
    }
    // This test Redis keeps no data on disk (--save '' --appendonly no): it comes back empty, so
    // the lock is gone (a Redis with persistence keeps it; see the README).
    await redis.restart();
    await eventually(async () => (await fetch(`${b.dav}/files/x/doc.txt`, { method: 'PUT', body: 'after' })).status === 204 || undefined, 15_000, 'writes after redis came back');
    assert.equal(await (await fetch(`${a.dav}/files/x/doc.txt`)).text(), 'after');
    const again = await fetch(`${a.dav}/files/x/doc.txt`, { method: 'LOCK', body: LOCKINFO });
    assert.equal(again.status, 200);
    assert.equal((await fetch(`${b.dav}/files/x/doc.txt`, { method: 'PUT', body: 'x' })).status, 423, 'locks are enforced again');
    assert.ok(a.lines.some((l) => /redis is back/.test(l.msg)));
  });
});
