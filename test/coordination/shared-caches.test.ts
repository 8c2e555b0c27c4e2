/**
 * Caches that agree: two daemons over one folder with a 30 s metadata cache. Through Redis, a
 * change made on A is visible on B at once, every time; without coordination (the control) B
 * keeps serving its cached view, which shows the test can tell the difference.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { REDIS_SKIP_REASON, startTestRedis, type TestRedis } from '../helpers/redis-server.ts';
import { makeCluster, type Cluster, type Instance } from './instances.ts';

const listing = async (i: Instance, dir: string) => (await (await fetch(`${i.dav}/files/${dir}/`, { method: 'PROPFIND', headers: { Depth: '1' } })).text());
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
      assert.match(await listing(b, 'd'), new RegExp(name), `round ${i}: the new file is in B's listing`);
      assert.equal(await (await fetch(`${b.dav}/files/d/${name}`)).text(), 'one');
      assert.equal((await fetch(`${a.dav}/files/d/${name}`, { method: 'PUT', body: 'second version' })).status, 204);
      assert.equal(await (await fetch(`${b.dav}/files/d/${name}`)).text(), 'second version', `round ${i}: B serves the new content`);
      assert.equal((await fetch(`${a.dav}/files/d/${name}`, { method: 'PROPPATCH', body: PROPPATCH(`n${i}`) })).status, 207);
      const props = await (await fetch(`${b.dav}/files/d/${name}`, { method: 'PROPFIND', headers: { Depth: '0' } })).text();
      assert.match(props, new RegExp(`n${i}`), `round ${i}: B shows the new property`);
      assert.equal((await fetch(`${a.dav}/files/d/${name}`, { method: 'MOVE', headers: { Destination: `${a.dav}/files/d/moved-${name}` } })).status, 201);
      assert.equal((await fetch(`${b.dav}/files/d/${name}`)).status, 404, `round ${i}: gone from its old place on B`);
      assert.equal((await fetch(`${a.dav}/files/d/moved-${name}`, { method: 'DELETE' })).status, 204);
      assert.equal((await fetch(`${b.dav}/files/d/moved-${name}`)).status, 404, `round ${i}: deleted on B too`);
    }
  });

  it('control: without coordination B keeps its cached listing (so the check above can fail)', async () => {
    const ca = await control.start();
    const cb = await control.start();
    assert.equal((await fetch(`${ca.dav}/files/d`, { method: 'MKCOL' })).status, 201);
    assert.doesNotMatch(await listing(cb, 'd'), /late\.txt/);
    assert.equal((await fetch(`${ca.dav}/files/d/late.txt`, { method: 'PUT', body: 'x' })).status, 201);
    assert.doesNotMatch(await listing(cb, 'd'), /late\.txt/, 'B still shows its cached listing');
  });
});
