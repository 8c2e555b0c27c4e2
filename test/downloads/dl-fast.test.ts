/**
 * The /dl fast path (src/downloads/dl-fast.ts) against a real S3 (Ceph RGW): which requests it
 * takes, and that its answers, log lines, metrics and brute-force handling match the Koa route's
 * contract for every access rule.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import type { AddressInfo } from 'node:net';
import { BasicVerifier } from '../../src/auth/basic.ts';
import { BruteForceGuard } from '../../src/auth/brute-force.ts';
import { hashPassword } from '../../src/auth/passwords.ts';
import { createS3Backend } from '../../src/backends/s3.ts';
import { createS3Client } from '../../src/backends/s3-client.ts';
import { createPresigner } from '../../src/backends/s3-presign.ts';
import { createCatalog } from '../../src/catalog/catalog.ts';
import { Secret } from '../../src/config/secret.ts';
import { createDlFastPath } from '../../src/downloads/dl-fast.ts';
import { createLinkSigner } from '../../src/downloads/links.ts';
import { createMetrics } from '../../src/metrics.ts';
import type { RuntimeState } from '../../src/vfs/mount.ts';
import { createMountTable } from '../../src/vfs/mount-table.ts';
import { writeWithMeta } from '../../src/vfs/files.ts';
import { s3TestEnv, uniquePrefix } from '../helpers/s3env.ts';
import { skipUnlessS3Can } from '../helpers/s3-capabilities.ts';
import { captureLogger, config, newBus } from '../catalog/helpers.ts';
import { basic, counterValue, get, startServer, type Running } from './helpers.ts';

const skip = skipUnlessS3Can();
const KEY = 'e5'.repeat(16);
const LINK_SECRET = 'L'.repeat(40);
const BYTES = Buffer.from('fast path payload');
const GATE = 'https://example.com/buy';
let srv: Running;
let state: RuntimeState;
let prefix: string;
let diskDir: string;

before(async () => {
  if (skip) return;
  const env = s3TestEnv()!;
  prefix = uniquePrefix('dlfast');
  diskDir = mkdtempSync(join(tmpdir(), 'dlfast-'));
  mkdirSync(join(diskDir, '1.0'));
  writeFileSync(join(diskDir, '1.0', 'd.bin'), 'disk bytes');
  const cfg = config({
    // 10.0.0.1 is a second proxy of ours: X-Forwarded-For is walked from the right past trusted proxies.
    downloads: { trustProxy: true, trustedProxies: ['127.0.0.0/8', '10.0.0.0/8'] },
    storage: { s3: { bucket: env.bucket, region: 'default', endpoint: env.endpoint, forcePathStyle: true, accessKeyId: env.accessKeyId, secretAccessKey: env.secretAccessKey } },
    auth: {
      users: { alice: { password: await hashPassword('pw'), groups: ['team'], downloadKey: KEY }, bob: { password: await hashPassword('pw2') } },
      bruteForce: { maxFailures: 3, windowSeconds: 60, lockoutSeconds: 60 },
    },
    links: { secret: LINK_SECRET },
    categories: [
      { slug: 'fpub', directory: `s3://${prefix}pub` },
      { slug: 'fpriv', directory: `s3://${prefix}priv`, access: { download: ['@team'] } },
      { slug: 'fgate', directory: `s3://${prefix}gate`, access: { download: ['@team'] }, unauthorizedUrl: GATE },
      { slug: 'fdisk', directory: diskDir },
    ],
  });
  const s3 = cfg.storage.s3!;
  const client = createS3Client(s3);
  const { log } = captureLogger('silent');
  const presigner = createPresigner({ bucket: s3.bucket, s3 });
  const mounts = createMountTable(cfg, { log, s3: { client, createBackend: ({ prefix: p }) => createS3Backend({ client, bucket: s3.bucket, prefix: p, s3, log, presigner }) } });
  state = { config: cfg, mounts };
  for (const [slug, rel, name] of [['fpub', '1.0', 'a.bin'], ['fpriv', '2.0', 'p.bin'], ['fgate', '3.0', 'g.bin']] as const) {
    await mounts.get(slug)!.backend.mkdir(rel).catch(() => undefined);
    await writeWithMeta(mounts.get(slug)!, `${rel}/${name}`, Readable.from([BYTES]), { size: BYTES.length });
  }
  const catalog = createCatalog({ getState: () => state, bus: newBus(), log, refreshSeconds: 0 });
  srv = await startServer(state, { catalog });
});
after(async () => {
  if (skip) return;
  await srv.stop();
  for (const [slug, rel] of [['fpub', '1.0'], ['fpriv', '2.0'], ['fgate', '3.0']] as const) {
    await state.mounts.get(slug)!.backend.remove(rel, { recursive: true }).catch(() => undefined);
  }
  rmSync(diskDir, { recursive: true, force: true });
});

const req = (url: string, o: { method?: string; headers?: Record<string, string> } = {}) => get(url, o.headers ?? {}, o.method ?? 'GET');

test('takes GET and HEAD of S3 items; leaves every other request to Koa', { skip }, async () => {
  const { log } = captureLogger('silent');
  const parts = { catalog: srv.catalog, log, metrics: createMetrics({ defaultMetrics: false }), verifier: new BasicVerifier(), guard: new BruteForceGuard(), readyTimeoutMs: 1000 };
  const fast = createDlFastPath(() => state, parts);
  const server = http.createServer((rq, rs) => {
    if (!fast(rq, rs)) { rs.writeHead(599); rs.end('koa'); }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  try {
    assert.equal((await req(`${base}/dl/fpub/1.0/a.bin`)).status, 302);
    assert.equal((await req(`${base}/dl/fpub/1.0/a.bin`, { method: 'HEAD' })).status, 302);
    assert.equal((await req(`${base}/dl/fpub/1.0/missing.bin`)).status, 404, 'unknown items of an S3 category are answered here');
    for (const [url, method] of [
      ['/dl/fpub/1.0/a.bin', 'POST'], ['/dl/fdisk/1.0/d.bin', 'GET'], ['/dl/nope/1.0/a.bin', 'GET'],
      ['/dl/fpub/%ZZ/a.bin', 'GET'], ['/dl/fpub/1.0', 'GET'], ['/dl/fpub/1.0/a.bin/x', 'GET'],
    ] as const) {
      assert.equal((await req(`${base}${url}`, { method })).status, 599, `${method} ${url} goes to Koa`);
    }
  } finally {
    await new Promise<void>((r) => server.close(() => r()));
  }
});

test('the 302: presigned URL with the right bytes, one-shot headers, HEAD presigned for HEAD', { skip }, async () => {
  const r = await req(`${srv.base}/dl/fpub/1.0/a.bin`);
  assert.equal(r.status, 302);
  assert.equal(r.headers.get('cache-control'), 'no-store');
  assert.equal(r.headers.get('content-type'), 'text/plain; charset=utf-8');
  assert.equal(r.headers.get('content-length'), String(Buffer.byteLength('Redirecting to the file\n')));
  assert.equal(r.text, 'Redirecting to the file\n');
  const obj = await get(r.headers.get('location')!);
  assert.equal(obj.status, 200);
  assert.deepEqual(obj.body, BYTES);
  assert.match(obj.headers.get('content-disposition')!, /filename\*=UTF-8''a\.bin/);
  const h = await req(`${srv.base}/dl/fpub/1.0/a.bin`, { method: 'HEAD' });
  assert.equal(h.status, 302);
  assert.equal(h.body.length, 0);
  assert.equal((await get(h.headers.get('location')!, {}, 'HEAD')).status, 200);
  const missing = await req(`${srv.base}/dl/fpub/1.0/missing.bin`);
  assert.equal(missing.status, 404);
  assert.equal(missing.text, 'No such download.\n');
});

test('access matrix on S3: Basic, dlid, signed links, non-members, unauthorised URL', { skip }, async () => {
  const u = `${srv.base}/dl/fpriv/2.0/p.bin`;
  const anon = await req(u);
  assert.equal(anon.status, 401);
  assert.match(anon.headers.get('www-authenticate')!, /^Basic realm="/);
  assert.equal(anon.text, 'Please sign in to download this file.\n');
  assert.equal((await req(u, { headers: basic('alice', 'pw') })).status, 302);
  const bob = await req(u, { headers: basic('bob', 'pw2') });
  assert.equal(bob.status, 403);
  assert.equal(bob.text, 'You may not download from this category.\n');
  assert.equal((await req(u, { headers: { ...basic('alice', 'wrong'), 'X-Forwarded-For': '192.0.2.50' } })).status, 401);
  const k = await req(`${u}?dlid=${KEY}`);
  assert.equal(k.status, 302);
  assert.deepEqual((await get(k.headers.get('location')!)).body, BYTES);
  const badKey = await req(`${u}?dlid=${'0'.repeat(32)}`, { headers: { 'X-Forwarded-For': '192.0.2.51' } });
  assert.equal(badKey.status, 403);
  assert.equal(badKey.text, 'This download key is not valid.\n');

  const signer = createLinkSigner({ secret: new Secret(LINK_SECRET), previous: [], maxTtlSeconds: 31 * 86400 });
  const link = signer.sign('/dl/fpriv/2.0/p.bin', 600);
  assert.equal((await req(`${u}?${link.query}`)).status, 302);
  const tampered = await req(`${u}?${link.query.replace(/sig=./, (m) => (m.endsWith('A') ? 'sig=B' : 'sig=A'))}`);
  assert.equal(tampered.status, 403);
  assert.equal(tampered.text, 'This download link is not valid.\n');
  assert.equal((await req(`${srv.base}/dl/fpub/1.0/a.bin?${link.query}`)).status, 403, 'a link signs one path');
  const old = signer.sign('/dl/fpriv/2.0/p.bin', 60, Date.now() - 3600_000);
  const expired = await req(`${u}?${old.query}`);
  assert.equal(expired.status, 403);
  assert.equal(expired.text, 'This download link has expired.\n');

  const gate = await req(`${srv.base}/dl/fgate/3.0/g.bin`);
  assert.equal(gate.status, 302);
  assert.equal(gate.headers.get('location'), GATE);
  assert.equal((await req(`${srv.base}/dl/fgate/3.0/g.bin`, { headers: basic('alice', 'pw') })).headers.get('location')!.startsWith(GATE), false);
});

test('one JSON line and one metric per attempt; proxy IP; the key is never logged', { skip }, async () => {
  const before = srv.lines.length;
  const redirects = await counterValue(srv.metrics, 'releasedav_downloads_total', { category: 'fpriv', outcome: 'redirect' });
  const denied = await counterValue(srv.metrics, 'releasedav_downloads_total', { category: 'fpriv', outcome: 'denied' });
  const http302 = await counterValue(srv.metrics, 'releasedav_http_requests_total', { route: 'dl', status: '302' });
  const ip = '203.0.113.7';
  assert.equal((await req(`${srv.base}/dl/fpriv/2.0/p.bin?dlid=${KEY}`, { headers: { 'X-Forwarded-For': `${ip}, 10.0.0.1` } })).status, 302);
  assert.equal((await req(`${srv.base}/dl/fpriv/2.0/p.bin`, { headers: { 'X-Forwarded-For': ip } })).status, 401);
  const lines = srv.lines.slice(before).filter((l) => l.download === true);
  assert.equal(lines.length, 2);
  assert.deepEqual(
    Object.fromEntries(Object.entries(lines[0]!).filter(([k]) => ['download', 'method', 'category', 'release', 'file', 'user', 'via', 'ip', 'authorized', 'status'].includes(k))),
    { download: true, method: 'GET', category: 'fpriv', release: '2.0', file: 'p.bin', user: 'alice', via: 'dlid', ip, authorized: true, status: 302 },
  );
  assert.equal(lines[1]!.authorized, false);
  assert.equal(lines[1]!.status, 401);
  assert.equal(lines[1]!.via, 'anonymous');
  assert.ok(!JSON.stringify(srv.lines).includes(KEY), 'the download key never reaches the log');
  assert.equal(await counterValue(srv.metrics, 'releasedav_downloads_total', { category: 'fpriv', outcome: 'redirect' }), redirects + 1);
  assert.equal(await counterValue(srv.metrics, 'releasedav_downloads_total', { category: 'fpriv', outcome: 'denied' }), denied + 1);
  assert.equal(await counterValue(srv.metrics, 'releasedav_http_requests_total', { route: 'dl', status: '302' }), http302 + 1);
});

test('brute-force guard: failed sign-ins lock the IP out (429) for credentialed requests only', { skip }, async () => {
  const h = { ...basic('alice', 'nope'), 'X-Forwarded-For': '198.51.100.9' };
  const u = `${srv.base}/dl/fpriv/2.0/p.bin`;
  for (let i = 0; i < 3; i++) assert.equal((await req(u, { headers: h })).status, 401, `failure ${i + 1}`);
  const locked = await req(u, { headers: { ...basic('alice', 'pw'), 'X-Forwarded-For': '198.51.100.9' } });
  assert.equal(locked.status, 429);
  assert.ok(Number(locked.headers.get('retry-after')) > 0);
  assert.equal((await req(`${u}?dlid=${KEY}`, { headers: { 'X-Forwarded-For': '198.51.100.9' } })).status, 429);
  assert.equal((await req(`${srv.base}/dl/fpub/1.0/a.bin`, { headers: { 'X-Forwarded-For': '198.51.100.9' } })).status, 302, 'no credentials, no lockout');
  assert.equal((await req(u, { headers: { ...basic('alice', 'pw'), 'X-Forwarded-For': '198.51.100.10' } })).status, 302, 'other IPs unaffected');
});
