/**
 * Shared guards: two daemons over one Redis. Failed logins count in total (an address gets
 * maxFailures guesses in all, then 429 on every instance); a Digest nonce minted by A is accepted
 * by B. Plus the LoginFailureTally contract on both implementations (memory, Redis).
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { hashPassword } from '../../src/auth/passwords.ts';
import { createMemoryFailureTally, createRedisFailureTally, type LoginFailureTally } from '../../src/auth/login-failures.ts';
import { createRedisConnection, type RedisConnection } from '../../src/coordination/redis-connection.ts';
import { Secret } from '../../src/config/secret.ts';
import { createLogger } from '../../src/log.ts';
import { REDIS_SKIP_REASON, startTestRedis, type TestRedis } from '../helpers/redis-server.ts';
import { makeCluster, type Cluster, type Instance } from './instances.ts';
import { HAPROXY_SKIP_REASON, startHaproxy, type TestHaproxy } from '../helpers/haproxy.ts';

const PW = 'guard-pw-Zq81!';
const md5 = (s: string) => createHash('md5').update(s).digest('hex');
const basic = (pw: string) => 'Basic ' + Buffer.from(`alice:${pw}`).toString('base64');
const LIMITS = { maxFailures: 4, windowSeconds: 60, lockoutSeconds: 60 };

describe('shared guards', { skip: REDIS_SKIP_REASON || undefined }, () => {
  let redis: TestRedis;
  let cluster: Cluster;
  let a: Instance;
  let b: Instance;
  let lb: TestHaproxy | undefined;
  const conns: RedisConnection[] = [];
  before(async () => {
    redis = await startTestRedis();
    const users = { alice: { password: await hashPassword(PW), digestHa1: md5(`alice:ReleaseDAV:${PW}`) } };
    cluster = makeCluster(redis.url, 'guards:', {
      auth: { users, bruteForce: LIMITS },
      categories: [{ slug: 'files', directory: 'files', access: { read: ['alice'], write: ['alice'] } }],
    });
    a = await cluster.start();
    b = await cluster.start();
    if (!HAPROXY_SKIP_REASON) lb = await startHaproxy([a.dav, b.dav].map((u) => u.replace('http://', '')));
  });
  after(async () => {
    for (const c of conns) await c.close();
    await lb?.stop();
    await cluster?.close();
    await redis?.stop();
  });

  it('a Digest nonce minted by A is accepted by B', async () => {
    const ch = await fetch(`${a.dav}/files/`, { method: 'PROPFIND', headers: { Depth: '0' } });
    const www = ch.headers.get('www-authenticate') ?? '';
    const nonce = /nonce="([^"]+)"/.exec(www)?.[1];
    assert.ok(nonce, www);
    const ha1 = md5(`alice:ReleaseDAV:${PW}`);
    const uri = '/files/';
    const cnonce = 'abcdef0123456789';
    const response = md5(`${ha1}:${nonce}:00000001:${cnonce}:auth:${md5(`PROPFIND:${uri}`)}`);
    const auth = `Digest username="alice", realm="ReleaseDAV", nonce="${nonce}", uri="${uri}", qop=auth, nc=00000001, cnonce="${cnonce}", response="${response}", algorithm=MD5`;
    const r = await fetch(`${b.dav}${uri}`, { method: 'PROPFIND', headers: { Depth: '0', Authorization: auth } });
    assert.equal(r.status, 207, 'B accepts the nonce A minted');
  });

  it('maxFailures in total across instances, then 429 on every instance', async () => {
    // Through HAProxy (round robin: two guesses on each instance) when it is installed, else A, B, A, B directly.
    const targets = lb ? [lb.url, lb.url, lb.url, lb.url] : [a.dav, b.dav, a.dav, b.dav];
    for (const t of targets) assert.equal((await fetch(`${t}/files/`, { method: 'PROPFIND', headers: { Authorization: basic('wrong'), Depth: '0' } })).status, 401);
    assert.ok(a.lines.filter((l) => /login failed/.test(l.msg)).length >= 1 && b.lines.filter((l) => /login failed/.test(l.msg)).length >= 1, 'both instances saw failures');
    await new Promise((r) => setTimeout(r, 300)); // the lockout message travels through Redis
    for (const inst of [a, b]) {
      const r = await fetch(`${inst.dav}/files/`, { method: 'PROPFIND', headers: { Authorization: basic(PW), Depth: '0' } });
      assert.equal(r.status, 429, 'locked out everywhere, even with the right password');
      assert.ok(Number(r.headers.get('retry-after')) > 0);
    }
    assert.ok(!a.raw().includes(PW) && !b.raw().includes(PW), 'no password in the logs');
  });

  for (const [name, make] of [
    ['memory', async () => createMemoryFailureTally()],
    ['redis', async () => {
      const c = createRedisConnection({ url: new Secret(redis.url), keyPrefix: `tally${conns.length}:`, commandTimeoutMs: 2000, log: createLogger({ level: 'silent' }) });
      conns.push(c);
      await c.ready();
      return createRedisFailureTally(c);
    }],
  ] as [string, () => Promise<LoginFailureTally>][]) {
    it(`login failure tally contract: ${name}`, async () => {
      const t = await make();
      const l = { maxFailures: 3, windowSeconds: 60, lockoutSeconds: 30 };
      assert.equal(await t.add('10.0.0.1', l), 0);
      assert.equal(await t.add('10.0.0.1', l), 0);
      assert.equal(await t.add('10.0.0.2', l), 0, 'addresses count apart');
      const until = await t.add('10.0.0.1', l);
      assert.ok(until > Date.now() + 29_000 && until <= Date.now() + 30_000, 'the 3rd failure locks out for lockoutSeconds');
      await t.clear('10.0.0.2');
      assert.equal(await t.add('10.0.0.2', l), 0);
      assert.equal(await t.add('10.0.0.2', l), 0, 'a success cleared the count');
      assert.equal(await t.add('10.0.0.1', l), 0, 'no second lockout while one runs');
    });
  }
});
