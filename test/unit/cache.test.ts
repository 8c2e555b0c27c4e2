/** The metadata cache over a real local backend, counting what reaches the backend. */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { createLocalBackend } from '../../src/backends/local.ts';
import { createMetrics } from '../../src/metrics.ts';
import { withCache } from '../../src/vfs/cache.ts';
import { listPages } from '../../src/vfs/list-pages.ts';
import { isVfsError } from '../../src/vfs/errors.ts';
import type { Backend } from '../../src/vfs/types.ts';

/** Wraps a backend so the test sees how many stat/list calls (list or listPages) get through. */
function counted(b: Backend) {
  const calls = { stat: 0, list: 0 };
  const wrapped: Backend = {
    ...b,
    caps: b.caps,
    description: b.description,
    stat: (p) => { calls.stat++; return b.stat(p); },
    list: (p, o) => { calls.list++; return b.list(p, o); },
  };
  if (b.listPages) wrapped.listPages = (p, o) => { calls.list++; return b.listPages!(p, o); };
  return { wrapped, calls };
}

const put = (b: Backend, p: string, s: string) => b.write(p, Readable.from([Buffer.from(s)]));
const listNames = async (b: Backend, p: string) => {
  const out: string[] = [];
  for await (const e of b.list(p)) out.push(e.path);
  return out.sort();
};
const pageNames = async (b: Backend, p: string) => {
  const out: string[] = [];
  for await (const page of listPages(b, p)) {
    assert.ok(page.length > 0, 'no empty page');
    for (const e of page) out.push(e.path);
  }
  return out.sort();
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('withCache', () => {
  let root: string;
  let raw: Backend;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'rdav-cache-'));
    raw = createLocalBackend(root);
  });
  afterEach(() => rm(root, { recursive: true, force: true }));

  it('serves repeated stats from the cache and counts hits and misses', async () => {
    await put(raw, 'a.txt', 'aaa');
    const { wrapped, calls } = counted(raw);
    const metrics = createMetrics({ defaultMetrics: false });
    const c = withCache(wrapped, { ttlMs: 60_000, max: 100, metrics });
    assert.equal((await c.stat('a.txt')).size, 3);
    assert.equal((await c.stat('a.txt')).size, 3);
    assert.equal(calls.stat, 1);
    const m = await metrics.cacheLookups.get();
    const v = (r: string) => m.values.find((x) => x.labels.result === r)?.value;
    assert.equal(v('hit'), 1);
    assert.equal(v('miss'), 1);
  });

  it('caches listings and primes stats from them', async () => {
    await put(raw, 'x.txt', 'x');
    await put(raw, 'y.txt', 'yy');
    const { wrapped, calls } = counted(raw);
    const c = withCache(wrapped, { ttlMs: 60_000, max: 100 });
    assert.deepEqual(await listNames(c, ''), ['x.txt', 'y.txt']);
    assert.deepEqual(await listNames(c, ''), ['x.txt', 'y.txt']);
    assert.equal(calls.list, 1);
    assert.equal((await c.stat('y.txt')).size, 2);
    assert.equal(calls.stat, 0);
  });

  it('lists page-wise the same entries as list, from the store and from the cache, one cached listing for both', async () => {
    for (let i = 0; i < 5; i++) await put(raw, `p${i}.txt`, 'x'.repeat(i));
    const { wrapped, calls } = counted(raw);
    const c = withCache(wrapped, { ttlMs: 60_000, max: 100 });
    const want = ['p0.txt', 'p1.txt', 'p2.txt', 'p3.txt', 'p4.txt'];
    assert.deepEqual(await pageNames(c, ''), want, 'from the store');
    assert.deepEqual(await pageNames(c, ''), want, 'from the cache');
    assert.deepEqual(await listNames(c, ''), want, 'list from the listing cached by listPages');
    assert.equal(calls.list, 1);
    assert.equal((await c.stat('p3.txt')).size, 3);
    assert.equal(calls.stat, 0, 'stats primed by the page-wise listing');
    await put(c, 'p5.txt', 'y');
    assert.deepEqual(await pageNames(c, ''), [...want, 'p5.txt'], 'a write through the cache drops the listing');
    assert.equal(calls.list, 2);
    c.forget!('', false);
    assert.deepEqual(await pageNames(c, ''), [...want, 'p5.txt']);
    assert.equal(calls.list, 3, 'forget() drops it too');
  });

  it('does not cache a page-wise listing longer than maxListingEntries', async () => {
    for (let i = 0; i < 6; i++) await put(raw, `m${i}`, 'x');
    const { wrapped, calls } = counted(raw);
    const c = withCache(wrapped, { ttlMs: 60_000, max: 100, maxListingEntries: 5 });
    assert.equal((await pageNames(c, '')).length, 6);
    assert.equal((await pageNames(c, '')).length, 6);
    assert.equal(calls.list, 2);
  });

  it('keeps a listing as large as the cache (its stats never evict it)', async () => {
    for (let i = 0; i < 8; i++) await put(raw, `n${i}`, 'x');
    const { wrapped, calls } = counted(raw);
    const c = withCache(wrapped, { ttlMs: 60_000, max: 8 });
    assert.equal((await listNames(c, '')).length, 8);
    assert.equal((await listNames(c, '')).length, 8);
    assert.equal(calls.list, 1, 'second listing from the cache');
  });

  it('does not cache a listing read only partly', async () => {
    await put(raw, 'x.txt', 'x');
    await put(raw, 'y.txt', 'y');
    const { wrapped, calls } = counted(raw);
    const c = withCache(wrapped, { ttlMs: 60_000, max: 100 });
    for await (const _ of c.list('')) break;
    assert.deepEqual(await listNames(c, ''), ['x.txt', 'y.txt']);
    assert.equal(calls.list, 2);
  });

  it('invalidates on writes made through it', async () => {
    const c = withCache(raw, { ttlMs: 60_000, max: 100 });
    await c.mkdir('d');
    assert.deepEqual(await listNames(c, 'd'), []);
    await assert.rejects(c.stat('d/f.txt'), (e: unknown) => isVfsError(e, 'ENOENT'));
    await put(c, 'd/f.txt', 'one');
    assert.equal((await c.stat('d/f.txt')).size, 3, 'negative entry dropped');
    assert.deepEqual(await listNames(c, 'd'), ['d/f.txt'], 'parent listing dropped');
    await put(c, 'd/f.txt', 'three');
    assert.equal((await c.stat('d/f.txt')).size, 5);
  });

  it('invalidates whole subtrees on move, copy and remove', async () => {
    const c = withCache(raw, { ttlMs: 60_000, max: 100 });
    await c.mkdir('src');
    await c.mkdir('src/sub');
    await put(c, 'src/sub/f.txt', 'f');
    assert.equal((await c.stat('src/sub/f.txt')).size, 1);
    assert.deepEqual(await listNames(c, 'src/sub'), ['src/sub/f.txt']);
    await assert.rejects(c.stat('dst/sub/f.txt'), (e: unknown) => isVfsError(e, 'ENOENT'));
    await c.copy('src', 'dst');
    assert.equal((await c.stat('dst/sub/f.txt')).size, 1);
    await c.move('src', 'moved');
    await assert.rejects(c.stat('src/sub/f.txt'), (e: unknown) => isVfsError(e, 'ENOENT'));
    await assert.rejects(listNames(c, 'src/sub'), (e: unknown) => isVfsError(e, 'ENOENT'));
    assert.deepEqual(await listNames(c, 'moved/sub'), ['moved/sub/f.txt']);
    await c.remove('moved', { recursive: true });
    await assert.rejects(c.stat('moved/sub/f.txt'), (e: unknown) => isVfsError(e, 'ENOENT'));
    assert.deepEqual(await listNames(c, ''), ['dst']);
  });

  it('sees outside changes after the TTL, and "not found" sooner', async () => {
    const c = withCache(raw, { ttlMs: 300, max: 100, negativeTtlMs: 50 });
    await put(raw, 'o.txt', 'old');
    assert.equal((await c.stat('o.txt')).size, 3);
    await assert.rejects(c.stat('new.txt'), (e: unknown) => isVfsError(e, 'ENOENT'));
    await writeFile(join(root, 'o.txt'), 'changed outside');
    await writeFile(join(root, 'new.txt'), 'n');
    assert.equal((await c.stat('o.txt')).size, 3, 'still cached');
    await sleep(80);
    assert.equal((await c.stat('new.txt')).size, 1, 'negative entry expired');
    await sleep(300);
    assert.equal((await c.stat('o.txt')).size, 15, 'positive entry expired');
  });

  it('stays within max entries', async () => {
    const { wrapped, calls } = counted(raw);
    const c = withCache(wrapped, { ttlMs: 60_000, max: 3 });
    for (let i = 0; i < 5; i++) await put(raw, `f${i}`, 'x');
    for (let i = 0; i < 5; i++) await c.stat(`f${i}`);
    calls.stat = 0;
    await c.stat('f0'); // evicted long ago
    assert.equal(calls.stat, 1);
    await c.stat('f4'); // recent
    assert.equal(calls.stat, 1);
  });

  it('passes through when ttl is 0', async () => {
    const { wrapped } = counted(raw);
    assert.equal(withCache(wrapped, { ttlMs: 0, max: 10 }), wrapped);
  });
});
