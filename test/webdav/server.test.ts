/** The listener itself: timeouts, TLS, the public prefix behind a proxy, the log line and metrics. */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import https from 'node:https';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDaemon, type TestDaemon } from '../helpers/daemon.ts';
import { createWebdavServer } from '../../src/webdav/server.ts';
import { dav, hrefs } from './http.ts';

let d: TestDaemon;
before(async () => { d = await startDaemon({ s3: false, config: { webdav: { publicUrl: 'https://dav.example.com/drive/', idleTimeoutSeconds: 77, headersTimeoutSeconds: 12 } } }); });
after(async () => { await d.close(); });

test('no total request timeout (long uploads), headers and idle timeouts from config', () => {
  const dav2 = createWebdavServer({ getState: () => d.state, locks: { } as never, bus: d.bus, log: { info() {}, warn() {}, error() {}, debug() {} } as never, metrics: d.metrics });
  assert.equal(dav2.server.requestTimeout, 0);
  assert.equal(dav2.server.headersTimeout, 12_000);
  assert.equal(dav2.server.timeout, 77_000);
  assert.equal(dav2.server.keepAliveTimeout, 10_000);
});

test('behind a proxy: hrefs carry the public prefix; requests with or without it resolve', async () => {
  await dav(d, 'PUT', '/files/p.txt', { body: 'p' });
  const a = await dav(d, 'PROPFIND', '/files/', { headers: { Depth: '1' } });
  assert.deepEqual(hrefs(a.body).sort(), ['/drive/files/', '/drive/files/p.txt']);
  const b = await dav(d, 'PROPFIND', '/drive/files/p.txt', { headers: { Depth: '0' } });
  assert.deepEqual(hrefs(b.body), ['/drive/files/p.txt']);
  const c = await dav(d, 'COPY', '/drive/files/p.txt', { headers: { Destination: 'https://dav.example.com/drive/files/q.txt' } });
  assert.equal(c.status, 201);
  assert.equal((await dav(d, 'GET', '/files/q.txt')).body, 'p');
});

test('one log line per request with method, path without query, status, bytes, duration, user; metrics count it', async () => {
  await dav(d, 'GET', '/files/p.txt?secret=hunter2');
  await new Promise((r) => setTimeout(r, 50));
  const line = d.logs().map((l) => JSON.parse(l)).filter((l) => l.msg === 'webdav request' && l.method === 'GET' && l.path === '/files/p.txt').at(-1);
  assert.ok(line, 'log line present');
  assert.equal(line.status, 200);
  assert.equal(line.user, 'alice');
  assert.ok(line.bytesOut > 0 && typeof line.ms === 'number');
  assert.ok(!d.logs().some((l) => l.includes('hunter2')));
  const text = await d.metrics.registry.metrics();
  assert.match(text, /releasedav_webdav_requests_total\{method="GET",status="200"\} [1-9]/);
  assert.match(text, /releasedav_bytes_out_total\{listener="webdav"\} [1-9]/);
  assert.match(text, /releasedav_transfer_seconds_count\{direction="upload",backend="local"\} [1-9]/);
});

test('TLS: with webdav.tls the listener speaks HTTPS', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'rdav-tls-'));
  try {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-days', '1', '-subj', '/CN=127.0.0.1'], { stdio: 'ignore' });
    const t = await startDaemon({ s3: false, config: { webdav: { tls: { certPath: join(dir, 'cert.pem'), keyPath: join(dir, 'key.pem') } } } });
    try {
      assert.match(t.origin, /^https:/);
      const status = await new Promise<number>((resolve, reject) => {
        https.request({ host: '127.0.0.1', port: t.port, method: 'OPTIONS', path: '/', rejectUnauthorized: false }, (res) => { res.resume(); resolve(res.statusCode!); }).on('error', reject).end();
      });
      assert.equal(status, 200);
    } finally {
      await t.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('slow headers (slowloris) are cut after headersTimeoutSeconds, not after Node\'s 30 s check interval', async () => {
  const net = await import('node:net');
  const s2 = await startDaemon({ s3: false, config: { webdav: { headersTimeoutSeconds: 2 } } });
  try {
    const t0 = Date.now();
    const closedAfter = await new Promise<number>((resolve) => {
      const s = net.connect(s2.port, '127.0.0.1', () => s.write('GET / HTTP/1.1\r\nHost: x\r\n'));
      const drip = setInterval(() => { if (!s.destroyed) s.write('X-Slow: 1\r\n'); }, 500);
      s.on('error', () => undefined);
      s.on('close', () => { clearInterval(drip); resolve(Date.now() - t0); });
      setTimeout(() => { clearInterval(drip); s.destroy(); resolve(-1); }, 10_000);
    });
    assert.ok(closedAfter > 1500 && closedAfter < 5000, `cut after ${closedAfter} ms`);
  } finally {
    await s2.close();
  }
});

test('behind a proxy: If tags and Digest URIs written with the public URL are accepted', async () => {
  await dav(d, 'PUT', '/files/tagged.txt', { body: 'a' });
  const l = await dav(d, 'LOCK', '/files/tagged.txt', { headers: { Depth: '0' }, body: '<?xml version="1.0"?><D:lockinfo xmlns:D="DAV:"><D:lockscope><D:exclusive/></D:lockscope><D:locktype><D:write/></D:locktype></D:lockinfo>' });
  const token = String(l.headers['lock-token']);
  const put = await dav(d, 'PUT', '/files/tagged.txt', { body: 'b', headers: { If: `<https://dav.example.com/drive/files/tagged.txt> (${token})` } });
  assert.equal(put.status, 204);
  const { createHash } = await import('node:crypto');
  const md5 = (s: string) => createHash('md5').update(s).digest('hex');
  const first = await dav(d, 'PROPFIND', '/files/', { user: null, headers: { Depth: '0' } });
  const nonce = /nonce="([^"]+)"/.exec(String(first.headers['www-authenticate']))![1]!;
  const uri = '/drive/files/';
  const { USERS } = await import('../helpers/daemon.ts');
  const ha1 = md5(`alice:ReleaseDAV:${USERS.alice}`);
  const response = md5(`${ha1}:${nonce}:00000001:c0ffee:auth:${md5(`PROPFIND:${uri}`)}`);
  const auth = `Digest username="alice", realm="ReleaseDAV", nonce="${nonce}", uri="${uri}", qop=auth, nc=00000001, cnonce="c0ffee", response="${response}"`;
  assert.equal((await dav(d, 'PROPFIND', '/files/', { user: null, headers: { Depth: '0', Authorization: auth } })).status, 207);
});
