import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { startDaemon, type TestDaemon } from '../helpers/daemon.ts';
import { dav, s3SkipReason } from './http.ts';

let d: TestDaemon;
const body = randomBytes(10_000);
before(async () => {
  d = await startDaemon();
  for (const c of d.writable) {
    assert.equal((await dav(d, 'PUT', `/${c}/data.bin`, { body })).status, 201);
    assert.equal((await dav(d, 'PUT', `/${c}/doc.json`, { body: '{"a":1}' })).status, 201);
    assert.equal((await dav(d, 'MKCOL', `/${c}/folder`)).status, 201);
  }
});
after(async () => { await d.close(); });

const skip = s3SkipReason();
if (skip) test('S3 category', { skip }, () => {});

for (const c of ['files', 's3']) {
  const opts = { skip: c === 's3' ? skip : false };

  test(`${c}: GET sends the content with a quoted ETag, Last-Modified, type by extension, Accept-Ranges`, opts, async () => {
    const r = await dav(d, 'GET', `/${c}/data.bin`);
    assert.equal(r.status, 200);
    assert.deepEqual(r.raw, body);
    assert.match(String(r.headers.etag), /^"[^"]+"$/);
    assert.ok(!Number.isNaN(Date.parse(String(r.headers['last-modified']))));
    assert.equal(r.headers['accept-ranges'], 'bytes');
    assert.equal(r.headers['content-length'], String(body.length));
    const j = await dav(d, 'GET', `/${c}/doc.json`);
    assert.equal(j.headers['content-type'], 'application/json');
  });

  test(`${c}: single ranges (closed, open-ended, suffix) give 206 with the real total`, opts, async () => {
    const cases: [string, number, number][] = [['bytes=0-9', 0, 9], ['bytes=9990-', 9990, 9999], ['bytes=-7', 9993, 9999], ['bytes=5000-99999', 5000, 9999]];
    for (const [range, a, b] of cases) {
      const r = await dav(d, 'GET', `/${c}/data.bin`, { headers: { Range: range } });
      assert.equal(r.status, 206, range);
      assert.equal(r.headers['content-range'], `bytes ${a}-${b}/${body.length}`);
      assert.deepEqual(r.raw, body.subarray(a, b + 1), range);
    }
  });

  test(`${c}: an unsatisfiable range gives 416 with bytes */size; several ranges give the whole file`, opts, async () => {
    const r = await dav(d, 'GET', `/${c}/data.bin`, { headers: { Range: 'bytes=20000-' } });
    assert.equal(r.status, 416);
    assert.equal(r.headers['content-range'], `bytes */${body.length}`);
    const m = await dav(d, 'GET', `/${c}/data.bin`, { headers: { Range: 'bytes=0-1,5-6' } });
    assert.equal(m.status, 200);
    assert.equal(m.raw.length, body.length);
  });

  test(`${c}: If-None-Match / If-Modified-Since give 304, If-Match mismatch 412, If-Range decides`, opts, async () => {
    const g = await dav(d, 'HEAD', `/${c}/data.bin`);
    const etag = String(g.headers.etag);
    assert.equal((await dav(d, 'GET', `/${c}/data.bin`, { headers: { 'If-None-Match': etag } })).status, 304);
    assert.equal((await dav(d, 'GET', `/${c}/data.bin`, { headers: { 'If-None-Match': '"other"' } })).status, 200);
    assert.equal((await dav(d, 'GET', `/${c}/data.bin`, { headers: { 'If-Modified-Since': new Date(Date.now() + 3600_000).toUTCString() } })).status, 304);
    assert.equal((await dav(d, 'GET', `/${c}/data.bin`, { headers: { 'If-Match': '"nope"' } })).status, 412);
    assert.equal((await dav(d, 'GET', `/${c}/data.bin`, { headers: { 'If-Match': etag } })).status, 200);
    assert.equal((await dav(d, 'GET', `/${c}/data.bin`, { headers: { Range: 'bytes=0-0', 'If-Range': etag } })).status, 206);
    assert.equal((await dav(d, 'GET', `/${c}/data.bin`, { headers: { Range: 'bytes=0-0', 'If-Range': '"stale"' } })).status, 200);
  });

  test(`${c}: HEAD has the headers and no body`, opts, async () => {
    const r = await dav(d, 'HEAD', `/${c}/data.bin`);
    assert.equal(r.status, 200);
    assert.equal(r.headers['content-length'], String(body.length));
    assert.equal(r.raw.length, 0);
  });

  test(`${c}: GET on a collection (with and without slash) is an HTML listing; missing is 404`, opts, async () => {
    for (const p of [`/${c}/`, `/${c}`]) {
      const r = await dav(d, 'GET', p);
      assert.equal(r.status, 200);
      assert.match(String(r.headers['content-type']), /text\/html/);
      assert.match(r.body, /data\.bin/);
      assert.match(r.body, /folder\//);
    }
    assert.equal((await dav(d, 'GET', `/${c}/missing.bin`)).status, 404);
  });
}
