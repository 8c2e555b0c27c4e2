/**
 * One background hasher per deployment: two real daemons (child processes) over one folder and
 * one real Redis. Files put into the folder from outside (no sidecar) are hashed by the lease
 * holder only, even though the other instance's catalog sees them unhashed too; every instance
 * then shows the digests. SIGKILL the holder: the survivor takes the lease within one lease
 * period and hashes what appeared meanwhile, without hashing the old files again.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { HASHER_LEASE_PERIOD_MS } from '../../src/coordination/shared-state.ts';
import { startChildDaemon, type ChildDaemon, type DaemonLogLine } from '../helpers/child-daemon.ts';
import { REDIS_SKIP_REASON, startTestRedis, type TestRedis } from '../helpers/redis-server.ts';
import { eventually } from './instances.ts';

interface ApiItem { name: string; sha256: string | null }
interface ApiRelease { version: string; files: ApiItem[] }

const recorded = (d: ChildDaemon) => d.lines.filter((l) => l.msg === 'hasher: recorded SHA-256/384/512').map((l) => String(l.path)).sort();
const tookHasher = (l: DaemonLogLine) => /lease taken/.test(l.msg) && l.job === 'hasher';
async function releases(d: ChildDaemon): Promise<ApiRelease[]> {
  const r = await fetch(`${d.dl}/api/v1/categories/files/releases`);
  assert.equal(r.status, 200);
  return ((await r.json()) as { releases: ApiRelease[] }).releases;
}
/** sha256 per item name of `version` as `d` shows it. */
async function shown(d: ChildDaemon, version: string): Promise<Record<string, string | null>> {
  const rel = (await releases(d)).find((r) => r.version === version);
  return Object.fromEntries((rel?.files ?? []).map((i) => [i.name, i.sha256]));
}

describe('one background hasher per deployment (Redis lease)', { skip: REDIS_SKIP_REASON || undefined }, () => {
  let redis: TestRedis;
  let root: string;
  let a: ChildDaemon;
  let b: ChildDaemon;
  const expected = new Map<string, string>();
  /** Writes `n` files into release `version` behind the daemons' backs; returns their paths. */
  const outside = (version: string, n: number) => {
    const dir = join(root, 'data', 'files', version);
    mkdirSync(dir, { recursive: true });
    const paths: string[] = [];
    for (let i = 0; i < n; i++) {
      const body = randomBytes(3 * 1024 * 1024 + i);
      const name = `app-${version}-${i}.bin`;
      writeFileSync(join(dir, name), body);
      expected.set(name, createHash('sha256').update(body).digest('hex'));
      paths.push(`${version}/${name}`);
    }
    return paths.sort();
  };

  before(async () => {
    redis = await startTestRedis();
    root = mkdtempSync(join(tmpdir(), 'rdav-hasher-lease-'));
    const config = {
      storage: { local: { root: join(root, 'data') } },
      coordination: { redis: { url: redis.url, keyPrefix: 'hasher:' } },
      categories: [{ slug: 'files', directory: 'files', access: { read: ['anonymous'], write: ['anonymous'] } }],
      lifecycle: { drainSeconds: 1 },
    };
    // A first, so it holds the lease; B starts once A has it.
    a = await startChildDaemon(mkdtempSync(join(root, 'a-')), config);
    await a.waitForLog(tookHasher);
    b = await startChildDaemon(mkdtempSync(join(root, 'b-')), config);
  });
  after(async () => {
    await a?.kill();
    await b?.stop();
    await redis?.stop();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  it('files from outside are hashed once, by the holder; both instances show the digests', async () => {
    // Both catalogs are built (empty); the release folder comes through WebDAV (so both mark it
    // changed), its files from outside: each instance finds them unhashed when it rebuilds.
    assert.deepEqual(await releases(a), []);
    assert.deepEqual(await releases(b), []);
    assert.equal((await fetch(`${a.dav}/files/1.0`, { method: 'MKCOL' })).status, 201);
    const paths = outside('1.0', 6);
    // B rebuilds first and sees every item without a digest: without the lease it would hash them itself.
    const seenByB = await shown(b, '1.0');
    assert.deepEqual(Object.keys(seenByB).sort(), paths.map((p) => p.split('/')[1]));
    assert.ok(Object.values(seenByB).some((v) => v === null), 'B saw unhashed items');
    await releases(a);
    await eventually(async () => recorded(a).length === 6 || undefined, 30_000, 'A hashed the six files');
    assert.deepEqual(recorded(a), paths);
    for (const d of [a, b]) {
      await eventually(async () => Object.values(await shown(d, '1.0')).every((v) => v !== null) || undefined, 15_000, 'digests shown');
      for (const [name, sha] of Object.entries(await shown(d, '1.0'))) assert.equal(sha, expected.get(name), `${name} on ${d === a ? 'A' : 'B'}`);
    }
    assert.deepEqual(recorded(b), [], 'B hashed nothing');
    assert.equal(b.lines.some(tookHasher), false, 'B never held the hasher lease');
  });

  it('SIGKILL the holder: the survivor takes over within one lease period and hashes what is left, once', async () => {
    await a.kill();
    const died = Date.now();
    const paths = outside('2.0', 3);
    await b.waitForLog(tookHasher, HASHER_LEASE_PERIOD_MS + 10_000);
    const took = Date.now() - died;
    console.log(`# hasher lease taken over ${took} ms after SIGKILL (period ${HASHER_LEASE_PERIOD_MS} ms)`);
    assert.ok(took <= HASHER_LEASE_PERIOD_MS + 2000, `takeover after ${took} ms`);
    await eventually(async () => recorded(b).length === 3 || undefined, 30_000, 'B hashed the new files');
    assert.deepEqual(recorded(b), paths, 'only the files nobody had hashed');
    await eventually(async () => Object.values(await shown(b, '2.0')).every((v) => v !== null) || undefined, 15_000, 'digests shown');
    for (const [name, sha] of Object.entries(await shown(b, '2.0'))) assert.equal(sha, expected.get(name), name);
    for (const [name, sha] of Object.entries(await shown(b, '1.0'))) assert.equal(sha, expected.get(name), name);
  });
});
