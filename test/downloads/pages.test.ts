/** Pages, feed, JSON API, link minting and ops endpoints over local-disk categories; XSS stays text. */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { hashPassword } from '../../src/auth/passwords.ts';
import { config, localState, put, tempDir } from '../catalog/helpers.ts';
import { basic, get, startServer, type Running } from './helpers.ts';

const KEY = 'c3'.repeat(16);
const EVIL_REL = '<svg onload=alert(1)>';
const EVIL_FILE = '"><img src=x onerror=alert(2)>.zip';
let srv: Running;

before(async () => {
  const pub = await tempDir('pg-pub');
  const priv = await tempDir('pg-priv');
  const t = (d: string) => new Date(d);
  await put(pub, '1.0/app-1.0.zip', 'v1', t('2024-01-01'));
  await put(pub, '1.1-beta/app.zip', 'v11', t('2024-02-01'));
  await put(pub, '1.1-beta/release.yaml', 'title: Beta "one"\nmaturity: beta\nnotes: |\n  **Bold** <script>alert(3)</script>\n  [click](javascript:alert(4)) https://example.org\n');
  await put(pub, '1.2-alpha/app.zip', 'v12', t('2024-03-01'));
  await put(pub, 'draft/app.zip', 'draft', t('2025-01-01'));
  await put(pub, 'draft/release.yaml', 'published: false\n');
  await put(pub, `${EVIL_REL}/${EVIL_FILE}`, 'evil', t('2023-01-01'));
  await put(priv, '9/p.bin', 'p', t('2024-01-01'));
  const pw = await hashPassword('pw');
  const cfg = config({
    auth: { users: { alice: { password: pw, groups: ['team'], downloadKey: KEY }, root: { password: pw, admin: true } } },
    links: { secret: 'l'.repeat(40) },
    categories: [
      { slug: 'pub', title: 'Public <b>things</b>', directory: pub },
      { slug: 'priv', directory: priv, access: { download: ['@team'] } },
    ],
  });
  srv = await startServer(localState(cfg, { pub, priv }));
});
after(() => srv.stop());

test('index shows only visible categories; signing in or a dlid shows more', async () => {
  const anon = await get(`${srv.base}/`);
  assert.equal(anon.status, 200);
  assert.match(anon.headers.get('content-type')!, /text\/html/);
  assert.ok(anon.text.includes('Public &lt;b&gt;things&lt;/b&gt;'));
  assert.ok(!anon.text.includes('href="/priv/'));
  const alice = await get(`${srv.base}/`, basic('alice', 'pw'));
  assert.ok(alice.text.includes('href="/priv/"'));
  const viaKey = await get(`${srv.base}/?dlid=${KEY}`);
  assert.ok(viaKey.text.includes(`href="/priv/?dlid=${KEY}"`), 'links carry the dlid');
  assert.equal((await get(`${srv.base}/priv/`)).status, 401);
  assert.equal((await get(`${srv.base}/login`)).status, 401);
  assert.equal((await get(`${srv.base}/login`, basic('alice', 'pw'))).status, 302);
});

test('category page: published releases newest first with badges; XSS in names is escaped', async () => {
  const r = await get(`${srv.base}/pub/`);
  assert.equal(r.status, 200);
  const order = ['1.2-alpha', '1.1-beta', '1.0'].map((v) => r.text.indexOf(`>${v}</a>`));
  assert.ok(order.every((i) => i > 0) && order[0]! < order[1]! && order[1]! < order[2]!, 'newest first');
  assert.ok(!r.text.includes('>draft<'), 'unpublished hidden');
  assert.ok(r.text.includes('badge m-alpha') && r.text.includes('badge m-beta') && r.text.includes('badge m-stable'));
  assert.ok(!r.text.includes('<svg'), 'release name escaped');
  assert.ok(r.text.includes('&lt;svg onload=alert(1)&gt;'));
  assert.equal((await get(`${srv.base}/pub`)).status, 301);
  assert.equal((await get(`${srv.base}/pub/draft/`)).status, 404);
  const nf = await get(`${srv.base}/nope/`);
  assert.equal(nf.status, 404);
  assert.match(nf.text, /<h1>Not found<\/h1>/);
});

test('release page: items, sizes, hashes, download links, safe notes', async () => {
  const r = await get(`${srv.base}/pub/1.1-beta/`);
  assert.equal(r.status, 200);
  assert.ok(r.text.includes('href="/dl/pub/1.1-beta/app.zip"'));
  assert.ok(r.text.includes('3 B'));
  assert.ok(r.text.includes('<strong>Bold</strong>'));
  assert.ok(!r.text.includes('<script>alert(3)'));
  assert.ok(!/href="javascript:/i.test(r.text));
  assert.ok(r.text.includes('href="https://example.org"'), 'linkify');
  assert.ok(r.text.includes('Beta &quot;one&quot;'));
  const evil = await get(`${srv.base}/pub/${encodeURIComponent(EVIL_REL)}/`);
  assert.equal(evil.status, 200);
  assert.ok(!evil.text.includes('<img') && !evil.text.includes('<svg'), 'no markup from names');
  assert.ok(evil.text.includes('&quot;&gt;&lt;img src=x onerror=alert(2)&gt;.zip'));
  const dl = evil.text.match(/href="(\/dl\/[^"]+)"/)![1]!;
  const got = await get(`${srv.base}${dl.replace(/&amp;/g, '&')}`);
  assert.equal(got.text, 'evil', 'the escaped link downloads the file');
  const withKey = await get(`${srv.base}/pub/1.0/?dlid=${KEY}`);
  assert.ok(withKey.text.includes(`href="/dl/pub/1.0/app-1.0.zip?dlid=${KEY}"`));
});

test('Atom feed and JSON API', async () => {
  const f = await get(`${srv.base}/pub/feed.atom`);
  assert.equal(f.status, 200);
  assert.match(f.headers.get('content-type')!, /application\/atom\+xml/);
  assert.ok(f.text.startsWith('<?xml') && f.text.includes('<feed xmlns="http://www.w3.org/2005/Atom">'));
  assert.ok(f.text.indexOf('1.2-alpha') < f.text.indexOf('1.1-beta'));
  assert.ok(!f.text.includes('<script>'), 'feed escapes');
  const cats = JSON.parse((await get(`${srv.base}/api/v1/categories`)).text);
  assert.deepEqual(cats.categories.map((c: { slug: string }) => c.slug), ['pub']);
  const rels = JSON.parse((await get(`${srv.base}/api/v1/categories/pub/releases`)).text);
  assert.equal(rels.releases.length, 4);
  const beta = JSON.parse((await get(`${srv.base}/api/v1/categories/pub/latest?maturity=beta`)).text);
  assert.equal(beta.version, '1.1-beta');
  assert.equal(beta.maturity, 'beta');
  assert.equal(beta.files[0].size, 3);
  assert.equal(beta.files[0].url, `${srv.base}/dl/pub/1.1-beta/app.zip`);
  const any = JSON.parse((await get(`${srv.base}/api/v1/categories/pub/latest`)).text);
  assert.equal(any.version, '1.2-alpha');
  const stable = JSON.parse((await get(`${srv.base}/api/v1/categories/pub/latest?maturity=stable`)).text);
  assert.equal(stable.version, '1.0');
  assert.equal((await get(`${srv.base}/api/v1/categories/pub/latest?maturity=gold`)).status, 400);
  assert.equal((await get(`${srv.base}/api/v1/categories/priv/latest`)).status, 401);
  const keyed = JSON.parse((await get(`${srv.base}/api/v1/categories/priv/latest?dlid=${KEY}`)).text);
  assert.equal(keyed.files[0].url, `${srv.base}/dl/priv/9/p.bin?dlid=${KEY}`);
  assert.equal((await get(keyed.files[0].url)).text, 'p');
});

test('POST /api/v1/links mints a working signed link for admins only', async () => {
  const post = (headers: Record<string, string>, body: unknown) =>
    fetch(`${srv.base}/api/v1/links`, { method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, body: JSON.stringify(body) });
  assert.equal((await post({}, { path: 'priv/9/p.bin', ttl: 60 })).status, 401);
  assert.equal((await post(basic('alice', 'pw'), { path: 'priv/9/p.bin', ttl: 60 })).status, 403);
  assert.equal((await post(basic('root', 'pw'), { path: 'priv/9/nope.bin', ttl: 60 })).status, 404);
  assert.equal((await post(basic('root', 'pw'), { path: 'priv/9/p.bin', ttl: '40d' })).status, 400);
  const res = await post(basic('root', 'pw'), { path: '/dl/priv/9/p.bin', ttl: '1h' });
  assert.equal(res.status, 201);
  const j = await res.json() as { url: string; expires: number };
  assert.ok(Math.abs(j.expires - (Date.now() / 1000 + 3600)) < 5);
  const d = await get(j.url);
  assert.equal(d.status, 200);
  assert.equal(d.text, 'p');
});

test('healthz, readyz, metrics; errors never leak stacks', async () => {
  assert.equal((await get(`${srv.base}/healthz`)).text, 'ok\n');
  const ready = await get(`${srv.base}/readyz`);
  assert.equal(ready.status, 200);
  const m = await get(`${srv.base}/metrics`);
  assert.match(m.text, /releasedav_http_requests_total/);
  const bad = await get(`${srv.base}/%E9/`);
  assert.equal(bad.status, 400);
  assert.ok(!bad.text.includes('at '), 'no stack trace');
});
