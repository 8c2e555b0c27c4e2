/**
 * Caches that agree, every time: two daemons over one folder with a 30 s metadata cache. Each
 * round first makes B cache the state (listing, "not found", content, properties), then changes
 * it through A and asks B right after A's answer — no polling, no retry. Through Redis every
 * check must hold in every round (misses are counted per kind and reported, and must be 0);
 * without coordination (the control) B keeps serving its cached view, which shows the test can
 * tell. Why it holds: see src/coordination/change-relay.ts (the writer answers only after every
 * other instance confirmed it dropped the paths).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { REDIS_SKIP_REASON, startTestRedis, type TestRedis } from '../helpers/redis-server.ts';
import { makeCluster, type Cluster, type Instance } from './instances.ts';

const ROUNDS = Number(process.env.RDAV_TEST_CACHE_ROUNDS ?? 200);
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

  it(`PUT, overwrite, PROPPATCH, MOVE, DELETE, MKCOL on A: B shows each right after A's answer (${ROUNDS} rounds, no retry)`, { timeout: 600_000 }, async () => {
    assert.equal((await fetch(`${a.dav}/files/d`, { method: 'MKCOL' })).status, 201);
    const misses: Record<string, number> = {};
    const check = (kind: string, ok: boolean) => { misses[kind] = (misses[kind] ?? 0) + (ok ? 0 : 1); };
    for (let i = 0; i < ROUNDS; i++) {
      const name = `f${i}.txt`;
      // B caches the listing without the file, "not found" for it, and (below) its old content.
      assert.doesNotMatch(await listing(b, 'd'), new RegExp(`/${name}<`));
      assert.equal((await fetch(`${b.dav}/files/d/${name}`)).status, 404);
      assert.equal((await fetch(`${b.dav}/files/d/${name}`, { method: 'HEAD' })).status, 404);
      assert.equal((await fetch(`${a.dav}/files/d/${name}`, { method: 'PUT', body: 'one' })).status, 201);
      check('PUT → PROPFIND Depth 1', (await listing(b, 'd')).includes(`/${name}<`));
      const get = await fetch(`${b.dav}/files/d/${name}`);
      check('PUT → GET', get.status === 200 && (await get.text()) === 'one');
      check('PUT → HEAD', (await fetch(`${b.dav}/files/d/${name}`, { method: 'HEAD' })).headers.get('content-length') === '3');
      assert.equal((await fetch(`${a.dav}/files/d/${name}`, { method: 'PUT', body: 'second version' })).status, 204);
      const get2 = await fetch(`${b.dav}/files/d/${name}`);
      check('overwrite → GET', (await get2.text()) === 'second version');
      assert.equal((await fetch(`${a.dav}/files/d/${name}`, { method: 'PROPPATCH', body: PROPPATCH(`n${i}`) })).status, 207);
      check('PROPPATCH → PROPFIND Depth 0', (await (await fetch(`${b.dav}/files/d/${name}`, { method: 'PROPFIND', headers: { Depth: '0' } })).text()).includes(`n${i}<`));
      assert.equal((await fetch(`${a.dav}/files/d/${name}`, { method: 'MOVE', headers: { Destination: `${a.dav}/files/d/moved-${name}` } })).status, 201);
      const afterMove = await listing(b, 'd');
      check('MOVE → PROPFIND Depth 1', !afterMove.includes(`/${name}<`) && afterMove.includes(`/moved-${name}<`));
      check('MOVE → GET source', (await fetch(`${b.dav}/files/d/${name}`)).status === 404);
      assert.equal((await fetch(`${a.dav}/files/d/moved-${name}`, { method: 'DELETE' })).status, 204);
      check('DELETE → PROPFIND Depth 1', !(await listing(b, 'd')).includes(`/moved-${name}<`));
      check('DELETE → GET', (await fetch(`${b.dav}/files/d/moved-${name}`)).status === 404);
      assert.equal((await fetch(`${a.dav}/files/d/sub${i}`, { method: 'MKCOL' })).status, 201);
      check('MKCOL → PROPFIND Depth 1', (await listing(b, 'd')).includes(`/sub${i}/<`));
    }
    const total = Object.values(misses).reduce((n, m) => n + m, 0);
    console.log(`# cache misses on B over ${ROUNDS} rounds: ${JSON.stringify(misses)}`);
    assert.equal(total, 0, `stale answers on B: ${JSON.stringify(misses)}`);
  });

  it('control: without coordination B keeps its cached listing (so the check above can fail)', async () => {
    const ca = await control.start();
    const cb = await control.start();
    assert.equal((await fetch(`${ca.dav}/files/d`, { method: 'MKCOL' })).status, 201);
    assert.doesNotMatch(await listing(cb, 'd'), /late\.txt/);
    assert.equal((await fetch(`${cb.dav}/files/d/late.txt`)).status, 404);
    assert.equal((await fetch(`${ca.dav}/files/d/late.txt`, { method: 'PUT', body: 'x' })).status, 201);
    assert.doesNotMatch(await listing(cb, 'd'), /late\.txt/, 'B still shows its cached listing');
    assert.equal((await fetch(`${cb.dav}/files/d/late.txt`)).status, 404, 'B still has "not found" cached');
  });
});
