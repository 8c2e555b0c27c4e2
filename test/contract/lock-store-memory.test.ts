/** The lock-store contract on the in-memory store, plus what only it does (the metrics callback on expiry). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createLockStore } from '../../src/webdav/locks/lock-store.ts';
import { clock, runLockStoreContract, spec } from './lock-store-contract.ts';

runLockStoreContract({ name: 'memory', create: async (o) => createLockStore(o) });

test('memory: onChange reports the count, expiry included', async () => {
  const c = clock();
  const counts: number[] = [];
  const s = createLockStore({ now: c.now, onChange: (n) => counts.push(n) });
  await s.create(spec({ timeoutSeconds: 10 }));
  c.advance(11);
  assert.equal(await s.size(), 0);
  await s.create(spec({ timeoutSeconds: 10 }));
  assert.deepEqual(counts, [1, 0, 1]);
});
