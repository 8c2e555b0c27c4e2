/**
 * Caches that agree: two daemons over one folder with a 30 s metadata cache. Through Redis, a
 * change made on A is visible on B as soon as B has read the invalidation message (A answers
 * only after Redis accepted it; on a loaded machine B may need a few ms more to process it, so
 * each check allows up to 2 s and the slowest delay is reported); without coordination (the
 * control) B keeps serving its cached view for the whole TTL, which shows the test can tell.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { REDIS_SKIP_REASON, startTestRedis, type TestRedis } from '../helpers/redis-server.ts';
import { makeCluster, type Cluster, type Instance } from './instances.ts';

const listing = async (i: Instance, dir: string) => (await (await fetch(`${i.dav}/files/${dir}/`, { method: 'PROPFIND', headers: { Depth: '1' } })).text());
let slowest = 0;
/** Polls `check` until it holds, at most 2 s; records the delay. */
async function soon(what: string, check: () => Promise<boolean>): Promise<void> {
  const t0 = Date.now();
  while (!(await check())) {
    if (Date.now() - t0 > 2000) assert.fail(`${what}: not visible on B after 2 s`);
    await new Promise((r) => setTimeout(r, 5));
  }
  slowest = Math.max(slowest, Date.now() - t0);
}
const PROPPATCH = (v: string) => `<?xml version="1.0"?><D:propertyupdate xmlns:D="DAV:" xmlns:Z="urn:test"><D:set><D:prop><Z:note>${v}</Z:note></D:prop></D:set></D:propertyupdate>`;

describe('metadata caches agree across instances', { skip: REDIS_SKIP_REASON || undefined }, () => {
  let redis: TestRedis;
  let cluster: Cluster;
  let control: Cluster;
  let a: Instance;
  let b: Instance;
  before(async () => {
    redis = await startTestRedis();
    cluster = makeCluster(redis.url, 'caches:', { cache: { ttlSeconds: 30 } });
    a = await cluster.start();
    b = await cluster.start();
    control = makeCluster(undefined, '', { cache: { ttlSeconds: 30 } });
  });
  after(async () => {
    await cluster?.close();
    await control?.close();
    await redis?.stop();
  });

  it('PUT, overwrite, PROPPATCH, MOVE, DELETE on A: B shows each at once (20 rounds)', async () => {
    assert.equal((await fetch(`${a.dav}/files/d`, { method: 'MKCOL' })).status, 201);
    for (let i = 0; i < 20; i++) {
      const name = `f${i}.txt`;
      assert.doesNotMatch(await listing(b, 'd'), new RegExp(name), 'B caches the listing without it');
      assert.equal((await fetch(`${b.dav}/files/d/${name}`)).status, 404, 'B caches "not found"');
      assert.equal((await fetch(`${a.dav}/files/d/${name}`, { method: 'PUT', body: 'one' })).status, 201);
      await soon(`round ${i}: the new file in B's listing`, async () => (await listing(b, 'd')).includes(name));
      assert.equal(await (await fetch(`${b.dav}/files/d/${name}`)).text(), 'one');
      assert.equal((await fetch(`${a.dav}/files/d/${name}`, { method: 'PUT', body: 'second version' })).status, 204);
      await soon(`round ${i}: B serves the new content`, async () => (await (await fetch(`${b.dav}/files/d/${name}`)).text()) === 'second version');
      assert.equal((await fetch(`${a.dav}/files/d/${name}`, { method: 'PROPPATCH', body: PROPPATCH(`n${i}`) })).status, 207);
      await soon(`round ${i}: B shows the new property`, async () => (await (await fetch(`${b.dav}/files/d/${name}`, { method: 'PROPFIND', headers: { Depth: '0' } })).text()).includes(`n${i}<`));
      assert.equal((await fetch(`${a.dav}/files/d/${name}`, { method: 'MOVE', headers: { Destination: `${a.dav}/files/d/moved-${name}` } })).status, 201);
      await soon(`round ${i}: gone from its old place on B`, async () => (await fetch(`${b.dav}/files/d/${name}`)).status === 404);
      assert.equal((await fetch(`${a.dav}/files/d/moved-${name}`, { method: 'DELETE' })).status, 204);
      await soon(`round ${i}: deleted on B too`, async () => (await fetch(`${b.dav}/files/d/moved-${name}`)).status === 404);
    }
    console.log(`# slowest invalidation seen on B: ${slowest} ms`);
  });

  it('control: without coordination B keeps its cached listing (so the check above can fail)', async () => {
    const ca = await control.start();
    const cb = await control.start();
    assert.equal((await fetch(`${ca.dav}/files/d`, { method: 'MKCOL' })).status, 201);
    assert.doesNotMatch(await listing(cb, 'd'), /late\.txt/);
    assert.equal((await fetch(`${ca.dav}/files/d/late.txt`, { method: 'PUT', body: 'x' })).status, 201);
    await new Promise((r) => setTimeout(r, 2500));
    assert.doesNotMatch(await listing(cb, 'd'), /late\.txt/, 'B still shows its cached listing after 2.5 s');
  });
});
