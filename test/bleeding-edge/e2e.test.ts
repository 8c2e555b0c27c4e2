/**
 * End to end: a scripted build server publishes ten builds in a row — with curl over WebDAV into a
 * disk category, and with the AWS SDK straight into the bucket for an S3 category — while the
 * daemon's parts run as the composition root wires them (WebDAV server, catalog, scanner,
 * downloads). The catalog, the JSON API (update stream), the page and the feed show the newest
 * build with the right notes, and only `keep` builds remain in storage.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isDeepStrictEqual, promisify } from 'node:util';
import { PutObjectCommand, ListObjectsV2Command, DeleteObjectsCommand } from '@aws-sdk/client-s3';
import { hashPassword } from '../../src/auth/passwords.ts';
import { createCatalog } from '../../src/catalog/catalog.ts';
import { createBleedingEdgeScanner } from '../../src/catalog/bleeding-edge/index.ts';
import { configSchema } from '../../src/config/schema.ts';
import { createDownloadsServer } from '../../src/downloads/server.ts';
import { buildRuntimeState } from '../../src/lifecycle/runtime-state.ts';
import { createMetrics } from '../../src/metrics.ts';
import type { ChangeBus } from '../../src/vfs/mount.ts';
import { createLockStore } from '../../src/webdav/locks/lock-store.ts';
import { createWebdavServer } from '../../src/webdav/server.ts';
import { s3TestEnv, uniquePrefix } from '../helpers/s3env.ts';
import { captureLogger, sleep } from './fixtures.ts';

const run = promisify(execFile);
const BUILDS = 10;
const KEEP = 3;
const sha = (b: string) => createHash('sha256').update(b).digest('hex');
/** Build i's CHANGELOG: one more line per build, the kind cycling through + # ~ ! -. */
const changelog = (i: number) => Array.from({ length: i }, (_, k) => `${'+#~!-'[k % 5]} change number ${k + 1}`).join('\n') + '\n';
const KINDS = ['added', 'fixed', 'minor', 'important', 'removed'];

test('a build server publishes ten builds in a row; the newest shows with its notes, only keep remain', { timeout: 180_000 }, async (t) => {
  const root = await mkdtemp(join(tmpdir(), 'rdav-be-e2e-'));
  const env = s3TestEnv();
  if (!env) t.diagnostic('RDAV_TEST_S3_* not set: only the disk category runs (the S3 half is skipped)');
  const prefix = env ? uniquePrefix('bleeding-e2e') : '';
  const be = { keep: KEEP, settleSeconds: 1, scanIntervalSeconds: 1 };
  const categories: Record<string, unknown>[] = [
    { slug: 'nightly', type: 'bleeding-edge', directory: join(root, 'nightly'), access: { read: ['*'], write: ['ci'] }, bleedingEdge: be },
  ];
  if (env) categories.push({ slug: 'nightly-s3', type: 'bleeding-edge', directory: `s3://${prefix}`, access: { read: ['*'], write: ['ci'] }, bleedingEdge: be });
  const config = configSchema.parse({
    storage: {
      local: { root },
      ...(env ? { s3: { bucket: env.bucket, region: 'default', endpoint: env.endpoint, forcePathStyle: true, accessKeyId: env.accessKeyId, secretAccessKey: env.secretAccessKey } } : {}),
    },
    auth: { users: { ci: { password: await hashPassword('ci-secret') } } },
    lifecycle: { drainSeconds: 1 },
    categories,
  });
  const { log, lines } = captureLogger();
  const metrics = createMetrics({ defaultMetrics: false });
  const built = buildRuntimeState(config, { log, metrics });
  const getState = () => built.state;
  const bus: ChangeBus = new EventEmitter();
  const locks = createLockStore();
  const dav = createWebdavServer({ getState, locks, bus, log, metrics });
  const catalog = createCatalog({ getState, bus, log, metrics });
  const scanner = createBleedingEdgeScanner({ getState, bus, locks, log, metrics, onPublished: (c) => catalog.invalidate(c) });
  const downloads = createDownloadsServer({ getState, catalog, log, metrics });
  const davPort = (await dav.listen(0, '127.0.0.1')).port;
  const dlPort = (await downloads.listen(0, '127.0.0.1')).port;
  scanner.start();
  const dl = `http://127.0.0.1:${dlPort}`;

  /** Waits until every surface shows build i as the newest release of `slug`, with its one new note. */
  async function expectNewest(slug: string, i: number): Promise<void> {
    const version = `build-${i}`;
    const note = { kind: KINDS[(i - 1) % 5], text: `change number ${i}` };
    const deadline = Date.now() + 20_000;
    let last: unknown;
    for (;;) {
      const res = await fetch(`${dl}/api/v1/categories/${slug}/latest?maturity=alpha`);
      last = res.ok ? await res.json() : res.status;
      const body = last as { version?: string; changes?: unknown[] };
      // A file that reaches storage more than settleSeconds after the others (a loaded machine) is a
      // change like any other: the release may show first without its CHANGELOG, then with it.
      if (body.version === version && isDeepStrictEqual(body.changes, [note])) break;
      if (Date.now() > deadline) {
        if (body.version === version) assert.deepEqual(body.changes, [note], `notes of ${slug}/${version}`);
        assert.fail(`${slug}: ${version} never became the newest; last answer ${JSON.stringify(last)}`);
      }
      await sleep(100);
    }
    const releases = (await catalog.releases(slug))!.filter((r) => !r.settling);
    assert.equal(releases[0]!.version, version);
    assert.equal(releases[0]!.maturity, 'alpha');
    assert.ok(releases.length <= KEEP + 1, `${slug}: ${releases.length} releases listed after build ${i}`);
    const page = await (await fetch(`${dl}/${slug}/${version}/`)).text();
    assert.match(page, new RegExp(`change number ${i}<`));
    const feed = await (await fetch(`${dl}/${slug}/feed.atom`)).text();
    assert.ok(feed.includes(version), 'feed shows the newest build');
  }

  const auth = ['-u', 'ci:ci-secret', '--fail', '-sS'];
  async function publishOverWebdav(i: number): Promise<void> {
    const base = `http://127.0.0.1:${davPort}/nightly/build-${i}`;
    const dir = await mkdtemp(join(tmpdir(), 'rdav-be-build-'));
    const body = `app build ${i} `.repeat(1000);
    await writeFile(join(dir, 'app.tar.gz'), body);
    await writeFile(join(dir, 'CHANGELOG'), changelog(i));
    await writeFile(join(dir, 'SHA256SUMS'), `${sha(body)}  app.tar.gz\n`);
    await run('curl', [...auth, '-X', 'MKCOL', `${base}/`]);
    for (const f of ['app.tar.gz', 'CHANGELOG', 'SHA256SUMS']) await run('curl', [...auth, '-T', join(dir, f), `${base}/${f}`]);
    await rm(dir, { recursive: true, force: true });
  }

  const s3 = built.s3?.client;
  async function publishToBucket(i: number): Promise<void> {
    for (const [name, body] of [['app.tar.gz', `app build ${i}`], ['CHANGELOG', changelog(i)]] as const) {
      await s3!.send(new PutObjectCommand({ Bucket: env!.bucket, Key: `${prefix}build-${i}/${name}`, Body: body }));
    }
  }

  try {
    const runs: Promise<void>[] = [(async () => {
      for (let i = 1; i <= BUILDS; i++) { await publishOverWebdav(i); await expectNewest('nightly', i); }
    })()];
    if (env) runs.push((async () => {
      for (let i = 1; i <= BUILDS; i++) { await publishToBucket(i); await expectNewest('nightly-s3', i); }
    })());
    await Promise.all(runs);
    // Retention may still be pruning the last build-(10-KEEP) (it runs once build 10 has settled).
    const deadline = Date.now() + 10_000;
    const left = async () => (await readdir(join(root, 'nightly'))).filter((n) => !n.startsWith('.')).sort();
    while ((await left()).length > KEEP && Date.now() < deadline) await sleep(200);
    assert.deepEqual(await left(), ['build-10', 'build-8', 'build-9']);
    const meta = await readdir(join(root, 'nightly', '.releasedav', 'meta')).catch(() => [] as string[]);
    assert.ok(!meta.some((n) => /^d\.build-[1-7]$/.test(n)), `sidecars of pruned builds gone: ${meta.join(',')}`);
    if (env) {
      let keys: string[] = [];
      while (Date.now() < deadline + 10_000) {
        const page = await s3!.send(new ListObjectsV2Command({ Bucket: env.bucket, Prefix: prefix }));
        keys = (page.Contents ?? []).map((c) => c.Key!.slice(prefix.length));
        if (new Set(keys.map((k) => k.split('/')[0])).size <= KEEP) break;
        await sleep(200);
      }
      assert.deepEqual([...new Set(keys.map((k) => k.split('/')[0]))].sort(), ['build-10', 'build-8', 'build-9']);
    }
    assert.equal(lines.filter((l) => l.msg === 'bleeding-edge: SHA-256 of item disagrees with SHA256SUMS').length, 0);
    assert.equal(lines.filter((l) => (l.level as number) >= 50).length, 0, `errors logged: ${JSON.stringify(lines.filter((l) => (l.level as number) >= 50))}`);
    const pruned = lines.filter((l) => l.msg === 'bleeding-edge: pruned release').length;
    assert.equal(pruned, (BUILDS - KEEP) * (env ? 2 : 1));
  } finally {
    await scanner.stop();
    await downloads.close();
    await dav.close();
    await catalog.close();
    if (env && s3) {
      const page = await s3.send(new ListObjectsV2Command({ Bucket: env.bucket, Prefix: prefix }));
      const objs = (page.Contents ?? []).map((c) => ({ Key: c.Key! }));
      if (objs.length) await s3.send(new DeleteObjectsCommand({ Bucket: env.bucket, Delete: { Objects: objs } }));
      s3.destroy();
    }
    await rm(root, { recursive: true, force: true });
  }
});
