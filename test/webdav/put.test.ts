import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { createHash } from 'node:crypto';
import { startDaemon, type TestDaemon } from '../helpers/daemon.ts';
import type { ChangeEvent } from '../../src/vfs/mount.ts';
import { authLine, dav, s3SkipReason, stillAlive } from './http.ts';

let d: TestDaemon;
const events: ChangeEvent[] = [];
before(async () => {
  d = await startDaemon();
  d.bus.on('change', (e) => events.push(e));
});
after(async () => { await d.close(); });

const skip = s3SkipReason();
if (skip) test('S3 category', { skip }, () => {});

for (const c of ['files', 's3']) {
  const opts = { skip: c === 's3' ? skip : false };

  test(`${c}: PUT answers 201 new, 204 overwrite, with an ETag; content, SHA-256 sidecar and change event follow`, opts, async () => {
    const r1 = await dav(d, 'PUT', `/${c}/p1.txt`, { body: 'one' });
    assert.equal(r1.status, 201);
    assert.match(String(r1.headers.etag), /^"/);
    const r2 = await dav(d, 'PUT', `/${c}/p1.txt`, { body: 'two!' });
    assert.equal(r2.status, 204);
    assert.equal((await dav(d, 'GET', `/${c}/p1.txt`)).body, 'two!');
    const mount = d.state.mounts.get(c)!;
    const entry = await mount.backend.stat('p1.txt');
    const meta = await mount.meta.get('p1.txt', entry);
    assert.equal(meta?.sha256, createHash('sha256').update('two!').digest('hex'));
    assert.ok(events.some((e) => e.category === c && e.path === 'p1.txt' && e.op === 'write'));
  });

  test(`${c}: PUT into a missing folder is 409, onto a collection 405`, opts, async () => {
    assert.equal((await dav(d, 'PUT', `/${c}/nope/x.txt`, { body: 'x' })).status, 409);
    assert.equal((await dav(d, 'MKCOL', `/${c}/coll`)).status, 201);
    assert.equal((await dav(d, 'PUT', `/${c}/coll`, { body: 'x' })).status, 405);
    assert.equal((await dav(d, 'PUT', `/${c}/`, { body: 'x' })).status, 405);
  });

  test(`${c}: If-None-Match: * refuses an existing file, If-Match needs the current ETag`, opts, async () => {
    await dav(d, 'PUT', `/${c}/cond.txt`, { body: 'v1' });
    assert.equal((await dav(d, 'PUT', `/${c}/cond.txt`, { body: 'v2', headers: { 'If-None-Match': '*' } })).status, 412);
    assert.equal((await dav(d, 'PUT', `/${c}/cond-new.txt`, { body: 'n', headers: { 'If-None-Match': '*' } })).status, 201);
    assert.equal((await dav(d, 'PUT', `/${c}/cond.txt`, { body: 'v2', headers: { 'If-Match': '"wrong"' } })).status, 412);
    const etag = String((await dav(d, 'HEAD', `/${c}/cond.txt`)).headers.etag);
    assert.equal((await dav(d, 'PUT', `/${c}/cond.txt`, { body: 'v3', headers: { 'If-Match': etag } })).status, 204);
    assert.equal((await dav(d, 'GET', `/${c}/cond.txt`)).body, 'v3');
  });

  test(`${c}: chunked PUT with X-Expected-Entity-Length (Finder) stores every byte`, opts, async () => {
    const payload = Buffer.alloc(300_000, 'z');
    const r = await dav(d, 'PUT', `/${c}/finder.bin`, { body: payload, headers: { 'Transfer-Encoding': 'chunked', 'X-Expected-Entity-Length': payload.length } });
    assert.equal(r.status, 201);
    const g = await dav(d, 'GET', `/${c}/finder.bin`);
    assert.equal(g.raw.length, payload.length);
  });

  test(`${c}: X-OC-Mtime is accepted and reported as getlastmodified`, opts, async () => {
    const r = await dav(d, 'PUT', `/${c}/mtime.txt`, { body: 'm', headers: { 'X-OC-Mtime': '1500000000' } });
    assert.equal(r.status, 201);
    assert.equal(r.headers['x-oc-mtime'], 'accepted');
    const p = await dav(d, 'PROPFIND', `/${c}/mtime.txt`, { headers: { Depth: '0' }, body: '<?xml version="1.0"?><D:propfind xmlns:D="DAV:"><D:prop><D:getlastmodified/></D:prop></D:propfind>' });
    assert.match(p.body, new RegExp(new Date(1500000000 * 1000).toUTCString()));
  });

  test(`${c}: a body cut mid-upload leaves the old file intact and the server answering`, opts, async () => {
    await dav(d, 'PUT', `/${c}/cut.txt`, { body: 'original' });
    await new Promise<void>((resolve) => {
      const s = net.connect(d.port, '127.0.0.1', () => {
        s.write(`PUT /${c}/cut.txt HTTP/1.1\r\nHost: x\r\n${authLine(d)}Content-Length: 100000\r\n\r\n` + 'x'.repeat(5000));
        setTimeout(() => { s.destroy(); resolve(); }, 300);
      });
      s.on('error', () => resolve());
    });
    await new Promise((r) => setTimeout(r, 500));
    assert.equal((await dav(d, 'GET', `/${c}/cut.txt`)).body, 'original');
    await stillAlive(d);
  });

  test(`${c}: a locked file needs its token (423 without, 204 with)`, opts, async () => {
    await dav(d, 'PUT', `/${c}/locked.txt`, { body: 'a' });
    const l = await dav(d, 'LOCK', `/${c}/locked.txt`, { headers: { Depth: '0', Timeout: 'Second-60' }, body: '<?xml version="1.0"?><D:lockinfo xmlns:D="DAV:"><D:lockscope><D:exclusive/></D:lockscope><D:locktype><D:write/></D:locktype></D:lockinfo>' });
    assert.equal(l.status, 200);
    const token = String(l.headers['lock-token']);
    assert.equal((await dav(d, 'PUT', `/${c}/locked.txt`, { body: 'b' })).status, 423);
    assert.equal((await dav(d, 'PUT', `/${c}/locked.txt`, { body: 'c', headers: { If: `(${token})` } })).status, 204);
    assert.equal((await dav(d, 'UNLOCK', `/${c}/locked.txt`, { headers: { 'Lock-Token': token } })).status, 204);
  });
}
