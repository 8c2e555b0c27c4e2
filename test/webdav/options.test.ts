import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startDaemon, type TestDaemon } from '../helpers/daemon.ts';
import { dav } from './http.ts';

let d: TestDaemon;
before(async () => { d = await startDaemon({ s3: false }); });
after(async () => { await d.close(); });

function assertDavHeaders(h: Record<string, unknown>) {
  assert.match(String(h['dav']), /\b1\b/);
  assert.match(String(h['dav']), /\b2\b/);
  assert.equal(h['ms-author-via'], 'DAV');
  for (const m of ['PROPFIND', 'PROPPATCH', 'LOCK', 'UNLOCK', 'COPY', 'MOVE', 'MKCOL', 'PUT', 'DELETE']) assert.match(String(h['allow']), new RegExp(`\\b${m}\\b`));
}

test('OPTIONS on the host root answers anonymously with DAV 1,2 and MS-Author-Via (Windows probe)', async () => {
  const r = await dav(d, 'OPTIONS', '/', { user: null });
  assert.equal(r.status, 200);
  assertDavHeaders(r.headers);
});

test('OPTIONS on a category, a missing path and a file', async () => {
  for (const p of ['/files/', '/files', '/files/no/such/thing', '/public/x.txt']) {
    const r = await dav(d, 'OPTIONS', p);
    assert.equal(r.status, 200, p);
    assertDavHeaders(r.headers);
  }
});

test('OPTIONS on a category the caller cannot read asks for credentials', async () => {
  const r = await dav(d, 'OPTIONS', '/files/', { user: null });
  assert.equal(r.status, 401);
  const r2 = await dav(d, 'OPTIONS', '/secret/', { user: 'bob' });
  assert.equal(r2.status, 403);
});

test('methods we do not implement get 501 and the server keeps answering', async () => {
  for (const m of ['REPORT', 'PATCH', 'SEARCH']) assert.equal((await dav(d, m, '/files/')).status, 501, m);
  assert.equal((await dav(d, 'OPTIONS', '/')).status, 200);
});

test('OPTIONS * (the server as a whole) is answered like OPTIONS /', async () => {
  const { rawRequest, statusOfRaw } = await import('./http.ts');
  const raw = await rawRequest(d, 'OPTIONS * HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
  assert.equal(statusOfRaw(raw), 200);
  assert.match(raw, /\r\nDAV: 1, 2\r\n/i);
});
