import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createLockStore, normalizeToken } from '../../src/webdav/locks/lock-store.ts';
import { isVfsError } from '../../src/vfs/errors.ts';
import type { DavLock } from '../../src/webdav/context.ts';

type Spec = Omit<DavLock, 'token' | 'expiresAt'>;
const spec = (p: Partial<Spec> = {}): Spec => ({ category: 'stable', path: 'a/b', scope: 'exclusive', depth: 'infinity', principal: 'u', timeoutSeconds: 60, ...p });
const clock = () => { let t = 1_000_000; return { now: () => t, advance: (s: number) => { t += s * 1000; } }; };

test('tokens are random opaquelocktoken UUIDs, found with or without brackets', () => {
  const s = createLockStore();
  const a = s.create(spec({ path: 'x' }));
  const b = s.create(spec({ path: 'y' }));
  assert.match(a.token, /^opaquelocktoken:[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  assert.notEqual(a.token, b.token);
  assert.equal(s.get(`<${a.token}>`)?.path, 'x');
  assert.equal(s.get(` ${a.token} `)?.path, 'x');
  assert.equal(normalizeToken(`<${a.token}>`), a.token);
  assert.equal(s.remove(`<${b.token}>`), true);
  assert.equal(s.remove(b.token), false);
  assert.equal(s.size(), 1);
});

test('exclusive conflicts with anything overlapping; shared with shared is fine', () => {
  const s = createLockStore();
  s.create(spec({ path: 'a', depth: 'infinity' }));
  const locked = (e: unknown) => isVfsError(e, 'ELOCKED');
  assert.throws(() => s.create(spec({ path: 'a/b/c', depth: '0' })), locked, 'beneath a depth-infinity lock');
  assert.throws(() => s.create(spec({ path: 'a', scope: 'shared' })), locked, 'shared on an exclusive lock');
  assert.throws(() => s.create(spec({ path: '', depth: 'infinity' })), locked, 'infinity lock above an existing lock');
  s.create(spec({ path: 'b', scope: 'shared' }));
  s.create(spec({ path: 'b', scope: 'shared' }));
  assert.throws(() => s.create(spec({ path: 'b' })), locked, 'exclusive on shared');
  // other categories are independent
  s.create(spec({ category: 'nightly', path: 'a' }));
});

test('depth 0 covers only its root; infinity covers descendants; descendants query', () => {
  const s = createLockStore();
  const z = s.create(spec({ path: 'd0', depth: '0' }));
  s.create(spec({ path: 'd0/child', depth: '0' }));
  assert.equal(s.covering('stable', 'd0').length, 1);
  assert.equal(s.covering('stable', 'd0/child').length, 1);
  assert.equal(s.covering('stable', 'd0', true).length, 2);
  assert.equal(s.covering('stable', 'd0/other').length, 0);
  assert.equal(s.covering('stable', 'd0x', true).length, 0, 'prefix of a name is not an ancestor');
  const inf = s.create(spec({ path: 'tree', depth: 'infinity' }));
  assert.deepEqual(s.covering('stable', 'tree/x/y').map((l) => l.token), [inf.token]);
  assert.equal(s.covering('nightly', 'tree/x/y').length, 0);
  assert.ok(z);
});

test('locks expire; refresh extends them; unknown refresh is EPRECOND', () => {
  const c = clock();
  const counts: number[] = [];
  const s = createLockStore({ now: c.now, onChange: (n) => counts.push(n) });
  const l = s.create(spec({ timeoutSeconds: 10 }));
  c.advance(8);
  const r = s.refresh(`<${l.token}>`, 10);
  assert.equal(r.expiresAt, c.now() + 10_000);
  c.advance(8);
  assert.equal(s.covering('stable', 'a/b').length, 1, 'refreshed lock still active');
  c.advance(3);
  assert.equal(s.covering('stable', 'a/b').length, 0, 'expired');
  assert.equal(s.get(l.token), undefined);
  assert.throws(() => s.refresh(l.token, 10), (e) => isVfsError(e, 'EPRECOND'));
  s.create(spec({ timeoutSeconds: 10 })); // the expired lock no longer conflicts
  assert.deepEqual(counts, [1, 0, 1]);
});

test('timeouts are capped; Infinity and nonsense get the maximum', () => {
  const s = createLockStore({ maxTimeoutSeconds: 100 });
  assert.equal(s.create(spec({ path: '1', timeoutSeconds: 5 })).timeoutSeconds, 5);
  assert.equal(s.create(spec({ path: '2', timeoutSeconds: 5000 })).timeoutSeconds, 100);
  assert.equal(s.create(spec({ path: '3', timeoutSeconds: Infinity })).timeoutSeconds, 100);
  assert.equal(s.create(spec({ path: '4', timeoutSeconds: -1 })).timeoutSeconds, 100);
  assert.equal(createLockStore().create(spec({ timeoutSeconds: Infinity })).timeoutSeconds, 3600);
});

test('removeTree drops the locks of a moved or deleted tree only', () => {
  const s = createLockStore();
  s.create(spec({ path: 't/a', depth: '0' }));
  s.create(spec({ path: 't/b/c', depth: '0' }));
  s.create(spec({ path: 'tx', depth: '0' }));
  s.create(spec({ category: 'nightly', path: 't/a', depth: '0' }));
  s.removeTree('stable', 't');
  assert.equal(s.size(), 2);
  assert.equal(s.covering('stable', 'tx').length, 1);
});

test('returned locks are copies: mutating them does not change the store', () => {
  const s = createLockStore();
  const l = s.create(spec());
  l.path = 'elsewhere';
  assert.equal(s.get(l.token)?.path, 'a/b');
});

test('assertUnlocked: by token only, every exclusive lock, one of the shared ones', async () => {
  const { assertUnlocked } = await import('../../src/webdav/locks/enforce.ts');
  const s = createLockStore();
  const ctx = (tokens: string[]) => ({ locks: s, submittedTokens: tokens }) as unknown as import('../../src/webdav/context.ts').DavContext;
  const locked = (e: unknown) => isVfsError(e, 'ELOCKED');
  const ex = s.create(spec({ path: 'd/f', depth: '0', principal: 'alice' }));
  assert.throws(() => assertUnlocked(ctx([]), 'stable', 'd/f'), locked, 'same user without token');
  assertUnlocked(ctx([ex.token]), 'stable', 'd/f');
  assertUnlocked(ctx([`<${ex.token}>`]), 'stable', 'd/f');
  assertUnlocked(ctx([]), 'stable', 'd');
  assert.throws(() => assertUnlocked(ctx([]), 'stable', 'd', { descendants: true }), locked, 'a locked file beneath');
  const sh1 = s.create(spec({ path: 'sh', depth: 'infinity', scope: 'shared' }));
  const sh2 = s.create(spec({ path: 'sh', depth: 'infinity', scope: 'shared' }));
  assert.throws(() => assertUnlocked(ctx([]), 'stable', 'sh/x'), locked);
  assertUnlocked(ctx([sh2.token]), 'stable', 'sh/x');
  assertUnlocked(ctx([sh1.token]), 'stable', 'sh/x');
  assert.throws(() => assertUnlocked(ctx(['opaquelocktoken:bogus']), 'stable', 'sh/x'), locked);
});

test('assertUnlocked member: a depth-0 lock on the folder guards adding/removing members only', async () => {
  const { assertUnlocked } = await import('../../src/webdav/locks/enforce.ts');
  const s = createLockStore();
  const ctx = (tokens: string[]) => ({ locks: s, submittedTokens: tokens }) as unknown as import('../../src/webdav/context.ts').DavContext;
  const locked = (e: unknown) => isVfsError(e, 'ELOCKED');
  const l = s.create(spec({ path: 'folder', depth: '0' }));
  assertUnlocked(ctx([]), 'stable', 'folder/existing.txt', {}); // changing a member's content is no membership change
  assert.throws(() => assertUnlocked(ctx([]), 'stable', 'folder/new.txt', { member: true }), locked);
  assertUnlocked(ctx([l.token]), 'stable', 'folder/new.txt', { member: true });
  assertUnlocked(ctx([]), 'stable', 'folder/sub/new.txt', { member: true }); // not a direct member
  assertUnlocked(ctx([]), 'stable', 'other/new.txt', { member: true });
});

test('maxLocks caps the store (ENOSPC) until a lock goes away', () => {
  const s = createLockStore({ maxLocks: 2 });
  const a = s.create(spec({ path: '1' }));
  s.create(spec({ path: '2' }));
  assert.throws(() => s.create(spec({ path: '3' })), (e) => isVfsError(e, 'ENOSPC'));
  s.remove(a.token);
  s.create(spec({ path: '3' }));
});

test('covering with many locks stays fast (indexed by path)', () => {
  const s = createLockStore({ maxLocks: 200_000 });
  for (let i = 0; i < 50_000; i++) s.create(spec({ path: `dir${i % 100}/f${i}`, depth: '0' }));
  const t0 = performance.now();
  for (let i = 0; i < 10_000; i++) s.covering('stable', `dir${i % 100}/f${i}`);
  const ms = performance.now() - t0;
  assert.ok(ms < 1000, `10k lookups among 50k locks took ${ms.toFixed(0)} ms`);
  assert.equal(s.covering('stable', 'dir7/f7').length, 1);
  assert.equal(s.covering('stable', 'dir7', true).length, 500);
});
