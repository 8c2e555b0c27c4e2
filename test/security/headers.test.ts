/**
 * Security headers against the real daemon (child process), disk and S3 categories: every HTML route
 * of both listeners carries the strict page policy; WebDAV GET/HEAD of uploaded .html/.svg carries
 * `CSP: sandbox` + nosniff; in headless Chromium a release-notes link sends no Referer, the pages keep
 * their stylesheet under the policy, and an uploaded page's script does not run.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { existsSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser } from 'playwright-core';
import { startChildDaemon, type ChildDaemon } from '../helpers/child-daemon.ts';
import { PASSWORDS, basicAuth, makeWorld, send, type Reply, type World } from '../helpers/world.ts';

const CHROMIUM = '/usr/bin/chromium';
const noBrowser = existsSync(CHROMIUM) ? false : `${CHROMIUM} is missing (apt-get install -y chromium)`;
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const DLID = 'ffeeddccbbaa99887766554433221100';

/** A tiny loopback server (on 127.0.0.2, another origin than the daemon) recording what browsers send it. */
interface Recorder { origin: string; hits: { path: string; referer: string | undefined }[]; close(): Promise<void> }
async function startRecorder(): Promise<Recorder> {
  const hits: Recorder['hits'] = [];
  const srv = http.createServer((req, res) => {
    hits.push({ path: req.url ?? '', referer: req.headers.referer });
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end('<!doctype html><title>landed</title><p>landed</p>');
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.2', r));
  return {
    origin: `http://127.0.0.2:${(srv.address() as AddressInfo).port}`, hits,
    close: () => new Promise((r) => { srv.closeAllConnections(); srv.close(() => r()); }),
  };
}

function assertPageHeaders(r: Reply, what: string): void {
  const csp = String(r.headers['content-security-policy'] ?? '');
  assert.match(csp, /(^|; )default-src 'none'(;|$)/, `${what}: CSP default-src 'none' (${csp})`);
  assert.match(csp, /frame-ancestors 'none'/, `${what}: frame-ancestors`);
  assert.match(csp, /form-action 'self'/, `${what}: form-action`);
  assert.doesNotMatch(csp, /script-src|unsafe-inline|unsafe-eval|\*/, `${what}: nothing runs`);
  assert.match(csp, /^[^;]*(; style-src 'sha256-[A-Za-z0-9+/=]+')?; base-uri/, `${what}: styles only by hash`);
  assert.equal(r.headers['referrer-policy'], 'no-referrer', `${what}: Referrer-Policy`);
  assert.equal(r.headers['x-content-type-options'], 'nosniff', `${what}: nosniff`);
  assert.equal(r.headers['strict-transport-security'], 'max-age=31536000', `${what}: HSTS (publicUrl is https)`);
}

describe('security headers', { timeout: 240_000 }, () => {
  let world: World;
  let d: ChildDaemon;
  let rec: Recorder;
  let cats: string[];
  const W = { authorization: basicAuth('writer') };
  const R = { authorization: basicAuth('reader') };
  const pageOf = (c: string) => `/${c}/1.0/?dlid=${DLID}`;

  before(async () => {
    rec = await startRecorder();
    world = await makeWorld({ name: 'headers', userExtras: { reader: { downloadKey: DLID } } });
    const cfg = {
      ...world.config,
      // https public URLs: both listeners must send HSTS.
      webdav: { publicUrl: 'https://dav.example.org/' },
      downloads: { publicUrl: 'https://downloads.example.org/' },
    };
    d = await startChildDaemon(world.dir, cfg);
    cats = ['files', ...world.s3Slugs.filter((s) => s === 's3')];
    for (const c of cats) {
      assert.equal((await send('MKCOL', d.dav, `/${c}/1.0/`, { headers: W })).status, 201);
      assert.equal((await send('PUT', d.dav, `/${c}/1.0/app.bin`, { headers: W, body: 'payload\n' })).status, 201);
      const yaml = `title: Headers\nmaturity: stable\nnotes: "Read [the changes](${rec.origin}/changes/${c})."\n`;
      assert.equal((await send('PUT', d.dav, `/${c}/1.0/release.yaml`, { headers: W, body: yaml })).status, 201);
      const script = `fetch('${rec.origin}/script-ran/${c}');document.title='pwned'`;
      assert.equal((await send('PUT', d.dav, `/${c}/x.html`, { headers: W, body: `<!doctype html><title>stored</title><script>${script}</script><p>stored page</p>` })).status, 201);
      assert.equal((await send('PUT', d.dav, `/${c}/x.svg`, { headers: W, body: `<svg xmlns="http://www.w3.org/2000/svg"><script>${script}</script></svg>` })).status, 201);
    }
    for (const c of cats) {
      for (let i = 0; (await send('GET', d.dl, pageOf(c))).status !== 200; i++) {
        if (i > 50) assert.fail(`${c}: release page never appeared`);
        await new Promise((r) => setTimeout(r, 200));
      }
    }
  });
  after(async () => {
    await d?.stop();
    await rec?.close();
    await world?.cleanup();
  });

  test('downloads listener: every HTML route (and feeds, API, errors) carries the page policy', async () => {
    const routes: [string, Record<string, string>?][] = [['/'], ['/login'], ['/login', R], ['/no-such/'], ['/files'], ['/api/v1/categories'], ['/api/nope']];
    for (const c of cats) routes.push([`/${c}/`], [pageOf(c)], [`/${c}/1.0/`, R], [`/${c}/9.9/`], [`/${c}/feed.atom`], [`/api/v1/categories/${c}/releases`]);
    let html = 0;
    for (const [path, headers] of routes) {
      for (const method of ['GET', 'HEAD']) {
        const r = await send(method, d.dl, path, { headers });
        assert.ok(r.status < 500, `${method} ${path}: ${r.status}`);
        assertPageHeaders(r, `${method} ${path} (${r.status})`);
        if (String(r.headers['content-type']).startsWith('text/html')) html++;
      }
    }
    assert.ok(html >= 2 * (3 + 3 * cats.length), `HTML answers seen: ${html}`);
  });

  test('WebDAV listings carry the page policy; stored .html/.svg get CSP sandbox + nosniff on every GET/HEAD', async () => {
    for (const path of ['/', ...cats.flatMap((c) => [`/${c}/`, `/${c}/1.0/`])]) {
      for (const method of ['GET', 'HEAD']) {
        const r = await send(method, d.dav, path, { headers: R });
        assert.equal(r.status, 200, `${method} ${path}`);
        assert.match(String(r.headers['content-type']), /^text\/html/);
        assertPageHeaders(r, `WebDAV ${method} ${path}`);
      }
    }
    for (const c of cats) {
      for (const file of ['x.html', 'x.svg']) {
        const path = `/${c}/${file}`;
        const full = await send('GET', d.dav, path, { headers: R });
        assert.equal(full.status, 200);
        const variants: [string, Record<string, string>, number][] = [
          ['GET', {}, 200], ['HEAD', {}, 200], ['GET', { range: 'bytes=0-4' }, 206],
          ['GET', { 'if-none-match': String(full.headers.etag) }, 304], ['GET', { range: 'bytes=99999-' }, 416],
        ];
        for (const [method, extra, status] of variants) {
          const r = await send(method, d.dav, path, { headers: { ...R, ...extra } });
          assert.equal(r.status, status, `${method} ${path} ${JSON.stringify(extra)}`);
          assert.equal(r.headers['content-security-policy'], 'sandbox', `${method} ${path} → ${status}: CSP sandbox`);
          assert.equal(r.headers['x-content-type-options'], 'nosniff', `${method} ${path} → ${status}: nosniff`);
          assert.equal(r.headers['strict-transport-security'], 'max-age=31536000');
        }
      }
    }
  });

  describe('in Chromium', { skip: noBrowser }, () => {
    let browser: Browser;
    before(async () => { browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS, headless: true }); });
    after(async () => { await browser?.close(); });

    test('a release-notes link sends no Referer (the page has a dlid in its URL); the stylesheet still applies', async () => {
      for (const c of cats) {
        const ctx = await browser.newContext();
        const page = await ctx.newPage();
        const violations: string[] = [];
        page.on('console', (m) => { if (/Content Security Policy/i.test(m.text())) violations.push(m.text()); });
        await page.goto(`${d.dl}${pageOf(c)}`);
        // The inline stylesheet is allowed by its hash: body margin 0 comes from it.
        assert.equal(await page.evaluate(() => getComputedStyle(document.body).margin), '0px', `${c}: the page's stylesheet applies`);
        const link = page.getByRole('link', { name: 'the changes' });
        const before = rec.hits.length;
        await Promise.all([page.waitForURL(`${rec.origin}/changes/${c}`), link.click()]);
        // Again without rel="noreferrer" on the link: now only the Referrer-Policy header holds the URL back.
        await page.goto(`${d.dl}${pageOf(c)}`);
        await page.evaluate(() => { for (const a of document.querySelectorAll('a[rel]')) a.removeAttribute('rel'); });
        await Promise.all([page.waitForURL(`${rec.origin}/changes/${c}`), link.click()]);
        const hits = rec.hits.slice(before).filter((h) => h.path === `/changes/${c}`);
        assert.equal(hits.length, 2, `${c}: both clicks reached the recorder`);
        for (const h of hits) assert.equal(h.referer, undefined, `${c}: Referer sent: ${h.referer}`);
        assert.deepEqual(violations, [], `${c}: CSP violations on our own page`);
        await ctx.close();
      }
    });

    test('an uploaded .html/.svg opened over WebDAV (with the admin\'s credentials) runs no script', async () => {
      const ctx = await browser.newContext({ httpCredentials: { username: 'reader', password: PASSWORDS.reader } });
      const page = await ctx.newPage();
      for (const c of cats) {
        for (const file of ['x.html', 'x.svg']) {
          const resp = await page.goto(`${d.dav}/${c}/${file}`);
          assert.equal(resp?.status(), 200, `${c}/${file} opened`);
          await page.waitForTimeout(300);
          assert.notEqual(await page.title(), 'pwned', `${c}/${file}: its script ran`);
        }
      }
      assert.deepEqual(rec.hits.filter((h) => h.path.startsWith('/script-ran/')), [], 'no stored script reached the network');
      await ctx.close();
    });
  });
});
