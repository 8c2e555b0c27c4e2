/** The scanner's behaviour against one kind of storage; run for disk and for S3 by the *.test.ts files. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createLockStore } from '../../src/webdav/locks/lock-store.ts';
import { createMetrics } from '../../src/metrics.ts';
import { createBleedingEdgeScanner, checkSums } from '../../src/catalog/bleeding-edge/index.ts';
import type { Mount } from '../../src/vfs/mount.ts';
import type { Backend } from '../../src/vfs/types.ts';
import type { LockStore } from '../../src/webdav/context.ts';
import { bleedingConfig, captureLogger, newBus, sleep, stateFor, type Store } from './fixtures.ts';
import { viewOf } from './view.ts';

type Rules = Parameters<typeof bleedingConfig>[1];
const SLUG = 'nightly';
const sha = (s: string) => createHash('sha256').update(s).digest('hex');

/** A scanner over `store` with the given rules, plus what the test needs to look at. */
function rig(store: Store, rules: Rules, extra: { locks?: LockStore; now?: () => Date } = {}) {
  const cfg = bleedingConfig(SLUG, rules, store.directory, store.s3);
  const { log, lines } = captureLogger();
  const real = store.mount(cfg, SLUG, log);
  const calls = { list: 0 };
  const counted = Object.create(real.backend) as Backend;
  counted.list = (p, o) => { calls.list++; return real.backend.list(p, o); };
  const mount: Mount = { ...real, backend: counted };
  const { meta, backend } = mount;
  const state = stateFor(cfg, SLUG, mount);
  const bus = newBus();
  const locks = extra.locks ?? createLockStore();
  const metrics = createMetrics({ defaultMetrics: false });
  const published: string[] = [];
  const scanner = createBleedingEdgeScanner({
    getState: () => state, bus, locks, log, metrics, onPublished: (c) => published.push(c), debounceMs: 50, now: extra.now,
  });
  const scan = async () => {
    const [r] = await scanner.scanNow(SLUG);
    assert.equal(r!.error, undefined, `scan failed: ${r!.error}`);
    return r!;
  };
  return { scanner, scan, meta, backend, mount, calls, bus, locks, log, lines, metrics, published, state };
}

/** Drops a release folder with an item (and its sidecar, as our upload path records it) and optional extra files. */
async function dropRelease(store: Store, mount: Mount, version: string, files: Record<string, string> = {}) {
  const body = `binary of ${version}`;
  await store.drop(`${version}/app.bin`, body);
  const e = await mount.backend.stat(`${version}/app.bin`);
  await mount.meta.put(e.path, e, { sha256: sha(body) });
  for (const [name, text] of Object.entries(files)) await store.drop(`${version}/${name}`, text);
}

/** Registers the suite for one storage kind. `make` gives a fresh store per test. */
export function scannerSuite(kind: string, make: () => Promise<Store>, skip?: string): void {
  const t = (name: string, fn: (store: Store) => Promise<void>) =>
    test(`${kind}: ${name}`, { skip }, async () => {
      const store = await make();
      try { await fn(store); } finally { await store.cleanup(); }
    });

  t('folders dropped in sequence become releases: versions, dates, maturity, notes and kinds', async (store) => {
    const r = rig(store, { settleSeconds: 0 });
    assert.deepEqual((await r.scan()).published, []);
    await dropRelease(store, r.mount, 'build-01', { CHANGELOG: '+ first feature\n' });
    assert.deepEqual((await r.scan()).published, ['build-01']);
    await dropRelease(store, r.mount, 'build-02', { CHANGELOG: '+ first feature\n# crash on start\n' });
    assert.deepEqual((await r.scan()).published, ['build-02']);
    await dropRelease(store, r.mount, 'build-03_BETA', { CHANGELOG: '+ first feature\n# crash on start\n! new config format\n~ faster\n- old flag\n', '.DS_Store': 'x', '._app.bin': 'x' });
    assert.deepEqual((await r.scan()).published, ['build-03_BETA']);
    assert.deepEqual((await r.scan()).published, [], 'a second scan publishes nothing');

    const view = await viewOf(r.backend, 0);
    assert.deepEqual(view.map((v) => v.version), ['build-03_BETA', 'build-02', 'build-01']);
    assert.deepEqual(view.map((v) => v.maturity), ['beta', 'alpha', 'alpha']);
    assert.deepEqual(view[2]!.notes, [{ kind: 'added', text: 'first feature' }]);
    assert.deepEqual(view[1]!.notes, [{ kind: 'fixed', text: 'crash on start' }]);
    assert.deepEqual(view[0]!.notes, [{ kind: 'important', text: 'new config format' }, { kind: 'minor', text: 'faster' }, { kind: 'removed', text: 'old flag' }]);
    assert.deepEqual(view[0]!.items, ['app.bin'], 'junk and CHANGELOG are not items');
    for (const v of view) {
      // Compared with the listing: RGW lists LastModified in ms but HEAD answers whole seconds.
      let first: Date | undefined;
      for await (const e of r.backend.list(v.version)) if (e.path.endsWith('/app.bin')) first = e.mtime;
      assert.equal(v.date.getTime(), first!.getTime(), 'date = first file stored');
    }
    // Idempotent across daemons: a second scanner over the same storage derives the same dates.
    const again = await viewOf(store.mount(r.state.config, SLUG, r.log).backend, 0);
    assert.deepEqual(again.map((v) => v.date.getTime()), view.map((v) => v.date.getTime()));
    assert.ok(r.published.length >= 3, 'onPublished called per publication');
    const metric = await r.metrics.registry.getSingleMetricAsString('releasedav_bleeding_edge_scans_total');
    assert.match(metric, /category="nightly",result="published"} 3/);
  });

  t('maturity suffixes; junk-only folders and junk files publish nothing', async (store) => {
    const r = rig(store, { settleSeconds: 0 });
    await r.scan();
    for (const v of ['v1-rc2', 'v2_stable', 'V3_Alpha', 'v4_Rc', 'v5']) await dropRelease(store, r.mount, v);
    await store.drop('v6/.DS_Store', 'junk');
    await store.drop('v6/Thumbs.db', 'junk');
    const res = await r.scan();
    assert.deepEqual(res.published.sort(), ['V3_Alpha', 'v1-rc2', 'v2_stable', 'v4_Rc', 'v5']);
    const byVersion = new Map((await viewOf(r.backend, 0)).map((v) => [v.version, v.maturity]));
    assert.deepEqual(Object.fromEntries(byVersion), { 'v1-rc2': 'rc', v2_stable: 'stable', V3_Alpha: 'alpha', v4_Rc: 'rc', v5: 'alpha', v6: 'alpha' });
    assert.equal(res.settling.length, 0);
    // an empty folder (MKCOL, S3 marker) settles and is pruned like any release, never published
    await r.mount.backend.mkdir('v0-empty');
    const again = await r.scan();
    assert.deepEqual([again.published, again.settling], [[], []]);
    await store.drop('v5/._app.bin', 'more junk');
    assert.deepEqual((await r.scan()).published, [], 'junk never (re)publishes');
  });

  t('keep: the newest N remain; the rest is removed with files and sidecars, and logged', async (store) => {
    const r = rig(store, { settleSeconds: 0, keep: 2 });
    for (let i = 1; i <= 5; i++) await dropRelease(store, r.mount, `b${i}`, { CHANGELOG: `+ change ${i}\n` });
    const keysBefore = await store.allKeys();
    assert.ok(keysBefore.some((k) => k.startsWith('.releasedav/meta/d.b1/')), `sidecars exist: ${keysBefore.join(',')}`);
    const res = await r.scan();
    assert.deepEqual(res.pruned, ['b1', 'b2', 'b3']);
    const keys = await store.allKeys();
    for (const gone of ['b1', 'b2', 'b3']) {
      assert.ok(!keys.some((k) => k.startsWith(`${gone}/`) || k.startsWith(`.releasedav/meta/d.${gone}/`)), `${gone} really gone: ${keys.join(',')}`);
    }
    assert.ok(keys.includes('b5/app.bin') && keys.includes('b4/app.bin') && keys.includes('.releasedav/meta/d.b5/f.app.bin'));
    assert.equal(r.lines.filter((l) => l.msg === 'bleeding-edge: pruned release').length, 3);
    assert.deepEqual((await r.scan()).pruned, [], 'idempotent');
  });

  t('maxAgeDays: older releases go, the newest always stays', async (store) => {
    // Long enough that dropping two releases and scanning fits in it on a loaded machine.
    const AGE_S = 6;
    const r = rig(store, { settleSeconds: 0, maxAgeDays: AGE_S / 86400 });
    await dropRelease(store, r.mount, 'old1');
    await dropRelease(store, r.mount, 'old2');
    await sleep(AGE_S * 1000 + 100);
    await dropRelease(store, r.mount, 'new1');
    await dropRelease(store, r.mount, 'new2');
    const res = await r.scan();
    assert.deepEqual(res.pruned, ['old1', 'old2']);
    const keys = await store.allKeys();
    assert.ok(!keys.some((k) => k.includes('old')), keys.join(','));
    await sleep(AGE_S * 1000 + 100);
    assert.deepEqual((await r.scan()).pruned, ['new1'], 'the newest survives age');
  });

  t('settle window: a release still uploading is neither published nor pruned; published once settled', async (store) => {
    const r = rig(store, { settleSeconds: 2, keep: 1 });
    await r.scan();
    await r.mount.backend.mkdir('empty');
    await dropRelease(store, r.mount, 'a1');
    let res = await r.scan();
    assert.deepEqual([res.published, res.settling.sort()], [[], ['a1', 'empty']]);
    await sleep(2200);
    res = await r.scan();
    assert.deepEqual([res.published, res.settling, res.pruned], [['a1'], [], []], 'an empty folder settles too, and is never pruned');
    // a new upload does not push out the only settled release while it settles
    r.scanner.start();
    await dropRelease(store, r.mount, 'a2');
    r.bus.emit('change', { category: SLUG, path: 'a2/app.bin', op: 'write' });
    await sleep(600);
    assert.ok((await store.allKeys()).includes('a1/app.bin'), 'a1 kept while a2 settles');
    // the scanner wakes up by itself when a2 settles: a2 published, a1 pruned
    const deadline = Date.now() + 8000;
    while (Date.now() < deadline && (await store.allKeys()).includes('a1/app.bin')) await sleep(200);
    await r.scanner.stop();
    const keys = await store.allKeys();
    assert.ok(!keys.includes('a1/app.bin') && keys.includes('a2/app.bin'), keys.join(','));
    assert.ok((await r.backend.stat('empty')).kind === 'dir', 'the empty folder is left alone');
  });

  t('a change event is noticed at once (debounced), without waiting for the periodic scan', async (store) => {
    const r = rig(store, { settleSeconds: 0, scanIntervalSeconds: 3600 });
    r.scanner.start();
    await sleep(300);
    const before = r.published.length;
    await dropRelease(store, r.mount, 'quick');
    r.bus.emit('change', { category: SLUG, path: 'quick/app.bin', op: 'write' });
    r.bus.emit('change', { category: 'normal', path: 'x/y', op: 'write' });
    const t0 = Date.now();
    while (r.published.length === before && Date.now() - t0 < 3000) await sleep(20);
    await r.scanner.stop();
    assert.equal(r.published.length, before + 1, 'published after the event');
    assert.ok(Date.now() - t0 < 2000);
  });

  t('a release with a WebDAV lock in it is not pruned', async (store) => {
    const locks = createLockStore();
    const r = rig(store, { settleSeconds: 0, keep: 1 }, { locks });
    for (const v of ['l1', 'l2', 'l3', 'l4']) await dropRelease(store, r.mount, v);
    const deep = await locks.create({ category: SLUG, path: 'l1/app.bin', scope: 'exclusive', depth: '0', principal: 'ci', timeoutSeconds: 60 });
    const whole = await locks.create({ category: SLUG, path: 'l2', scope: 'shared', depth: 'infinity', principal: 'ci', timeoutSeconds: 60 });
    await locks.create({ category: 'normal', path: 'l3', scope: 'exclusive', depth: 'infinity', principal: 'ci', timeoutSeconds: 60 });
    assert.deepEqual((await r.scan()).pruned, ['l3']);
    assert.ok((await store.allKeys()).includes('l1/app.bin'));
    await locks.remove(deep.token);
    await locks.remove(whole.token);
    assert.deepEqual((await r.scan()).pruned, ['l1', 'l2']);
  });

  t('a folder created outside the daemon appears after one scan; changes to a known release are found', async (store) => {
    const r = rig(store, { settleSeconds: 0 });
    await dropRelease(store, r.mount, 'old');
    await r.scan();
    await store.drop('outside/app.bin', 'made by a build server');
    assert.deepEqual((await r.scan()).published, ['outside']);
    await store.drop('outside/extra.bin', 'added later');
    const found: string[] = [];
    for (let i = 0; i < 2 && !found.length; i++) found.push(...(await r.scan()).published);
    assert.deepEqual(found, ['outside'], 're-verification notices a change without a hint');
  });

  t('two scanners at once neither fail nor double-delete', async (store) => {
    const a = rig(store, { settleSeconds: 0, keep: 2 });
    const b = rig(store, { settleSeconds: 0, keep: 2 });
    for (let i = 1; i <= 6; i++) await dropRelease(store, a.mount, `c${i}`);
    for (let round = 0; round < 2; round++) {
      const [ra, rb] = await Promise.all([a.scanner.scanNow(SLUG), b.scanner.scanNow(SLUG)]);
      assert.equal(ra![0]!.error, undefined);
      assert.equal(rb![0]!.error, undefined);
      if (round === 0) {
        const gone = new Set([...ra![0]!.pruned, ...rb![0]!.pruned, ...ra![0]!.vanished, ...rb![0]!.vanished]);
        assert.deepEqual([...gone].sort(), ['c1', 'c2', 'c3', 'c4']);
      }
      await dropRelease(store, a.mount, `c${7 + round}`);
    }
    await Promise.all([a.scan(), b.scan()]);
    const tops = new Set((await store.allKeys()).filter((k) => !k.startsWith('.')).map((k) => k.split('/')[0]));
    assert.deepEqual([...tops].sort(), ['c7', 'c8']);
    assert.equal([...a.lines, ...b.lines].filter((l) => (l.level as number) >= 50).length, 0, 'no error logged');
  });

  t('SHA256SUMS: a recorded hash that disagrees is reported and logged', async (store) => {
    const r = rig(store, { settleSeconds: 0 });
    await r.scan();
    const good = 'good bytes';
    const bad = 'bad bytes';
    for (const [name, body] of [['good.bin', good], ['bad.bin', bad]] as const) {
      await store.drop(`s1/${name}`, body);
      const e = await r.backend.stat(`s1/${name}`);
      await r.meta.put(e.path, e, { sha256: sha(body) });
    }
    await store.drop('s1/late.bin', 'late');
    await store.drop('s1/SHA256SUMS', `${sha(good)}  good.bin\n${sha('something else')} *bad.bin\n${sha('x')}  unlisted.bin\n${sha('other')}  late.bin\n`);
    const res = await r.scan();
    assert.deepEqual(res.mismatches, [{ version: 's1', name: 'bad.bin' }]);
    // late.bin's hash is recorded only now (the hasher lags): the next scan checks it, the release unchanged.
    const late = await r.backend.stat('s1/late.bin');
    await r.meta.put(late.path, late, { sha256: sha('late') });
    assert.deepEqual((await r.scan()).mismatches, [{ version: 's1', name: 'bad.bin' }, { version: 's1', name: 'late.bin' }]);
    assert.equal(r.lines.filter((l) => l.msg === 'bleeding-edge: SHA-256 of item disagrees with SHA256SUMS' && l.item === 'bad.bin').length, 1);
    const items = [];
    for await (const e of r.backend.list('s1')) items.push({ name: e.path.slice(3), path: e.path, size: e.size, mtime: e.mtime, etag: e.etag });
    const verdict = await checkSums(r.mount, { version: 's1', items });
    assert.deepEqual(Object.fromEntries(verdict), { 'good.bin': true, 'bad.bin': false, 'late.bin': false });
    assert.equal((await r.scan()).mismatches.length, 2, 'still exposed');
    assert.equal(r.lines.filter((l) => l.item === 'bad.bin').length, 1, 'logged once');
  });

  t('cheap: a steady-state scan lists the category once plus one release re-verification', async (store) => {
    const r = rig(store, { settleSeconds: 0 });
    const N = 40;
    await Promise.all(Array.from({ length: N }, (_, i) => dropRelease(store, r.mount, `r${i}`)));
    let t0 = performance.now();
    r.calls.list = 0;
    await r.scan();
    const first = { lists: r.calls.list, ms: performance.now() - t0 };
    assert.equal(first.lists, 1 + N, 'first scan: the category plus every release');
    t0 = performance.now();
    r.calls.list = 0;
    for (let i = 0; i < 5; i++) await r.scan();
    const steady = { lists: r.calls.list / 5, ms: (performance.now() - t0) / 5 };
    assert.equal(steady.lists, 2, 'steady scan: the category + one re-verified release');
    await store.drop('r7/new.bin', 'x');
    r.bus.emit('change', { category: SLUG, path: 'r7/new.bin', op: 'write' });
    r.scanner.start();
    await sleep(400);
    await r.scanner.stop();
    console.log(`${kind}: ${N} releases: first scan ${first.lists} listings ${first.ms.toFixed(0)} ms; steady scan ${steady.lists} listings ${steady.ms.toFixed(1)} ms`);
  });
}
