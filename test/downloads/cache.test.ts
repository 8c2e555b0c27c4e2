/** A category with 1,000 releases renders and serves /dl from the catalog cache: no storage listing per request. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { config, countingBackend, localState, put, tempDir } from '../catalog/helpers.ts';
import type { Backend } from '../../src/vfs/types.ts';
import { get, startServer } from './helpers.ts';

test('1,000 releases: pages, feed, API and /dl list the storage once', async () => {
  const dir = await tempDir('dl-1000');
  await Promise.all(Array.from({ length: 1000 }, (_, i) => put(dir, `v${i}/app-${i}.bin`, `#${i}`, new Date(Date.UTC(2020, 0, 1) + i * 3600_000))));
  let counter: (Backend & { lists: number }) | undefined;
  const state = localState(config({ categories: [{ slug: 'big', directory: dir }] }), { big: dir }, (b) => (counter = countingBackend(b)));
  const srv = await startServer(state);
  try {
    const t0 = performance.now();
    const first = await get(`${srv.base}/big/`);
    const buildMs = performance.now() - t0;
    assert.equal(first.status, 200);
    assert.equal(counter!.lists, 1001, 'one root listing and one per release');
    const t1 = performance.now();
    for (let i = 0; i < 20; i++) assert.equal((await get(`${srv.base}/big/`)).status, 200);
    const cachedMs = (performance.now() - t1) / 20;
    assert.equal((await get(`${srv.base}/big/v500/`)).status, 200);
    assert.equal((await get(`${srv.base}/big/feed.atom`)).status, 200);
    assert.equal((await get(`${srv.base}/api/v1/categories/big/latest`)).status, 200);
    const dl = await get(`${srv.base}/dl/big/v999/app-999.bin`);
    assert.equal(dl.text, '#999');
    assert.equal(counter!.lists, 1001, 'no listing after the first build');
    assert.ok(first.text.indexOf('>v999<') < first.text.indexOf('>v998<'), 'newest first');
    console.log(`# 1,000 releases: first render ${buildMs.toFixed(0)} ms (builds the cache), cached render ${cachedMs.toFixed(1)} ms`);
  } finally {
    await srv.stop();
  }
});
