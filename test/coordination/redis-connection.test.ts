/**
 * The Redis connection's outage bookkeeping against a real Redis: a command that times out while
 * the connection stays up (Redis busy) starts an outage, and the next successful call ends it —
 * one "unreachable" and one "back" line, `available` true again — instead of the connection
 * counting itself cut off until a reconnect that never comes. A real outage (Redis stopped) is
 * again one line, however many calls fail meanwhile.
 */
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { Secret } from '../../src/config/secret.ts';
import { createRedisConnection, type RedisConnection } from '../../src/coordination/redis-connection.ts';
import { createLogger } from '../../src/log.ts';
import { REDIS_SKIP_REASON, startTestRedis, type TestRedis } from '../helpers/redis-server.ts';
import { eventually } from './instances.ts';

const BUSY = 'local n = tonumber(ARGV[1]) local i = 0 while i < n do i = i + 1 end return 1';

describe('redis connection: one line per outage, and back after it', { skip: REDIS_SKIP_REASON || undefined }, () => {
  let redis: TestRedis;
  let conn: RedisConnection;
  let other: Redis;
  const lines: { msg: string }[] = [];
  const count = (re: RegExp) => lines.filter((l) => re.test(l.msg)).length;
  before(async () => {
    redis = await startTestRedis();
    const sink = new Writable({ write(c, _e, cb) { for (const t of String(c).split('\n')) if (t.trim()) lines.push(JSON.parse(t)); cb(); } });
    conn = createRedisConnection({ url: new Secret(redis.url), keyPrefix: 'conn:', commandTimeoutMs: 300, log: createLogger({ level: 'info', destination: sink }) });
    assert.equal(await conn.ready(), true);
    other = new Redis(redis.url);
  });
  after(async () => {
    other?.disconnect();
    await conn?.close();
    await redis?.stop();
  });

  it('a command timed out on a busy Redis: one outage line, then back at the next successful call', async () => {
    // Calibrate a script that keeps Redis busy for about a second (longer than the 300 ms timeout).
    let n = 1_000_000;
    const t0 = Date.now();
    await other.eval(BUSY, 0, n);
    n = Math.ceil((n * 1000) / Math.max(1, Date.now() - t0));
    const busy = other.eval(BUSY, 0, n);
    await new Promise((r) => setTimeout(r, 50));
    await assert.rejects(conn.call((c) => c.ping()), /unavailable/);
    await assert.rejects(conn.call((c) => c.ping()), /unavailable/);
    assert.equal(conn.available, false);
    await busy;
    await eventually(async () => (await conn.call((c) => c.ping())) === 'PONG' || undefined, 5000, 'a successful call');
    assert.equal(conn.available, true, 'available again without a reconnect');
    assert.equal(count(/^redis unreachable/), 1);
    assert.equal(count(/^redis is back/), 1);
  });

  it('Redis stopped: many failed calls, one line; started again: one "back" line', async () => {
    const from = lines.length;
    await redis.stop();
    for (let i = 0; i < 10; i++) await assert.rejects(conn.call((c) => c.ping()), /unavailable/);
    await redis.restart();
    await eventually(async () => (await conn.call((c) => c.ping())) === 'PONG' || undefined, 15_000, 'redis back');
    const since = lines.slice(from);
    assert.equal(since.filter((l) => /^redis unreachable/.test(l.msg)).length, 1);
    assert.equal(since.filter((l) => /^redis is back/.test(l.msg)).length, 1);
  });
});
