/**
 * The lock-store contract on a real redis-server, plus what only the Redis store promises:
 * instances agree (two connections = two instances), Redis's own expiry removes every key,
 * failures while Redis is down are EUNAVAIL within the command timeout, and recovery needs no restart.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Writable } from 'node:stream';
import pino from 'pino';
import { Secret } from '../../src/config/secret.ts';
import { createRedisConnection, type RedisConnection } from '../../src/coordination/redis-connection.ts';
import { createRedisLockStore } from '../../src/webdav/locks/redis-lock-store.ts';
import { isVfsError } from '../../src/vfs/errors.ts';
import { REDIS_SKIP_REASON, startTestRedis, type TestRedis } from '../helpers/redis-server.ts';
import { runLockStoreContract, spec } from './lock-store-contract.ts';

let server: TestRedis | undefined;
const conns: RedisConnection[] = [];
const logLines: { level: number; msg: string }[] = [];
const log = pino({ level: 'info' }, new Writable({ write(c, _e, cb) { logLines.push(JSON.parse(String(c))); cb(); } }));
let n = 0;

/** A new connection (one "instance") to the test Redis. */
async function connect(prefix = `t${++n}:`, timeoutMs = 5000): Promise<RedisConnection> {
  const c = createRedisConnection({ url: new Secret(server!.url), keyPrefix: prefix, commandTimeoutMs: timeoutMs, log });
  conns.push(c);
  for (let i = 0; i < 100 && !c.available; i++) await new Promise((r) => setTimeout(r, 20));
  return c;
}

before(async () => { if (!REDIS_SKIP_REASON) server = await startTestRedis(); });
after(async () => {
  for (const c of conns) await c.close();
  await server?.stop();
});

runLockStoreContract({ name: 'redis', skip: REDIS_SKIP_REASON, create: async (o) => createRedisLockStore(await connect(), o) });

describe('redis lock store: what only it does', { skip: REDIS_SKIP_REASON || undefined }, () => {
  it('two instances see the same locks; either can refresh or release by token', async () => {
    const prefix = `shared${++n}:`;
    const a = createRedisLockStore(await connect(prefix));
    const b = createRedisLockStore(await connect(prefix));
    const l = await a.create(spec({ path: 'doc.txt', depth: '0' }));
    await assert.rejects(b.create(spec({ path: 'doc.txt', depth: '0' })), (e) => isVfsError(e, 'ELOCKED'));
    assert.deepEqual((await b.covering('stable', 'doc.txt')).map((x) => x.token), [l.token]);
    assert.equal((await b.refresh(l.token, 120)).timeoutSeconds, 120);
    assert.equal((await a.get(l.token))?.timeoutSeconds, 120);
    assert.equal(await b.remove(`<${l.token}>`), true);
    assert.equal(await a.get(l.token), undefined);
    // another prefix is another deployment
    const other = createRedisLockStore(await connect(`other${n}:`));
    await other.create(spec({ path: 'doc.txt', depth: '0' }));
  });

  it('expiry is Redis TTL: every key of an expired lock is gone without a sweeper', async () => {
    const prefix = `ttl${++n}:`;
    const conn = await connect(prefix);
    const s = createRedisLockStore(conn);
    const l = await s.create(spec({ path: 'x/y/z', depth: 'infinity', timeoutSeconds: 1 }));
    const keys = (await conn.client.keys(`${prefix}*`)).sort();
    assert.ok(keys.includes(`${prefix}lock:${l.token}`), keys.join(' '));
    assert.ok(keys.includes(`${prefix}lock-root:stable:x/y/z`));
    assert.ok(keys.includes(`${prefix}lock-below:stable:`) && keys.includes(`${prefix}lock-below:stable:x/y`));
    for (const k of keys) assert.ok((await conn.client.pttl(k)) > 0, `${k} expires`);
    await new Promise((r) => setTimeout(r, 1300));
    assert.deepEqual(await conn.client.keys(`${prefix}*`), []);
    assert.equal(await s.size(), 0);
  });

  it('Redis down: calls fail with EUNAVAIL within the timeout, one log line; back up: works without a restart', async () => {
    const own = await startTestRedis();
    try {
      const conn = createRedisConnection({ url: new Secret(own.url), keyPrefix: 'down:', commandTimeoutMs: 300, log });
      conns.push(conn);
      for (let i = 0; i < 100 && !conn.available; i++) await new Promise((r) => setTimeout(r, 20));
      const s = createRedisLockStore(conn);
      await s.create(spec({ path: 'before' }));
      const before = logLines.length;
      await own.stop();
      for (let i = 0; i < 5; i++) {
        const t0 = Date.now();
        await assert.rejects(s.covering('stable', 'before'), (e) => isVfsError(e, 'EUNAVAIL'));
        await assert.rejects(s.create(spec({ path: 'during' })), (e) => isVfsError(e, 'EUNAVAIL'));
        assert.ok(Date.now() - t0 < 1500, 'bounded in time');
      }
      const outage = logLines.slice(before).filter((l) => /redis unreachable/.test(l.msg));
      assert.equal(outage.length, 1, 'one line per outage');
      assert.doesNotMatch(JSON.stringify(logLines), new RegExp(String(own.port) + '.*password', 'i'));
      await own.restart();
      let ok = false;
      for (let i = 0; i < 100 && !ok; i++) {
        try { await s.create(spec({ path: 'after' })); ok = true; } catch { await new Promise((r) => setTimeout(r, 100)); }
      }
      assert.ok(ok, 'writes work again after Redis came back');
      assert.ok(logLines.slice(before).some((l) => /redis is back/.test(l.msg)));
    } finally {
      await own.stop();
    }
  });

  it('a password in the URL never reaches the log', async () => {
    const lines: string[] = [];
    const l2 = pino({}, new Writable({ write(c, _e, cb) { lines.push(String(c)); cb(); } }));
    const conn = createRedisConnection({ url: new Secret(`redis://user:s3cr3t-pw@127.0.0.1:${server!.port}`), keyPrefix: 'pw:', commandTimeoutMs: 300, log: l2 });
    conns.push(conn);
    await assert.rejects(createRedisLockStore(conn).size(), (e) => isVfsError(e, 'EUNAVAIL'));
    await new Promise((r) => setTimeout(r, 300));
    assert.ok(lines.length > 0);
    assert.doesNotMatch(lines.join(''), /s3cr3t-pw/);
  });
});
