/** What a release learns from its files: platform/arch rules, signature kinds, attachments, generated sums, release.yaml keys. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { archOf, platformOf } from '../../src/catalog/platform.ts';
import { attachmentOf, classifySignature } from '../../src/catalog/attachments.ts';
import { generatedSums } from '../../src/catalog/sums.ts';
import { parseReleaseYaml } from '../../src/catalog/release-yaml.ts';
import type { Item, Release } from '../../src/catalog/types.ts';

test('platform and arch from file names (the documented table)', () => {
  const cases: [string, string | undefined, string | undefined][] = [
    ['MyApp Setup 1.2.0.exe', 'windows', undefined],
    ['myapp-1.2.0-win-x64.zip', 'windows', 'x64'],
    ['myapp_1.2.0_x64_en-US.msi', 'windows', 'x64'],
    ['myapp-1.2.0-ia32.exe', 'windows', 'ia32'],
    ['MyApp-1.2.0-universal.dmg', 'macos', 'universal'],
    ['MyApp-1.2.0-arm64.pkg', 'macos', 'arm64'],
    ['myapp-1.2.0-darwin-x64.zip', 'macos', 'x64'],
    ['myapp-1.2.0-mac.zip', 'macos', undefined],
    ['MyApp-1.2.0.AppImage', 'linux', undefined],
    ['myapp_1.2.0_amd64.deb', 'linux', 'x64'],
    ['myapp-1.2.0.aarch64.rpm', 'linux', 'arm64'],
    ['myapp-1.2.0-linux-x86_64.tar.gz', 'linux', 'x64'],
    ['myapp-1.2.0-linux-i686.tar.gz', 'linux', 'ia32'],
    ['mac-tools.exe', 'windows', undefined],
    ['linuxtools-1.0.zip', undefined, undefined],
    ['pkg_myext-1.2.0.zip', undefined, undefined],
    ['winner.zip', undefined, undefined],
  ];
  for (const [name, p, a] of cases) {
    assert.equal(platformOf(name), p, `platform of ${name}`);
    assert.equal(archOf(name), a, `arch of ${name}`);
  }
});

test('signature and blockmap files are attachments of an existing item only', () => {
  const items = new Set(['app.exe', 'app.exe.sig', 'app.exe.blockmap', 'SHA256SUMS', 'SHA256SUMS.asc', 'lonely.sig', 'app.exe.sig.asc']);
  assert.deepEqual(attachmentOf('app.exe.sig', items), { item: 'app.exe', role: 'signature' });
  assert.deepEqual(attachmentOf('app.exe.blockmap', items), { item: 'app.exe', role: 'blockmap' });
  assert.deepEqual(attachmentOf('SHA256SUMS.asc', items), { item: 'SHA256SUMS', role: 'signature' });
  assert.equal(attachmentOf('lonely.sig', items), undefined, 'no item "lonely": stays an item');
  assert.equal(attachmentOf('app.exe.sig.asc', items), undefined, 'a signature of a signature is not chained');
  assert.equal(attachmentOf('app.exe', items), undefined);
});

test('signature kinds are told apart by content', () => {
  const minisign = 'untrusted comment: signature from tauri secret key\nRUQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\ntrusted comment: timestamp:1700000000\tfile:app.exe\nAAAA==\n';
  const raw = classifySignature('app.exe.minisig', Buffer.from(minisign));
  assert.equal(raw.kind, 'minisign');
  assert.equal(Buffer.from(raw.tauri!, 'base64').toString(), minisign, 'Tauri gets base64 of the minisign text');
  const tauriForm = Buffer.from(minisign).toString('base64');
  const t = classifySignature('app.exe.sig', Buffer.from(tauriForm + '\n'));
  assert.equal(t.kind, 'minisign');
  assert.equal(t.tauri, tauriForm, "Tauri's own .sig is passed on as it is");
  assert.equal(classifySignature('app.exe.sig', Buffer.from('-----BEGIN PGP SIGNATURE-----\n\niQEz\n-----END PGP SIGNATURE-----\n')).kind, 'gpg');
  // Binary OpenPGP: new-format packet tag 2 (0xc2) and old-format tag 2 (0x89).
  assert.equal(classifySignature('app.exe.sig', Buffer.from([0xc2, 0xc0, 0x73, 0x04])).kind, 'gpg');
  assert.equal(classifySignature('app.exe.sig', Buffer.from([0x89, 0x01, 0x33, 0x04])).kind, 'gpg');
  assert.equal(classifySignature('app.exe.sig', Buffer.from('hello')).kind, 'unknown');
  assert.equal(classifySignature('app.exe.asc', Buffer.from('garbage')).kind, 'gpg');
});

const item = (name: string, body: string): Item => ({
  name, path: `1.0/${name}`, size: body.length, mtime: new Date(0),
  sha256: createHash('sha256').update(body).digest('hex'), sha512: createHash('sha512').update(body).digest('hex'),
});
const release = (items: Item[]): Release => ({ category: 'c', version: '1.0', maturity: 'stable', date: new Date(0), published: true, items, attachments: [] });

test('generated SHA256SUMS/SHA512SUMS list known digests; a release with its own file keeps it', () => {
  const r = release([item('a.zip', 'A'), item('b c.exe', 'B'), { ...item('pending.bin', 'P'), sha256: undefined, sha512: undefined }]);
  assert.equal(generatedSums(r, 'SHA256SUMS'), `${r.items[0]!.sha256}  a.zip\n${r.items[1]!.sha256}  b c.exe\n`);
  assert.equal(generatedSums(r, 'SHA512SUMS'), `${r.items[0]!.sha512}  a.zip\n${r.items[1]!.sha512}  b c.exe\n`);
  const own = release([item('a.zip', 'A'), item('SHA256SUMS', 'x')]);
  assert.equal(generatedSums(own, 'SHA256SUMS'), undefined);
  assert.equal(generatedSums(own, 'SHA512SUMS'), `${own.items[0]!.sha512}  a.zip\n`, 'the other file is still generated, without the sums file');
});

test('release.yaml: build, minimumSystemVersion and per-file overrides; bad values are reported', () => {
  const ok = parseReleaseYaml('build: 1234\nminimumSystemVersion: 10.15\nfiles:\n  app.dmg: { platform: macos, arch: universal, edSignature: "' + 'A'.repeat(86) + '==" }\n');
  assert.ok(ok.ok);
  if (ok.ok) {
    assert.equal(ok.value.build, '1234');
    assert.equal(ok.value.minimumSystemVersion, '10.15');
    assert.deepEqual(ok.value.files?.['app.dmg'], { platform: 'macos', arch: 'universal', edSignature: 'A'.repeat(86) + '==' });
  }
  const bad = parseReleaseYaml('files:\n  app.dmg: { platform: beos }\n');
  assert.equal(bad.ok, false);
  if (!bad.ok) assert.match(bad.error, /files\.app\.dmg\.platform/);
});
