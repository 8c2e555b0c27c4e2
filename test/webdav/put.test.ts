import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { createHash } from 'node:crypto';
import { startDaemon, type TestDaemon } from '../helpers/daemon.ts';
import type { ChangeEvent } from '../../src/vfs/mount.ts';
import { skipUnlessS3Can } from '../helpers/s3-capabilities.ts';
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

  // A cut PUT with Content-Length goes to S3 as one PutObject: the store must drop the part it got.
  const cutSkip = { skip: c === 's3' ? skip || skipUnlessS3Can('atomicPut') : false };
  test(`${c}: a body cut mid-upload leaves the old file intact and the server answering`, cutSkip, async () => {
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

test('an early refusal of a large PUT still reaches a client that keeps sending (no connection reset)', async () => {
  for (const [path, want] of [['/files/no-such-dir/big.bin', 409], ['/secret/x.bin', 403]] as const) {
    const got = await new Promise<string>((resolve) => {
      const s = net.connect(d.port, '127.0.0.1');
      const chunks: Buffer[] = [];
      s.on('data', (c) => chunks.push(c));
      s.on('error', () => resolve(Buffer.concat(chunks).toString('latin1')));
      s.on('close', () => resolve(Buffer.concat(chunks).toString('latin1')));
      const user = path.startsWith('/secret') ? 'bob' : 'alice';
      s.write(`PUT ${path} HTTP/1.1\r\nHost: x\r\nAuthorization: ${d.basic(user)}\r\nContent-Length: ${12 * 1024 * 1024}\r\n\r\n`);
      const chunk = Buffer.alloc(256 * 1024, 1);
      let sent = 0;
      const pump = () => {
        while (sent < 12 * 1024 * 1024) {
          sent += chunk.length;
          if (!s.write(chunk)) { s.once('drain', pump); return; }
        }
        setTimeout(() => s.end(), 200);
      };
      pump();
    });
    assert.match(got, new RegExp(`^HTTP/1.1 ${want} `), `${path}: ${got.slice(0, 60)}`);
  }
  await stillAlive(d);
});

test('Expect: 100-continue: a refused PUT gets its status without 100 Continue; an accepted one gets 100 first', async () => {
  const { rawRequest } = await import('./http.ts');
  const refused = await rawRequest(d, `PUT /files/no-such-dir/x.bin HTTP/1.1\r\nHost: x\r\n${authLine(d)}Content-Length: 5\r\nExpect: 100-continue\r\n\r\n`, 1500);
  assert.match(refused, /^HTTP\/1.1 409 /);
  const ok = await new Promise<string>((resolve) => {
    const s = net.connect(d.port, '127.0.0.1');
    let text = '';
    s.on('data', (c) => {
      text += c.toString('latin1');
      if (text.startsWith('HTTP/1.1 100 Continue\r\n\r\n') && !text.includes('201')) s.write('hello');
      if (/HTTP\/1.1 201/.test(text)) { s.destroy(); resolve(text); }
    });
    s.on('close', () => resolve(text));
    s.write(`PUT /files/continue.txt HTTP/1.1\r\nHost: x\r\n${authLine(d)}Content-Length: 5\r\nExpect: 100-continue\r\n\r\n`);
  });
  assert.match(ok, /^HTTP\/1.1 100 Continue\r\n\r\nHTTP\/1.1 201 /);
  assert.equal((await dav(d, 'GET', '/files/continue.txt')).body, 'hello');
});
