/** Downloads server over local-disk categories: streaming, ranges, conditionals, access matrix, logs, metrics. */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { hashPassword } from '../../src/auth/passwords.ts';
import { Secret } from '../../src/config/secret.ts';
import { createLinkSigner } from '../../src/downloads/links.ts';
import { config, localState, put, tempDir } from '../catalog/helpers.ts';
import { basic, counterValue, get, rawGet, startServer, type Running } from './helpers.ts';

const KEY = 'a1'.repeat(16);
const SECRET = 'current-link-secret-0123456789-abcdef';
const OLD = 'previous-link-secret-0123456789-abcdef';
const BODY = Buffer.from('0123456789abcdefghij'); // 20 bytes
let srv: Running;

before(async () => {
  const pub = await tempDir('dl-pub');
  const priv = await tempDir('dl-priv');
  await put(pub, '1.0/app.bin', BODY, new Date('2024-01-02T03:04:05Z'));
  await put(pub, '1.0/Ünïcode file.txt', 'hello');
  await put(pub, '1.0/empty.txt', '');
  await put(pub, 'hidden-1/x.bin', 'x');
  await put(pub, 'hidden-1/release.yaml', 'published: false\n');
  await put(priv, '2.0/secret.bin', 'private bytes');
  const pw = await hashPassword('pw');
  const cfg = config({
    auth: { users: {
      alice: { password: pw, groups: ['team'], downloadKey: KEY },
      bob: { password: pw },
      root: { password: pw, admin: true },
    } },
    links: { secret: SECRET, previousSecrets: [OLD] },
    categories: [
      { slug: 'pub', directory: pub },
      { slug: 'priv', directory: priv, access: { download: ['@team'] } },
      { slug: 'redir', directory: priv, access: { download: ['@team'] }, unauthorizedUrl: 'https://example.com/buy' },
    ],
  });
  srv = await startServer(localState(cfg, { pub, priv, redir: priv }));
});
after(() => srv.stop());

test('streams a disk file with name, validators and type', async () => {
  const r = await get(`${srv.base}/dl/pub/1.0/app.bin`);
  assert.equal(r.status, 200);
  assert.deepEqual(r.body, BODY);
  assert.match(r.headers.get('content-disposition')!, /^attachment; filename="app.bin"; filename\*=UTF-8''app\.bin$/);
  assert.ok(r.headers.get('etag')!.startsWith('"'));
  assert.equal(r.headers.get('last-modified'), 'Tue, 02 Jan 2024 03:04:05 GMT');
  assert.equal(r.headers.get('accept-ranges'), 'bytes');
  const u = await get(`${srv.base}/dl/pub/1.0/${encodeURIComponent('Ünïcode file.txt')}`);
  assert.equal(u.text, 'hello');
  assert.match(u.headers.get('content-disposition')!, /filename\*=UTF-8''%C3%9Cn%C3%AFcode%20file\.txt/);
  const e = await get(`${srv.base}/dl/pub/1.0/empty.txt`);
  assert.equal(e.status, 200);
  assert.equal(e.body.length, 0);
});

test('every range form', async () => {
  const url = `${srv.base}/dl/pub/1.0/app.bin`;
  const cases: [string, number, string, string?][] = [
    ['bytes=0-3', 206, '0123', 'bytes 0-3/20'],
    ['bytes=5-', 206, BODY.subarray(5).toString(), 'bytes 5-19/20'],
    ['bytes=-4', 206, 'ghij', 'bytes 16-19/20'],
    ['bytes=-100', 206, BODY.toString(), 'bytes 0-19/20'],
    ['bytes=18-100', 206, 'ij', 'bytes 18-19/20'],
    ['bytes=19-19', 206, 'j', 'bytes 19-19/20'],
    ['bytes=5-2', 200, BODY.toString()],
    ['items=0-1', 200, BODY.toString()],
  ];
  for (const [range, status, body, cr] of cases) {
    const r = await get(url, { Range: range });
    assert.equal(r.status, status, range);
    assert.equal(r.text, body, range);
    if (cr) assert.equal(r.headers.get('content-range'), cr, range);
    assert.equal(Number(r.headers.get('content-length')), Buffer.byteLength(body), range);
  }
  const multi = await get(url, { Range: 'bytes=0-1,4-5' });
  assert.equal(multi.status, 206, 'several ranges: multipart/byteranges (test/downloads/multirange.test.ts)');
  assert.match(multi.headers.get('content-type') ?? '', /^multipart\/byteranges; boundary=/);
  for (const range of ['bytes=20-', 'bytes=100-200', 'bytes=-0']) {
    const r = await get(url, { Range: range });
    assert.equal(r.status, 416, range);
    assert.equal(r.headers.get('content-range'), 'bytes */20');
  }
  const full = await get(url);
  const etag = full.headers.get('etag')!;
  assert.equal((await get(url, { Range: 'bytes=0-1', 'If-Range': etag })).status, 206);
  assert.equal((await get(url, { Range: 'bytes=0-1', 'If-Range': '"other"' })).status, 200);
});

test('HEAD and conditional GET', async () => {
  const url = `${srv.base}/dl/pub/1.0/app.bin`;
  const h = await get(url, {}, 'HEAD');
  assert.equal(h.status, 200);
  assert.equal(h.body.length, 0);
  assert.equal(h.headers.get('content-length'), '20');
  const etag = h.headers.get('etag')!;
  assert.equal((await get(url, { 'If-None-Match': etag })).status, 304);
  assert.equal((await get(url, { 'If-None-Match': `"nope", ${etag}` })).status, 304);
  assert.equal((await get(url, { 'If-None-Match': '"nope"' })).status, 200);
  assert.equal((await get(url, { 'If-Modified-Since': 'Tue, 02 Jan 2024 03:04:05 GMT' })).status, 304);
  assert.equal((await get(url, { 'If-Modified-Since': 'Mon, 01 Jan 2024 00:00:00 GMT' })).status, 200);
  const hr = await get(url, { Range: 'bytes=-5' }, 'HEAD');
  assert.equal(hr.status, 206);
  assert.equal(hr.headers.get('content-length'), '5');
});

test('unknown, unpublished and malformed paths', async () => {
  for (const p of ['/dl/pub/1.0/missing.bin', '/dl/pub/9.9/app.bin', '/dl/nope/1.0/app.bin', '/dl/pub/hidden-1/x.bin',
    '/dl/pub/1.0/release.yaml', '/dl/pub/1.0', '/dl/pub/1.0/app.bin/extra']) {
    assert.equal((await get(`${srv.base}${p}`)).status, 404, p);
  }
  for (const p of ['/dl/pub/1.0/..%2fapp.bin', '/dl/pub/../pub/1.0/app.bin', '/dl/pub/1.0/%00app.bin', '/dl/pub/1.0/a%5Cb', '/dl/pub/%E9/x', '/dl/pub/1.0/%2e%2e/x']) {
    assert.equal((await rawGet(srv.base, p)).status, 400, p);
  }
});

test('access matrix', async () => {
  const u = `${srv.base}/dl/priv/2.0/secret.bin`;
  const signer = createLinkSigner({ secret: new Secret(SECRET), previous: [], maxTtlSeconds: 31 * 86400 });
  const oldSigner = createLinkSigner({ secret: new Secret(OLD), previous: [], maxTtlSeconds: 31 * 86400 });
  const link = signer.sign('/dl/priv/2.0/secret.bin', 600);
  const anon = await get(u);
  assert.equal(anon.status, 401);
  assert.match(anon.headers.get('www-authenticate')!, /^Basic realm="ReleaseDAV"/);
  assert.equal((await get(u, basic('bob', 'pw'))).status, 403, 'non-member');
  assert.equal((await get(u, basic('alice', 'wrong'))).status, 401, 'wrong password');
  const member = await get(u, basic('alice', 'pw'));
  assert.equal(member.status, 200);
  assert.equal(member.text, 'private bytes');
  assert.equal((await get(u, basic('root', 'pw'))).status, 200, 'admin');
  assert.equal((await get(`${u}?dlid=${KEY}`)).status, 200, 'dlid');
  assert.equal((await get(`${u}?dlid=${'b2'.repeat(16)}`)).status, 403, 'unknown dlid');
  assert.equal((await get(`${u}?${link.query}`)).status, 200, 'signed link');
  assert.equal((await get(`${u}?${link.query}`, {}, 'HEAD')).status, 200, 'signed link HEAD');
  const tampered = await get(`${u}?${link.query.replace(/sig=./, (m) => (m.endsWith('A') ? 'sig=B' : 'sig=A'))}`);
  assert.equal(tampered.status, 403);
  assert.match(tampered.text, /not valid/);
  assert.equal((await get(`${srv.base}/dl/priv/2.0/other.bin?${link.query}`)).status, 404);
  assert.equal((await get(`${srv.base}/dl/pub/1.0/app.bin?${link.query}`)).status, 403, 'link for another path');
  const expired = signer.sign('/dl/priv/2.0/secret.bin', 60, Date.now() - 3600_000);
  const ex = await get(`${u}?${expired.query}`);
  assert.equal(ex.status, 403);
  assert.match(ex.text, /expired/);
  const rotated = oldSigner.sign('/dl/priv/2.0/secret.bin', 600);
  assert.equal((await get(`${u}?${rotated.query}`)).status, 200, 'previous secret still accepted');
  const foreign = createLinkSigner({ secret: new Secret('x'.repeat(40)), previous: [], maxTtlSeconds: 86400 }).sign('/dl/priv/2.0/secret.bin', 600);
  assert.equal((await get(`${u}?${foreign.query}`)).status, 403, 'unknown secret');
  const redir = await get(`${srv.base}/dl/redir/2.0/secret.bin`);
  assert.equal(redir.status, 302);
  assert.equal(redir.headers.get('location'), 'https://example.com/buy');
  assert.equal((await get(`${srv.base}/dl/redir/2.0/secret.bin`, basic('alice', 'pw'))).status, 200);
  assert.equal((await get(`${srv.base}/dl/pub/1.0/app.bin`)).status, 200, 'public');
});

test('each attempt is one log line and one metric; keys never logged', async () => {
  const before = srv.lines.filter((l) => l.download).length;
  const ok0 = await counterValue(srv.metrics, 'releasedav_downloads_total', { category: 'priv', outcome: 'stream' });
  const den0 = await counterValue(srv.metrics, 'releasedav_downloads_total', { category: 'priv', outcome: 'denied' });
  await get(`${srv.base}/dl/priv/2.0/secret.bin?dlid=${KEY}`, { 'User-Agent': 't' });
  await get(`${srv.base}/dl/priv/2.0/secret.bin`);
  await get(`${srv.base}/dl/priv/2.0/none.bin`);
  const lines = srv.lines.filter((l) => l.download).slice(before);
  assert.equal(lines.length, 3);
  assert.deepEqual(
    { c: lines[0]!.category, r: lines[0]!.release, f: lines[0]!.file, u: lines[0]!.user, a: lines[0]!.authorized, s: lines[0]!.status, ip: lines[0]!.ip },
    { c: 'priv', r: '2.0', f: 'secret.bin', u: 'alice', a: true, s: 200, ip: '127.0.0.1' });
  assert.equal(lines[1]!.authorized, false);
  assert.equal(lines[1]!.status, 401);
  assert.equal(lines[2]!.status, 404);
  assert.ok(!JSON.stringify(srv.lines).includes(KEY), 'the download key never appears in logs');
  assert.equal(await counterValue(srv.metrics, 'releasedav_downloads_total', { category: 'priv', outcome: 'stream' }), ok0 + 1);
  assert.equal(await counterValue(srv.metrics, 'releasedav_downloads_total', { category: 'priv', outcome: 'denied' }), den0 + 1);
  const m = await get(`${srv.base}/metrics`);
  assert.match(m.text, /releasedav_downloads_total\{category="priv",outcome="stream"\} \d+/);
});
