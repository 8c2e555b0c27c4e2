import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createCatalog } from '../../src/catalog/catalog.ts';
import { compareVersions } from '../../src/catalog/version-order.ts';
import { isItemName } from '../../src/catalog/item-names.ts';
import { parseReleaseYaml } from '../../src/catalog/release-yaml.ts';
import type { Backend } from '../../src/vfs/types.ts';
import { captureLogger, config, countingBackend, localState, newBus, put, tempDir } from './helpers.ts';

const cfg = (extra: Record<string, unknown> = {}) => config({ categories: [{ slug: 'stable', directory: '/unused', ...extra }] });

test('version ordering is natural and pre-release aware', () => {
  const sorted = ['1.10', '1.9', '2.0', '2.0-rc1', '1.9.1', '2.0-beta', '10.0'].sort(compareVersions);
  assert.deepEqual(sorted, ['1.9', '1.9.1', '1.10', '2.0-beta', '2.0-rc1', '2.0', '10.0']);
});

test('item names: metadata, hidden files and junk are not items; SHA256SUMS is', () => {
  for (const n of ['release.yaml', 'CHANGELOG', '.hidden', '._app.zip', '.DS_Store', 'Thumbs.db', 'desktop.ini']) assert.equal(isItemName(n), false, n);
  for (const n of ['app.zip', 'SHA256SUMS', 'readme.txt']) assert.equal(isItemName(n), true, n);
});

test('release.yaml validation', () => {
  const ok = parseReleaseYaml('title: Hi\nmaturity: rc\ndate: 2024-05-01\npublished: false\nnotes: "**x**"\n');
  assert.ok(ok.ok && ok.value.maturity === 'rc' && ok.value.published === false && ok.value.date?.toISOString().startsWith('2024-05-01'));
  assert.equal(parseReleaseYaml('maturity: gold').ok, false);
  assert.equal(parseReleaseYaml('date: tomorrowish').ok, false);
  assert.equal(parseReleaseYaml('title: [unclosed').ok, false);
  assert.ok(parseReleaseYaml('').ok);
});

test('catalog: ordering, release.yaml, hidden files, sidecar hashes, broken yaml logged', async () => {
  const dir = await tempDir('cat');
  const t = (d: string) => new Date(d);
  await put(dir, '1.0/app-1.0.zip', 'one', t('2024-01-01'));
  await put(dir, '1.1/app-1.1.zip', 'one-one', t('2024-03-01'));
  await put(dir, '1.1/release.yaml', 'title: Spring\nmaturity: beta\ndate: 2023-06-01\nnotes: "*hi*"\n');
  await put(dir, '1.2/app.zip', 'x', t('2024-02-01'));
  await put(dir, '1.2/.DS_Store', 'junk');
  await put(dir, '1.2/._app.zip', 'junk');
  await put(dir, '1.2/Thumbs.db', 'junk');
  await put(dir, '1.2/CHANGELOG', '+ new');
  await put(dir, '1.2/SHA256SUMS', 'abc  app.zip\n', t('2024-02-01'));
  await put(dir, '1.2/release.yaml', 'maturity: [broken');
  await put(dir, '2.0/app.zip', 'y', t('2024-02-01'));
  await put(dir, '2.0/release.yaml', 'published: false\n');
  await put(dir, '.releasedav/x.json', '{}');
  await put(dir, '.hidden/file', 'h');
  const state = localState(cfg(), { stable: dir });
  const b = state.mounts.get('stable')!.backend;
  const e = await b.stat('1.0/app-1.0.zip');
  await state.metas.get('stable')!.put('1.0/app-1.0.zip', e, { sha256: 'ab'.repeat(32), sha384: 'cd'.repeat(48), sha512: 'ef'.repeat(64) });
  const { log, lines } = captureLogger();
  const hashed: string[] = [];
  const cat = createCatalog({
    getState: () => state, bus: newBus(), log, refreshSeconds: 0,
    hashFile: async (m, entry) => { hashed.push(entry.path); return { sha256: createHash('sha256').update('stub').digest('hex'), sha384: '', sha512: '' }; },
  });
  const rels = (await cat.releases('stable'))!;
  // 2.0 and 1.2 share a date: version tie-break puts 2.0 first; 1.1's yaml date is the oldest.
  assert.deepEqual(rels.map((r) => r.version), ['2.0', '1.2', '1.0', '1.1']);
  const r11 = rels.find((r) => r.version === '1.1')!;
  assert.equal(r11.title, 'Spring');
  assert.equal(r11.maturity, 'beta');
  assert.equal(r11.notesMarkdown, '*hi*');
  assert.equal(rels.find((r) => r.version === '2.0')!.published, false);
  assert.deepEqual(rels.find((r) => r.version === '1.2')!.items.map((i) => i.name), ['SHA256SUMS', 'app.zip']);
  assert.equal(rels.find((r) => r.version === '1.0')!.items[0]!.sha256, 'ab'.repeat(32));
  assert.ok(lines.some((l) => String(l.msg).includes('broken release.yaml') && l.path === '1.2/release.yaml'));
  assert.equal(await cat.releases('nope'), undefined);
  await cat.hasher!.idle();
  assert.ok(!hashed.includes('1.0/app-1.0.zip'), 'files with sidecar hashes are not re-hashed');
  assert.ok(hashed.includes('1.2/app.zip'));
  assert.equal((await cat.release('stable', '1.2'))!.items.find((i) => i.name === 'app.zip')!.sha256, createHash('sha256').update('stub').digest('hex'));
  await cat.close();
});

test('catalog: 1,000 releases render from the cache; a change event refreshes one release', async () => {
  const dir = await tempDir('cat1000');
  for (let i = 0; i < 1000; i++) await put(dir, `r${i}/f.bin`, String(i), new Date(Date.UTC(2020, 0, 1) + i * 60_000));
  let counter: (Backend & { lists: number }) | undefined;
  const state = localState(cfg(), { stable: dir }, (b) => (counter = countingBackend(b)));
  const bus = newBus();
  const cat = createCatalog({ getState: () => state, bus, log: captureLogger('silent').log, refreshSeconds: 0 });
  const first = (await cat.releases('stable'))!;
  assert.equal(first.length, 1000);
  assert.equal(first[0]!.version, 'r999');
  const afterBuild = counter!.lists;
  assert.equal(afterBuild, 1001);
  for (let i = 0; i < 200; i++) await cat.releases('stable');
  assert.equal(counter!.lists, afterBuild, 'reads are served from the cache');
  await put(dir, 'r5/g.bin', 'new', new Date(Date.UTC(2030, 0, 1)));
  bus.emit('change', { category: 'stable', path: 'r5/g.bin', op: 'write' });
  const after = (await cat.releases('stable'))!;
  assert.equal(counter!.lists, afterBuild + 2, 'one root listing plus the touched release');
  assert.equal(after[0]!.version, 'r5');
  await cat.close();
});

test('catalog: requests arriving together right after a change all see it (none gets the list from before)', async () => {
  const dir = await tempDir('catconc');
  await put(dir, '1.0/app.bin', 'one');
  const state = localState(cfg(), { stable: dir });
  const bus = newBus();
  const cat = createCatalog({ getState: () => state, bus, log: captureLogger('silent').log, refreshSeconds: 0 });
  assert.deepEqual((await cat.releases('stable'))!.map((r) => r.version), ['1.0']);
  await put(dir, '2.0/app.bin', 'two', new Date(Date.UTC(2030, 0, 1)));
  bus.emit('change', { category: 'stable', path: '2.0/app.bin', op: 'write' });
  // The first call starts the rebuild; the others come while it runs.
  const seen = await Promise.all(Array.from({ length: 8 }, () => cat.release('stable', '2.0')));
  assert.deepEqual(seen.map((r) => r?.version), Array(8).fill('2.0'));
  await cat.close();
});

test('catalog: bleeding-edge categories use suffix maturity, first-seen dates, CHANGELOG notes, settling', async () => {
  const dir = await tempDir('cat-be');
  const t = (m: number) => new Date(Date.UTC(2024, 0, 1) + m * 60_000);
  await put(dir, 'build-100_BETA/app.zip', 'a', t(0));
  await put(dir, 'build-100_BETA/CHANGELOG', '+ first\n', t(0));
  await put(dir, 'build-101/app.zip', 'b', t(10));
  await put(dir, 'build-101/CHANGELOG', '+ first\n# fixed crash\n', t(10));
  await put(dir, 'build-102_RC/app.zip', 'c'); // just now: settling
  const c = config({ categories: [{ slug: 'edge', type: 'bleeding-edge', directory: '/unused', bleedingEdge: { settleSeconds: 3600 } }] });
  const state = localState(c, { edge: dir });
  const cat = createCatalog({ getState: () => state, bus: newBus(), log: captureLogger('silent').log, refreshSeconds: 0 });
  const rels = (await cat.releases('edge'))!;
  assert.deepEqual(rels.map((r) => [r.version, r.maturity, !!r.settling]), [
    ['build-102_RC', 'rc', true], ['build-101', 'alpha', false], ['build-100_BETA', 'beta', false]]);
  assert.deepEqual(rels[1]!.notes, [{ kind: 'fixed', text: 'fixed crash' }]);
  assert.deepEqual(rels[2]!.notes, [{ kind: 'added', text: 'first' }]);
  assert.deepEqual(rels[1]!.items.map((i) => i.name), ['app.zip']);
  await cat.close();
});

test('catalog: outside changes appear after the periodic refresh', async () => {
  const dir = await tempDir('cat-periodic');
  await put(dir, '1.0/a.bin', 'a', new Date('2024-01-01'));
  const state = localState(cfg(), { stable: dir });
  const cat = createCatalog({ getState: () => state, bus: newBus(), log: captureLogger('silent').log, refreshSeconds: 1 });
  assert.deepEqual((await cat.releases('stable'))!.map((r) => r.version), ['1.0']);
  await put(dir, '2.0/b.bin', 'b', new Date('2024-02-01'));
  assert.deepEqual((await cat.releases('stable'))!.map((r) => r.version), ['1.0'], 'served from cache until the refresh');
  await new Promise((r) => setTimeout(r, 1600));
  assert.deepEqual((await cat.releases('stable'))!.map((r) => r.version), ['2.0', '1.0']);
  await cat.close();
});

test('catalog: an item whose recorded SHA-256 disagrees with SHA256SUMS is marked', async () => {
  const dir = await tempDir('catsums');
  await put(dir, '3.0/good.bin', 'good');
  await put(dir, '3.0/bad.bin', 'bad');
  const sha = (s: string) => createHash('sha256').update(s).digest('hex');
  await put(dir, '3.0/SHA256SUMS', `${sha('good')}  good.bin\n${sha('something else')} *bad.bin\n`);
  const state = localState(cfg(), { stable: dir });
  const b = state.mounts.get('stable')!.backend;
  for (const n of ['good', 'bad']) {
    await state.metas.get('stable')!.put(`3.0/${n}.bin`, await b.stat(`3.0/${n}.bin`), { sha256: sha(n) });
  }
  const { log } = captureLogger();
  const cat = createCatalog({ getState: () => state, bus: newBus(), log, refreshSeconds: 0, hashFile: async () => ({ sha256: sha('x'), sha384: '', sha512: '' }) });
  const rel = (await cat.release('stable', '3.0'))!;
  assert.equal(rel.items.find((i) => i.name === 'bad.bin')!.sha256Mismatch, true);
  assert.notEqual(rel.items.find((i) => i.name === 'good.bin')!.sha256Mismatch, true);
  await cat.close();
});

test('catalog: an uploaded SHA512SUMS is checked against the recorded SHA-512 (GNU and BSD forms)', async () => {
  const dir = await tempDir('catsums512');
  await put(dir, '4.0/good.bin', 'good');
  await put(dir, '4.0/bad.bin', 'bad');
  const h = (alg: string, s: string) => createHash(alg).update(s).digest('hex');
  await put(dir, '4.0/SHA512SUMS', `${h('sha512', 'good')}  good.bin\nSHA512 (bad.bin) = ${h('sha512', 'something else')}\n`);
  const state = localState(cfg(), { stable: dir });
  const b = state.mounts.get('stable')!.backend;
  for (const n of ['good', 'bad']) {
    await state.metas.get('stable')!.put(`4.0/${n}.bin`, await b.stat(`4.0/${n}.bin`), { sha256: h('sha256', n), sha384: h('sha384', n), sha512: h('sha512', n) });
  }
  const { log } = captureLogger();
  const cat = createCatalog({ getState: () => state, bus: newBus(), log, refreshSeconds: 0 });
  const rel = (await cat.release('stable', '4.0'))!;
  assert.equal(rel.items.find((i) => i.name === 'bad.bin')!.sha512Mismatch, true);
  assert.notEqual(rel.items.find((i) => i.name === 'good.bin')!.sha512Mismatch, true);
  assert.notEqual(rel.items.find((i) => i.name === 'bad.bin')!.sha256Mismatch, true, 'no SHA256SUMS: nothing to disagree with');
  await cat.close();
});
