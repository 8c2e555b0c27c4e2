/**
 * The feeds end to end, per backend: releases uploaded over WebDAV become every feed, each read by
 * the ecosystem's own parser (electron-updater's GenericProvider, js-yaml, saxes in strict mode,
 * PHP's version_compare, JSON.parse), and every field is checked against the files: sizes and
 * digests recomputed from the bytes downloaded through the feed's own URL (following /dl's 302).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { load } from 'js-yaml';
import { SaxesParser } from 'saxes';
import { basicOf, download, JOOMLA, LINK_SECRET, READER, startHarness, type Harness } from './harness.ts';
import { createLinkSigner } from '../../src/downloads/links.ts';
import { Secret } from '../../src/config/secret.ts';
import { buildFiles, edSig, tauriSig } from './fixtures.ts';
import { electronCheck, electronDownload, phpVersionCompare } from './updaters.ts';

const sha = (alg: string, b: Buffer) => createHash(alg).update(b).digest('hex');

/** A strict, namespace-aware parse into a tiny element tree. @throws on any XML error */
interface El { name: string; uri: string; attrs: Record<string, string>; text: string; children: El[] }
function parseXml(xml: string): El {
  const p = new SaxesParser({ xmlns: true });
  const root: El = { name: '#root', uri: '', attrs: {}, text: '', children: [] };
  const stack = [root];
  p.on('opentag', (t) => {
    const el: El = { name: t.local, uri: t.uri, attrs: Object.fromEntries(Object.values(t.attributes).map((a) => [a.prefix ? `${a.prefix}:${a.local}` : a.local, a.value])), text: '', children: [] };
    stack.at(-1)!.children.push(el);
    stack.push(el);
  });
  p.on('text', (t) => { stack.at(-1)!.text += t; });
  p.on('closetag', () => { stack.pop(); });
  p.write(xml).close();
  return root.children[0]!;
}
const kids = (e: El, name: string) => e.children.filter((c) => c.name === name);
const kid = (e: El, name: string) => kids(e, name)[0];

/** Uploads release `version` of `category` over WebDAV. */
async function publish(h: Harness, category: string, version: string, notes?: string) {
  for (const f of buildFiles(version, { notes })) await h.put(category, `${version}/${f.name}`, f.body);
}
const filesOf = (version: string) => new Map(buildFiles(version).map((f) => [f.name, Buffer.from(f.body)]));

/** Runs the suite on one backend. */
export function feedSuite(backend: 'disk' | 's3', skip: string | false): void {
  test(`feeds on ${backend}: every updater reads its feed; fields match the bytes`, { skip, timeout: 240_000 }, async (t) => {
    const h = (await startHarness(backend, `feeds-${backend}`))!;
    t.after(() => h.close());
    await publish(h, 'apps', '1.0.0');
    await publish(h, 'apps', '1.1.0-beta.1');
    const feeds = `${h.dl}/feeds/apps`;
    const v1 = filesOf('1.0.0');
    const bodies: string[] = [];
    const get = async (path: string, headers: Record<string, string> = {}) => {
      const r = await fetch(`${feeds}/${path}`, { headers });
      const text = await r.text();
      bodies.push(text);
      return { status: r.status, text, type: r.headers.get('content-type'), etag: r.headers.get('etag'), lastModified: r.headers.get('last-modified') };
    };

    await t.test('release facts: platform, arch, digests, attachments, generated sums', async () => {
      const rel = await (await fetch(`${h.dl}/api/v1/categories/apps/releases`)).json() as { releases: { version: string; checksums: Record<string, string>; files: Record<string, unknown>[] }[] };
      const r1 = rel.releases.find((r) => r.version === '1.0.0')!;
      const byName = new Map(r1.files.map((f) => [f.name as string, f]));
      assert.deepEqual([...byName.keys()].sort(), [...v1.keys()].filter((n) => !/\.(sig|blockmap)$/.test(n) && n !== 'release.yaml').sort(), 'signatures, blockmaps and release.yaml are not items');
      const exe = byName.get('MyApp-Setup-1.0.0.exe')!;
      assert.deepEqual([exe.platform, exe.arch], ['windows', null]);
      assert.deepEqual([byName.get('MyApp-1.0.0-universal-mac.zip')!.platform, byName.get('MyApp-1.0.0-universal-mac.zip')!.arch], ['macos', 'universal']);
      assert.deepEqual([byName.get('MyApp-1.0.0-arm64.AppImage')!.platform, byName.get('MyApp-1.0.0-arm64.AppImage')!.arch], ['linux', 'arm64']);
      assert.equal(byName.get('pkg_myapp-1.0.0.zip')!.platform, null);
      assert.deepEqual(exe.signatures, [{ name: 'MyApp-Setup-1.0.0.exe.sig', kind: 'minisign', url: `${h.dl}/dl/apps/1.0.0/MyApp-Setup-1.0.0.exe.sig` }]);
      assert.equal(byName.get('MyApp-1.0.0-universal-mac.zip')!.edSignature, edSig('1.0.0/mac'));
      for (const [name, f] of byName) {
        const got = await download(f.url as string);
        assert.equal(got.status, 200, name);
        assert.equal(got.redirected, backend === 's3', `${name}: S3 redirects, disk streams`);
        assert.deepEqual([f.size, f.sha256, f.sha384, f.sha512], [got.bytes.length, sha('sha256', got.bytes), sha('sha384', got.bytes), sha('sha512', got.bytes)], name);
      }
      const blockmap = await download(exe.blockmap as string);
      assert.deepEqual(blockmap.bytes, v1.get('MyApp-Setup-1.0.0.exe.blockmap'), 'the blockmap is served next to its item');
      for (const [file, alg] of [['SHA256SUMS', 'sha256'], ['SHA512SUMS', 'sha512']] as const) {
        const sums = await download(r1.checksums[file]!);
        const expected = [...byName.keys()].sort().map((n) => `${sha(alg, v1.get(n)!)}  ${n}\n`).join('');
        assert.equal(sums.bytes.toString(), expected, `${file} lists every item, as ${alg}sum writes it`);
      }
      const page = await (await fetch(`${h.dl}/apps/1.0.0/`)).text();
      assert.match(page, /macOS <span class="muted">universal<\/span>/);
      assert.match(page, /Signed: <a href="\/dl\/apps\/1\.0\.0\/MyApp-Setup-1\.0\.0\.exe\.sig">minisign<\/a>/);
    });

    await t.test('electron-updater (GenericProvider) per platform and channel; downloads verified by its sha512', async () => {
      const cases = [['win32', 'MyApp-Setup-1.0.0.exe'], ['darwin', 'MyApp-1.0.0-universal-mac.zip'], ['linux', 'MyApp-1.0.0.AppImage']] as const;
      for (const [platform, main] of cases) {
        const c = await electronCheck(`${feeds}/electron/`, platform);
        assert.equal(c.info.version, '1.0.0', `${c.channelFile}: latest = newest stable`);
        assert.equal(c.info.releaseNotes, 'Notes of 1.0.0');
        assert.ok(!Number.isNaN(Date.parse(c.info.releaseDate)));
        const names = c.files.map((f) => decodeURIComponent(f.url.pathname.split('/').pop()!));
        assert.ok(names.includes(main), `${c.channelFile} offers ${main}: ${names}`);
        for (const f of c.files) {
          const bytes = await electronDownload(c.executor, f.url, f.info.sha512);
          assert.equal(bytes.length, f.info.size);
          assert.equal(f.info.sha512, createHash('sha512').update(bytes).digest('base64'));
        }
        assert.equal(c.info.path, c.info.files[0]!.url, 'legacy top-level path');
      }
      const mac = await electronCheck(`${feeds}/electron/`, 'darwin');
      assert.deepEqual(mac.files.map((f) => f.url.pathname.split('/').pop()).sort(), ['MyApp-1.0.0-universal-mac.zip', 'MyApp-1.0.0-universal.dmg']);
      const beta = await electronCheck(`${feeds}/electron/`, 'win32', 'beta');
      assert.equal(beta.channelFile, 'beta.yml');
      assert.equal(beta.info.version, '1.1.0-beta.1', 'beta = newest of beta/rc/stable');
      const arm = load((await get('electron/latest-linux-arm64.yml')).text) as { files: { url: string }[] };
      assert.deepEqual(arm.files.map((f) => f.url.split('/').pop()), ['MyApp-1.0.0-arm64.AppImage']);
      const latest = await get('electron/latest.yml');
      assert.equal(latest.type, 'application/yaml; charset=utf-8');
      assert.ok(!latest.text.includes('1.1.0-beta.1'), 'a beta never appears in latest.yml');
    });

    await t.test('Joomla update XML: strict XML, every field, PHP orders the versions', async () => {
      const r = await get('joomla.xml');
      assert.equal(r.type, 'application/xml; charset=utf-8');
      const updates = kids(parseXml(r.text), 'update');
      assert.deepEqual(updates.map((u) => kid(u, 'version')!.text), ['1.1.0-beta.1', '1.0.0'], 'one update per package archive, newest first');
      assert.equal(phpVersionCompare(kid(updates[0]!, 'version')!.text, kid(updates[1]!, 'version')!.text), 1, "PHP's version_compare agrees on the order");
      const u = updates[1]!;
      assert.deepEqual(['element', 'type', 'client', 'php_minimum'].map((n) => kid(u, n)!.text), [JOOMLA.element, JOOMLA.type, JOOMLA.client, JOOMLA.phpMinimum]);
      assert.deepEqual(kid(u, 'targetplatform')!.attrs, JOOMLA.targetplatform);
      assert.equal(kid(kid(u, 'tags')!, 'tag')!.text, 'stable');
      assert.equal(kid(kid(updates[0]!, 'tags')!, 'tag')!.text, 'beta');
      assert.equal(kid(u, 'infourl')!.text, `${h.dl}/apps/1.0.0/`);
      const dl = kid(kid(u, 'downloads')!, 'downloadurl')!;
      assert.deepEqual(dl.attrs, { type: 'full', format: 'zip' });
      const got = await download(dl.text);
      assert.deepEqual(got.bytes, v1.get('pkg_myapp-1.0.0.zip'));
      assert.deepEqual(['sha256', 'sha384', 'sha512'].map((a) => kid(u, a)!.text), ['sha256', 'sha384', 'sha512'].map((a) => sha(a, got.bytes)));
    });

    await t.test('Sparkle appcast: RSS with the sparkle namespace, channels for pre-releases, enclosures match', async () => {
      const r = await get('appcast.xml');
      assert.equal(r.type, 'application/rss+xml; charset=utf-8');
      const rss = parseXml(r.text);
      const items = kids(kid(rss, 'channel')!, 'item');
      const SP = 'http://www.andymatuschak.org/xml-namespaces/sparkle';
      const sp = (i: El, n: string) => i.children.find((c) => c.uri === SP && c.name === n)?.text;
      const mac = items.filter((i) => kid(i, 'enclosure')!.attrs['sparkle:os'] === 'macos');
      assert.deepEqual(mac.map((i) => sp(i, 'shortVersionString')), ['1.1.0-beta.1', '1.0.0']);
      assert.equal(sp(mac[0]!, 'channel'), 'beta', 'the beta is on the beta channel');
      assert.equal(sp(mac[1]!, 'channel'), undefined, 'stable has no channel');
      assert.equal(sp(mac[1]!, 'version'), '100', 'sparkle:version is the build number from release.yaml');
      assert.equal(sp(mac[1]!, 'minimumSystemVersion'), '10.15');
      assert.ok(!Number.isNaN(Date.parse(kid(mac[1]!, 'pubDate')!.text)));
      const enc = kid(mac[1]!, 'enclosure')!.attrs;
      assert.equal(enc['sparkle:edSignature'], edSig('1.0.0/mac'));
      const got = await download(enc.url!);
      assert.deepEqual(got.bytes, v1.get('MyApp-1.0.0-universal-mac.zip'));
      assert.equal(Number(enc.length), got.bytes.length);
      const win = items.find((i) => kid(i, 'enclosure')!.attrs['sparkle:os'] === 'windows' && sp(i, 'shortVersionString') === '1.0.0')!;
      assert.match(kid(win, 'enclosure')!.attrs.url!, /MyApp-Setup-1\.0\.0\.exe$/);
    });

    await t.test('Tauri: static latest.json and the dynamic endpoint (204 when nothing is newer)', async () => {
      const r = await get('tauri/latest.json');
      assert.equal(r.type, 'application/json; charset=utf-8');
      const j = JSON.parse(r.text) as { version: string; notes: string; pub_date: string; platforms: Record<string, { url: string; signature: string }> };
      assert.equal(j.version, '1.0.0');
      assert.equal(j.notes, 'Notes of 1.0.0');
      assert.match(j.pub_date, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
      assert.deepEqual(Object.keys(j.platforms).sort(), ['darwin-aarch64', 'darwin-x86_64', 'linux-x86_64', 'linux-x86_64-appimage', 'windows-x86_64', 'windows-x86_64-nsis'], 'only signed builds; the unsigned arm64 AppImage is left out');
      assert.equal(j.platforms['windows-x86_64']!.signature, tauriSig('MyApp-Setup-1.0.0.exe', '1.0.0/exe'));
      assert.deepEqual((await download(j.platforms['linux-x86_64']!.url)).bytes, v1.get('MyApp-1.0.0.AppImage'));
      const older = JSON.parse((await get('tauri/darwin/aarch64/0.9.0')).text) as { version: string; url: string; signature: string };
      assert.equal(older.version, '1.0.0');
      assert.equal(older.signature, tauriSig('MyApp-1.0.0-universal-mac.zip', '1.0.0/mac'));
      assert.deepEqual((await download(older.url)).bytes, v1.get('MyApp-1.0.0-universal-mac.zip'));
      const same = await fetch(`${feeds}/tauri/darwin/aarch64/1.0.0`);
      assert.equal(same.status, 204);
      assert.equal((await same.text()), '');
      const beta = JSON.parse((await get('tauri/windows/x86_64/1.0.0?channel=beta')).text) as { version: string };
      assert.equal(beta.version, '1.1.0-beta.1');
    });

    await t.test('304 on ETag and Last-Modified; a new release changes every ETag; cached feeds cost no storage call', async () => {
      const paths = ['joomla.xml', 'electron/latest.yml', 'electron/latest-mac.yml', 'electron/latest-linux.yml', 'electron/beta.yml', 'appcast.xml', 'tauri/latest.json'];
      const before = new Map<string, string>();
      for (const p of paths) {
        const r = await get(p);
        assert.equal(r.status, 200, p);
        assert.match(r.etag ?? '', /^"[\w-]+"$/, p);
        assert.ok(r.lastModified, p);
        before.set(p, r.etag!);
        assert.equal((await get(p, { 'If-None-Match': r.etag! })).status, 304, `${p} If-None-Match`);
        assert.equal((await get(p, { 'If-Modified-Since': r.lastModified! })).status, 304, `${p} If-Modified-Since`);
      }
      const backend = h.state.mounts.get('apps')!.backend;
      let calls = 0;
      const spied = backend as unknown as Record<string, (...a: unknown[]) => unknown>;
      const originals = Object.fromEntries(['stat', 'list', 'read'].map((m) => [m, spied[m]!]));
      for (const m of Object.keys(originals)) spied[m] = (...a: unknown[]) => { calls++; return originals[m]!.apply(backend, a); };
      try {
        for (const p of paths) assert.equal((await get(p)).status, 200);
        assert.equal(calls, 0, 'feeds served from cache make no storage call');
      } finally {
        Object.assign(spied, originals);
      }
      await publish(h, 'apps', '1.2.0', 'Notes of 1.2.0');
      for (const p of paths) {
        const r = await get(p);
        assert.notEqual(r.etag, before.get(p), `${p}: publishing a release changes the ETag`);
        assert.equal((await get(p, { 'If-None-Match': before.get(p)! })).status, 200, `${p}: the old ETag no longer matches`);
      }
      assert.equal((load((await get('electron/latest.yml')).text) as { version: string }).version, '1.2.0');
    });

    await t.test('a private category: the feed needs the download credentials; ?dlid= flows into file URLs', async () => {
      await publish(h, 'private', '2.0.0');
      const priv = `${h.dl}/feeds/private`;
      for (const p of ['joomla.xml', 'appcast.xml', 'electron/latest.yml', 'tauri/latest.json']) {
        assert.equal((await fetch(`${priv}/${p}`)).status, 401, `${p} anonymous`);
        assert.equal((await fetch(`${priv}/${p}`, { headers: { Authorization: basicOf({ user: READER.user, password: 'wrong' }) } })).status, 401);
        assert.equal((await fetch(`${priv}/${p}?dlid=ffffffffffffffffffffffffffffffff`)).status, 403, `${p} unknown key`);
        assert.equal((await fetch(`${priv}/${p}`, { headers: { Authorization: basicOf(READER) } })).status, 200, `${p} Basic`);
      }
      const cast = await (await fetch(`${priv}/appcast.xml?dlid=${READER.dlid}`)).text();
      bodies.push(cast);
      const urls = [...cast.matchAll(/enclosure url="([^"]+)"/g)].map((m) => m[1]!.replace(/&amp;/g, '&'));
      assert.ok(urls.length >= 2);
      for (const u of urls) {
        assert.match(u, new RegExp(`\\?dlid=${READER.dlid}$`));
        assert.equal((await download(u)).status, 200, 'the key in the URL opens the download');
        assert.equal((await download(u.replace(/\?.*$/, ''))).status, 401, 'without it the download is refused');
      }
      // Joomla's update site "Download Key" (extra_query dlid=…) is sent with the manifest request.
      const joomla = await fetch(`${priv}/joomla.xml?dlid=${READER.dlid}`);
      assert.equal(joomla.status, 200, 'Joomla accepts only 200 for the manifest');
      const jurl = kid(kid(kids(parseXml(await joomla.text()), 'update')[0]!, 'downloads')!, 'downloadurl')!.text;
      assert.match(jurl, new RegExp(`\\?dlid=${READER.dlid}$`));
      assert.equal((await download(jurl)).status, 200, 'the Joomla download URL opens with its key');
      // Joomla's installer appends the update site's extra_query again, joined with a literal "&amp;".
      assert.equal((await download(`${jurl}&amp;dlid=${READER.dlid}`)).status, 200, 'the key twice, as Joomla sends it');
      const tj = JSON.parse(await (await fetch(`${priv}/tauri/latest.json?dlid=${READER.dlid}`)).text()) as { platforms: Record<string, { url: string }> };
      assert.ok(Object.values(tj.platforms).every((p) => p.url.endsWith(`?dlid=${READER.dlid}`)));
      const c = await electronCheck(`${priv}/electron/?dlid=${READER.dlid}`, 'linux');
      assert.equal(c.info.version, '2.0.0');
      for (const f of c.files) {
        assert.equal(f.url.searchParams.get('dlid'), READER.dlid, 'electron-updater copies the base query onto file URLs');
        await electronDownload(c.executor, f.url, f.info.sha512);
      }
    });

    await t.test('a signed link to a feed: its file URLs carry links that expire with it', async () => {
      const signer = createLinkSigner({ secret: new Secret(LINK_SECRET), previous: [], maxTtlSeconds: 31 * 86400 });
      const link = signer.sign('/feeds/private/tauri/latest.json', 3600);
      const r = await fetch(`${h.dl}/feeds/private/tauri/latest.json?${link.query}`);
      assert.equal(r.status, 200);
      const j = JSON.parse(await r.text()) as { platforms: Record<string, { url: string }> };
      for (const p of Object.values(j.platforms)) {
        const u = new URL(p.url);
        assert.equal(u.searchParams.get('expires'), String(link.expires), 'the file link expires with the feed link');
        assert.equal((await download(p.url)).status, 200);
      }
      assert.equal((await fetch(`${h.dl}/feeds/private/appcast.xml?${link.query}`)).status, 403, 'a link signs one feed path');
      assert.equal((await fetch(`${h.dl}/feeds/private/tauri/latest.json?${link.query.replace(/sig=(.)/, (_m, c: string) => `sig=${c === 'A' ? 'B' : 'A'}`)}`)).status, 403, 'tampered');
    });

    await t.test('no feed ever holds a presigned URL', () => {
      const endpoint = process.env.RDAV_TEST_S3_ENDPOINT;
      for (const b of bodies) {
        assert.doesNotMatch(b, /X-Amz-|AWSAccessKeyId|[?&]Signature=/);
        if (endpoint) assert.ok(!b.includes(endpoint), 'the storage endpoint never appears');
      }
    });
  });
}
