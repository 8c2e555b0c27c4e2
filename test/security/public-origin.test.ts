/**
 * Host-header injection against the real daemon (child process), disk and S3 categories: every page,
 * feed, API answer and signed link that carries a URL shows the configured origin and never the
 * attacker's host — without trustProxy (listener address), with publicUrl + trustProxy, with a forged
 * X-Forwarded-Host from a non-proxy address, and from a configured proxy naming a configured public name.
 * The update feeds (/feeds/<category>/…, answers cached per base URL) are probed the same way.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startChildDaemon, type ChildDaemon } from '../helpers/child-daemon.ts';
import { basicAuth, makeWorld, send, type Reply, type World } from '../helpers/world.ts';
import { tauriSig } from '../feeds/fixtures.ts';

const DLID = '00112233445566778899aabbccddeeff';
const LINK_SECRET = 'link-secret-for-origin-tests-0123456789';
const EVIL = 'evil.example';
const NOTES_LINK = 'https://notes.example.net/changes';
const HOSTILE = {
  host: EVIL, 'x-forwarded-host': EVIL, 'x-forwarded-proto': 'https', forwarded: `host=${EVIL};proto=https`, 'x-forwarded-for': '203.0.113.9',
};

/** Absolute URLs in a body, without XML namespace names (xmlns="…") and the link the release notes carry. */
function urlsIn(text: string): string[] {
  return [...text.replace(/xmlns(:[\w-]+)?="[^"]*"/g, '').matchAll(/https?:\/\/[^\s"'<>\\)]+/g)].map((m) => m[0])
    .filter((u) => !u.startsWith(NOTES_LINK));
}

/** Fills the categories through the daemon's own WebDAV listener: release 1.0 with a file and notes. */
async function populate(d: ChildDaemon, cats: string[]): Promise<void> {
  const w = { authorization: basicAuth('writer') };
  for (const c of cats) {
    assert.equal((await send('MKCOL', d.dav, `/${c}/1.0/`, { headers: w })).status, 201);
    assert.equal((await send('PUT', d.dav, `/${c}/1.0/app.bin`, { headers: w, body: 'payload\n' })).status, 201);
    const yaml = `title: Origin test\nmaturity: stable\nnotes: "See [the changes](${NOTES_LINK})."\n`;
    assert.equal((await send('PUT', d.dav, `/${c}/1.0/release.yaml`, { headers: w, body: yaml })).status, 201);
    // An application release the update feeds (/feeds/…) pick up: Windows, macOS, Linux and a platform-neutral package.
    assert.equal((await send('MKCOL', d.dav, `/${c}/2.0.0/`, { headers: w })).status, 201);
    for (const name of ['MyApp-Setup-2.0.0.exe', 'MyApp-2.0.0-universal-mac.zip', 'MyApp-2.0.0.AppImage', 'pkg_myapp-2.0.0.zip']) {
      assert.equal((await send('PUT', d.dav, `/${c}/2.0.0/${name}`, { headers: w, body: `bytes of ${name}\n` })).status, 201);
      assert.equal((await send('PUT', d.dav, `/${c}/2.0.0/${name}.sig`, { headers: w, body: tauriSig(name, name) })).status, 201);
    }
  }
}

interface Probe { name: string; method: string; path: string; headers?: Record<string, string>; body?: string; carriesUrl: boolean }

function probes(cats: string[]): Probe[] {
  const admin = { authorization: basicAuth('admin') };
  const list: Probe[] = [
    { name: 'index', method: 'GET', path: '/', carriesUrl: false },
    { name: 'index with dlid', method: 'GET', path: `/?dlid=${DLID}`, carriesUrl: false },
    { name: 'login redirect', method: 'GET', path: '/login', headers: admin, carriesUrl: false },
    { name: '404 page', method: 'GET', path: '/no-such-category/', carriesUrl: false },
    { name: 'api categories', method: 'GET', path: '/api/v1/categories', carriesUrl: true },
  ];
  for (const c of cats) {
    list.push(
      { name: `${c} page`, method: 'GET', path: `/${c}/`, carriesUrl: false },
      { name: `${c} page redirect`, method: 'GET', path: `/${c}?dlid=${DLID}`, carriesUrl: false },
      { name: `${c} release page`, method: 'GET', path: `/${c}/1.0/?dlid=${DLID}`, carriesUrl: false },
      { name: `${c} feed`, method: 'GET', path: `/${c}/feed.atom`, carriesUrl: true },
      { name: `${c} api releases`, method: 'GET', path: `/api/v1/categories/${c}/releases?dlid=${DLID}`, carriesUrl: true },
      { name: `${c} api latest`, method: 'GET', path: `/api/v1/categories/${c}/latest?maturity=stable`, carriesUrl: true },
      { name: `${c} joomla feed`, method: 'GET', path: `/feeds/${c}/joomla.xml`, carriesUrl: true },
      { name: `${c} sparkle appcast`, method: 'GET', path: `/feeds/${c}/appcast.xml?dlid=${DLID}`, carriesUrl: true },
      { name: `${c} electron channel`, method: 'GET', path: `/feeds/${c}/electron/latest.yml`, carriesUrl: false },
      { name: `${c} electron linux channel`, method: 'GET', path: `/feeds/${c}/electron/latest-linux.yml`, carriesUrl: false },
      { name: `${c} tauri static`, method: 'GET', path: `/feeds/${c}/tauri/latest.json`, carriesUrl: true },
      { name: `${c} tauri dynamic`, method: 'GET', path: `/feeds/${c}/tauri/windows/x86_64/1.0.0`, carriesUrl: true },
      {
        name: `${c} signed link`, method: 'POST', path: '/api/v1/links', carriesUrl: true,
        headers: { ...admin, 'content-type': 'application/json' }, body: JSON.stringify({ path: `${c}/1.0/app.bin`, ttl: 3600 }),
      },
    );
  }
  return list;
}

/** Sends every probe with `headers` from `from` and checks each URL starts with `expected`. */
async function checkAll(d: ChildDaemon, cats: string[], expected: string, headers: Record<string, string>, from = '127.0.0.1'): Promise<void> {
  for (const p of probes(cats)) {
    const r: Reply = await send(p.method, d.dl, p.path, { headers: { ...headers, ...p.headers }, body: p.body, localAddress: from });
    assert.ok(r.status < 500 && r.status !== 404 || p.name === '404 page', `${p.name}: status ${r.status}`);
    const everything = `${JSON.stringify(r.headers)}\n${r.text}`;
    assert.ok(!everything.toLowerCase().includes(EVIL), `${p.name}: "${EVIL}" leaked into the answer:\n${everything.slice(0, 600)}`);
    const urls = urlsIn(r.text);
    if (p.carriesUrl) assert.ok(urls.length > 0, `${p.name}: expected absolute URLs in ${r.text.slice(0, 300)}`);
    for (const u of urls) assert.ok(u.startsWith(`${expected}/`), `${p.name}: ${u} does not start with ${expected}/`);
    const loc = r.headers.location;
    if (loc) assert.ok(loc.startsWith('/') || loc.startsWith(`${expected}/`), `${p.name}: Location ${loc}`);
  }
}

/** Waits until the catalog shows release 1.0 in every category. */
async function waitForReleases(d: ChildDaemon, cats: string[]): Promise<void> {
  for (const c of cats) {
    for (let i = 0; ; i++) {
      const r = await send('GET', d.dl, `/api/v1/categories/${c}/releases`);
      if (r.status === 200 && r.text.includes('app.bin') && r.text.includes('pkg_myapp-2.0.0.zip')) break;
      if (i > 50) assert.fail(`${c}: release 1.0 never appeared: ${r.status} ${r.text}`);
      await new Promise((res) => setTimeout(res, 200));
    }
  }
}

describe('absolute URLs never come from the Host header', { timeout: 180_000 }, () => {
  let world: World;
  let cats: string[];

  before(async () => {
    world = await makeWorld({ name: 'origin', userExtras: { reader: { downloadKey: DLID } } });
    (world.config as Record<string, unknown>).links = { secret: LINK_SECRET };
    cats = ['files', ...world.s3Slugs.filter((s) => s === 's3')];
    const joomla = { element: 'pkg_myapp', type: 'package', client: 'site', targetplatform: { name: 'joomla', version: '(4|5)\\..*' } };
    for (const c of (world.config as { categories: Record<string, unknown>[] }).categories) if (cats.includes(c.slug as string)) c.feeds = { joomla };
  });
  after(async () => { await world?.cleanup(); });

  test('without publicUrl or trustProxy: the listener address, whatever Host says', async () => {
    const d = await startChildDaemon(world.dir, world.config);
    try {
      await populate(d, cats);
      await waitForReleases(d, cats);
      await checkAll(d, cats, d.dl, HOSTILE);
      // The forged headers change nothing compared with an honest request.
      const honest = await send('GET', d.dl, `/${cats[0]}/feed.atom`);
      const forged = await send('GET', d.dl, `/${cats[0]}/feed.atom`, { headers: HOSTILE });
      assert.equal(forged.text, honest.text);
    } finally {
      await d.stop();
    }
  });

  test('publicUrl + trustProxy: forged X-Forwarded-Host ignored from non-proxies and for unknown names; honoured for a public name via a proxy', async () => {
    const cfg = {
      ...world.config,
      downloads: {
        publicUrl: 'https://downloads.example.org/releases/', trustProxy: true,
        trustedProxies: ['127.0.0.2/32'], publicHosts: ['mirror.example.org'],
      },
    };
    const d = await startChildDaemon(world.dir, cfg);
    try {
      await waitForReleases(d, cats);
      const pub = 'https://downloads.example.org/releases';
      // From 127.0.0.1, not a configured proxy: X-Forwarded-* count for nothing, even naming a public host.
      await checkAll(d, cats, pub, HOSTILE, '127.0.0.1');
      await checkAll(d, cats, pub, { ...HOSTILE, 'x-forwarded-host': 'mirror.example.org', 'x-forwarded-proto': 'http' }, '127.0.0.1');
      // From the configured proxy, an unknown name is still ignored…
      await checkAll(d, cats, pub, HOSTILE, '127.0.0.2');
      // …and a configured public name is used, with the forwarded protocol and publicUrl's path.
      await checkAll(d, cats, 'http://mirror.example.org/releases', { ...HOSTILE, 'x-forwarded-host': 'Mirror.Example.Org', 'x-forwarded-proto': 'http' }, '127.0.0.2');
    } finally {
      await d.stop();
    }
  });
});
