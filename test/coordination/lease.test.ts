/** The job lease contract on memory and on a real Redis: one holder, takeover within one period after the holder dies. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Secret } from '../../src/config/secret.ts';
import { createMemoryLease, createRedisLease } from '../../src/coordination/lease.ts';
import { createRedisConnection, type RedisConnection } from '../../src/coordination/redis-connection.ts';
import { createLogger } from '../../src/log.ts';
import { REDIS_SKIP_REASON, startTestRedis, type TestRedis } from '../helpers/redis-server.ts';

const log = createLogger({ level: 'silent' });
const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('job lease', () => {
  it('memory: a single process always holds it', async () => {
    const l = createMemoryLease();
    l.start();
    assert.equal(l.held, true);
    await l.stop();
  });

  describe('redis', { skip: REDIS_SKIP_REASON || undefined }, () => {
    let redis: TestRedis;
    const conns: RedisConnection[] = [];
    const conn = async () => {
      const c = createRedisConnection({ url: new Secret(redis.url), keyPrefix: 'lease-test:', commandTimeoutMs: 1000, log });
      conns.push(c);
      await c.ready();
      return c;
    };
    before(async () => { redis = await startTestRedis(); });
    after(async () => {
      for (const c of conns) await c.close();
      await redis?.stop();
    });

    it('exactly one of three instances holds it; when the holder dies another takes over within one period', async () => {
      const periodMs = 900;
      const leases = await Promise.all([0, 1, 2].map(async () => createRedisLease(await conn(), { job: 'scanner', periodMs, log })));
      for (const l of leases) l.start();
      await wait(400);
      assert.equal(leases.filter((l) => l.held).length, 1, 'one holder');
      for (let i = 0; i < 3; i++) { await wait(300); assert.equal(leases.filter((l) => l.held).length, 1, 'the holder keeps it by renewing'); }
      const holder = leases.findIndex((l) => l.held);
      // The holder "dies": its connection goes away without releasing the lease.
      await conns[holder]!.close();
      const died = Date.now();
      let took = -1;
      while (Date.now() - died < 3 * periodMs) {
        const others = leases.filter((l, i) => i !== holder && l.held);
        if (others.length === 1) { took = Date.now() - died; break; }
        await wait(20);
      }
      assert.ok(took >= 0 && took <= periodMs + 200, `takeover after ${took} ms (period ${periodMs} ms)`);
      for (const l of leases) await l.stop();
    });

    it('a stopped holder releases it at once', async () => {
      const a = createRedisLease(await conn(), { job: 'hasher', periodMs: 60_000, log });
      const b = createRedisLease(await conn(), { job: 'hasher', periodMs: 3000, log });
      a.start();
      await wait(200);
      b.start();
      await wait(200);
      assert.equal(a.held, true);
      assert.equal(b.held, false);
      await a.stop();
      await wait(1200);
      assert.equal(b.held, true, 'taken over long before the 60 s lease would have run out');
      await b.stop();
    });
  });
});
