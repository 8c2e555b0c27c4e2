/** The transfer memory budget: a lone transfer gets its maximum, many share the cap, slow clients shrink, leases return. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createTransferBudget, MIN_CHUNK, SLOW_CLIENT_WINDOW_MS } from '../../src/vfs/transfer-budget.ts';

const MiB = 1024 * 1024;

test('a transfer alone gets its largest chunk; chunks are never above the maximum', () => {
  const b = createTransferBudget(64 * MiB);
  const l = b.open(MiB, 2);
  assert.equal(l.chunkSize(), MiB);
  assert.deepEqual(b.stats(), { capBytes: 64 * MiB, active: 1, heldBytes: 2 * MiB });
  const small = b.open(100, 1);
  assert.equal(small.chunkSize(), 100, 'a maximum below the floor is kept');
  l.close();
  small.close();
  assert.deepEqual(b.stats(), { capBytes: 64 * MiB, active: 0, heldBytes: 0 });
});

test('many transfers share the cap, the first one shrinks when the others arrive and grows back when they leave', () => {
  const b = createTransferBudget(64 * MiB);
  const first = b.open(MiB, 2);
  assert.equal(first.chunkSize(), MiB);
  const others = Array.from({ length: 999 }, () => b.open(MiB, 2));
  for (const o of others) o.chunkSize();
  const shared = first.chunkSize();
  assert.equal(shared, 32 * 1024, '64 MiB / (1000 × 2) rounded down to a power of two');
  assert.ok(b.stats().heldBytes <= 64 * MiB, `held ${b.stats().heldBytes}`);
  for (const o of others) o.close();
  assert.equal(first.chunkSize(), MiB);
  first.close();
  assert.equal(b.stats().heldBytes, 0);
});

test('past cap / MIN_CHUNK transfers each keeps the floor; the overshoot is the floor times the count', () => {
  const b = createTransferBudget(MiB);
  const leases = Array.from({ length: 100 }, () => b.open(MiB, 2));
  for (const l of leases) assert.equal(l.chunkSize(), MIN_CHUNK);
  assert.equal(b.stats().heldBytes, 100 * 2 * MIN_CHUNK);
  for (const l of leases) { l.close(); l.close(); } // idempotent
  assert.deepEqual(b.stats(), { capBytes: MiB, active: 0, heldBytes: 0 });
});

test('a slow client gets what its socket drains in the window; a fast one gets the full size back', () => {
  const b = createTransferBudget(64 * MiB);
  const l = b.open(MiB, 2);
  l.drained(64 * 1024, 100); // 640 bytes/ms → 32 KiB per 50 ms window
  const slow = l.chunkSize();
  assert.ok(slow <= (64 * 1024 / 100) * SLOW_CLIENT_WINDOW_MS && slow >= MIN_CHUNK, `slow chunk ${slow}`);
  l.drained(MiB, 0); // taken at once: the client keeps up again
  assert.equal(l.chunkSize(), MiB);
  l.close();
});

test('a new cap applies at the next chunk; a cap below the floor is refused', () => {
  const b = createTransferBudget(64 * MiB);
  const l = b.open(MiB, 2);
  assert.equal(l.chunkSize(), MiB);
  b.setCap(256 * 1024);
  assert.equal(l.chunkSize(), 128 * 1024);
  assert.throws(() => b.setCap(1000), RangeError);
  assert.throws(() => createTransferBudget(0), RangeError);
  l.close();
});
