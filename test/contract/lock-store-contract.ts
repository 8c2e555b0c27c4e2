/**
 * The lock-store contract: the same cases for every LockStore (memory, Redis). A target builds a
 * fresh, empty store per case; `now` is a clock the case can move forward.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { normalizeToken, type LockStoreOptions } from '../../src/webdav/locks/lock-store.ts';
import { assertUnlocked } from '../../src/webdav/locks/enforce.ts';
import { isVfsError } from '../../src/vfs/errors.ts';
import type { DavContext, DavLock, LockStore } from '../../src/webdav/context.ts';

export interface LockStoreTarget {
  name: string;
  /** Why the suite cannot run here (shown as the skip reason), or false. */
  skip?: string | false;
  /** A fresh, empty store. */
  create(o: LockStoreOptions): Promise<LockStore>;
}

type Spec = Omit<DavLock, 'token' | 'expiresAt'>;
/** A lock request with defaults (exclusive, depth infinity, 60 s on stable/a/b). */
export const spec = (p: Partial<Spec> = {}): Spec => ({ category: 'stable', path: 'a/b', scope: 'exclusive', depth: 'infinity', principal: 'u', timeoutSeconds: 60, ...p });
/** A clock that stands still at the real time of its creation and moves only when told. */
export const clock = () => {
  let t = Date.now();
  return { now: () => t, advance: (s: number) => { t += s * 1000; } };
};
const locked = (e: unknown) => isVfsError(e, 'ELOCKED');
const ctxOf = (s: LockStore) => (tokens: string[]) => ({ locks: s, submittedTokens: tokens }) as unknown as DavContext;

/** Registers the suite for `t`. */
export function runLockStoreContract(t: LockStoreTarget): void {
  describe(`lock store contract: ${t.name}`, { skip: t.skip || undefined }, () => {
    it('tokens are random opaquelocktoken UUIDs, found with or without brackets', async () => {
      const s = await t.create({});
      const a = await s.create(spec({ path: 'x' }));
      const b = await s.create(spec({ path: 'y' }));
      assert.match(a.token, /^opaquelocktoken:[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      assert.notEqual(a.token, b.token);
      assert.equal((await s.get(`<${a.token}>`))?.path, 'x');
      assert.equal((await s.get(` ${a.token} `))?.path, 'x');
      assert.equal(normalizeToken(`<${a.token}>`), a.token);
      assert.equal(await s.remove(`<${b.token}>`), true);
      assert.equal(await s.remove(b.token), false);
      assert.equal(await s.get(b.token), undefined);
      assert.equal(await s.size(), 1);
    });

    it('a lock comes back as created: owner, principal, lock-null flag, scope, depth, timeout', async () => {
      const c = clock();
      const s = await t.create({ now: c.now });
      const l = await s.create(spec({ path: 'n/ü x.txt', ownerXml: '<D:href>mailto:a@b</D:href>', principal: 'alice', lockNull: true, depth: '0', scope: 'shared', timeoutSeconds: 30 }));
      assert.equal(l.expiresAt, c.now() + 30_000);
      for (const got of [await s.get(l.token), (await s.covering('stable', 'n/ü x.txt'))[0]]) {
        assert.deepEqual(got, l);
      }
      const plain = await s.create(spec({ path: 'p' }));
      assert.equal(plain.ownerXml, undefined);
      assert.equal(plain.lockNull, undefined);
      assert.deepEqual(await s.get(plain.token), plain);
    });

    it('exclusive conflicts with anything overlapping; shared with shared is fine', async () => {
      const s = await t.create({});
      await s.create(spec({ path: 'a', depth: 'infinity' }));
      await assert.rejects(s.create(spec({ path: 'a/b/c', depth: '0' })), locked, 'beneath a depth-infinity lock');
      await assert.rejects(s.create(spec({ path: 'a', scope: 'shared' })), locked, 'shared on an exclusive lock');
      await assert.rejects(s.create(spec({ path: '', depth: 'infinity' })), locked, 'infinity lock above an existing lock');
      await s.create(spec({ path: '', depth: '0' })); // a depth-0 lock above does not overlap
      await s.create(spec({ path: 'b', scope: 'shared' }));
      await s.create(spec({ path: 'b', scope: 'shared' }));
      await assert.rejects(s.create(spec({ path: 'b' })), locked, 'exclusive on shared');
      await assert.rejects(s.create(spec({ path: 'b/c/d', depth: '0' })), locked, 'exclusive beneath shared infinity');
      await s.create(spec({ path: 'b/c/d', depth: '0', scope: 'shared' }));
      await s.create(spec({ category: 'nightly', path: 'a' })); // other categories are independent
      await s.create(spec({ path: 'ab' })); // a name prefix is no ancestor
    });

    it('depth 0 covers only its root; infinity covers descendants; descendants query', async () => {
      const s = await t.create({});
      await s.create(spec({ path: 'd0', depth: '0' }));
      await s.create(spec({ path: 'd0/child', depth: '0' }));
      assert.equal((await s.covering('stable', 'd0')).length, 1);
      assert.equal((await s.covering('stable', 'd0/child')).length, 1);
      assert.equal((await s.covering('stable', 'd0', true)).length, 2);
      assert.equal((await s.covering('stable', 'd0/other')).length, 0);
      assert.equal((await s.covering('stable', 'd0x', true)).length, 0, 'prefix of a name is not an ancestor');
      const inf = await s.create(spec({ path: 'tree', depth: 'infinity' }));
      assert.deepEqual((await s.covering('stable', 'tree/x/y')).map((l) => l.token), [inf.token]);
      assert.equal((await s.covering('nightly', 'tree/x/y')).length, 0);
      const root = await s.create(spec({ category: 'nightly', path: '', depth: 'infinity', scope: 'shared' }));
      assert.deepEqual((await s.covering('nightly', 'deep/er/file')).map((l) => l.token), [root.token], 'a lock on the category root');
      assert.equal((await s.covering('stable', '', true)).length, 3, 'every lock of the category beneath its root');
    });

    it('locks expire; refresh extends them; unknown or expired refresh is EPRECOND', async () => {
      const c = clock();
      const s = await t.create({ now: c.now });
      const l = await s.create(spec({ timeoutSeconds: 10 }));
      c.advance(8);
      const r = await s.refresh(`<${l.token}>`, 10);
      assert.equal(r.expiresAt, c.now() + 10_000);
      assert.equal(r.timeoutSeconds, 10);
      c.advance(8);
      assert.equal((await s.covering('stable', 'a/b')).length, 1, 'refreshed lock still active');
      c.advance(3);
      assert.equal((await s.covering('stable', 'a/b')).length, 0, 'expired');
      assert.equal((await s.covering('stable', 'a', true)).length, 0, 'expired, seen from above');
      assert.equal(await s.get(l.token), undefined);
      assert.equal(await s.size(), 0);
      await assert.rejects(s.refresh(l.token, 10), (e) => isVfsError(e, 'EPRECOND'));
      await assert.rejects(s.refresh('opaquelocktoken:nope', 10), (e) => isVfsError(e, 'EPRECOND'));
      assert.equal(await s.remove(l.token), false, 'an expired lock is no lock');
      await s.create(spec({ timeoutSeconds: 10 })); // the expired lock no longer conflicts
    });

    it('timeouts are capped; Infinity and nonsense get the maximum', async () => {
      const s = await t.create({ maxTimeoutSeconds: 100 });
      assert.equal((await s.create(spec({ path: '1', timeoutSeconds: 5 }))).timeoutSeconds, 5);
      assert.equal((await s.create(spec({ path: '2', timeoutSeconds: 5000 }))).timeoutSeconds, 100);
      assert.equal((await s.create(spec({ path: '3', timeoutSeconds: Infinity }))).timeoutSeconds, 100);
      assert.equal((await s.create(spec({ path: '4', timeoutSeconds: -1 }))).timeoutSeconds, 100);
      const r = await s.refresh((await s.create(spec({ path: '5', timeoutSeconds: 1 }))).token, Infinity);
      assert.equal(r.timeoutSeconds, 100);
      assert.equal((await (await t.create({})).create(spec({ timeoutSeconds: Infinity }))).timeoutSeconds, 3600);
    });

    it('removeTree drops the locks of a moved or deleted tree only', async () => {
      const s = await t.create({});
      await s.create(spec({ path: 't/a', depth: '0' }));
      await s.create(spec({ path: 't/b/c', depth: '0' }));
      await s.create(spec({ path: 't', depth: '0' }));
      await s.create(spec({ path: 'tx', depth: '0' }));
      await s.create(spec({ category: 'nightly', path: 't/a', depth: '0' }));
      await s.removeTree('stable', 't');
      assert.equal(await s.size(), 2);
      assert.equal((await s.covering('stable', 'tx')).length, 1);
      assert.equal((await s.covering('stable', '', true)).length, 1);
      await s.create(spec({ path: 't/b/c' })); // nothing left there
    });

    it('returned locks are copies: mutating them does not change the store', async () => {
      const s = await t.create({});
      const l = await s.create(spec());
      l.path = 'elsewhere';
      (await s.covering('stable', 'a/b'))[0]!.path = 'elsewhere';
      assert.equal((await s.get(l.token))?.path, 'a/b');
    });

    it('lock-null resources: the flag is kept and the lock behaves like any other', async () => {
      const s = await t.create({});
      const l = await s.create(spec({ path: 'new.txt', depth: '0', lockNull: true }));
      assert.equal((await s.get(l.token))?.lockNull, true);
      await assert.rejects(s.create(spec({ path: 'new.txt', depth: '0' })), locked);
      assert.equal(await s.remove(l.token), true);
      assert.equal((await s.covering('stable', 'new.txt')).length, 0);
    });

    it('maxLocks caps the store (ENOSPC) until a lock goes away or expires', async () => {
      const c = clock();
      const s = await t.create({ maxLocks: 2, now: c.now });
      const a = await s.create(spec({ path: '1' }));
      await s.create(spec({ path: '2', timeoutSeconds: 5 }));
      await assert.rejects(s.create(spec({ path: '3' })), (e) => isVfsError(e, 'ENOSPC'));
      await s.remove(a.token);
      await s.create(spec({ path: '3' }));
      await assert.rejects(s.create(spec({ path: '4' })), (e) => isVfsError(e, 'ENOSPC'));
      c.advance(6);
      await s.create(spec({ path: '4' }));
    });

    it('assertUnlocked: by token only, every exclusive lock, one of the shared ones', async () => {
      const s = await t.create({});
      const ctx = ctxOf(s);
      const ex = await s.create(spec({ path: 'd/f', depth: '0', principal: 'alice' }));
      await assert.rejects(assertUnlocked(ctx([]), 'stable', 'd/f'), locked, 'same user without token');
      await assertUnlocked(ctx([ex.token]), 'stable', 'd/f');
      await assertUnlocked(ctx([`<${ex.token}>`]), 'stable', 'd/f');
      await assertUnlocked(ctx([]), 'stable', 'd');
      await assert.rejects(assertUnlocked(ctx([]), 'stable', 'd', { descendants: true }), locked, 'a locked file beneath');
      const sh1 = await s.create(spec({ path: 'sh', depth: 'infinity', scope: 'shared' }));
      const sh2 = await s.create(spec({ path: 'sh', depth: 'infinity', scope: 'shared' }));
      await assert.rejects(assertUnlocked(ctx([]), 'stable', 'sh/x'), locked);
      await assertUnlocked(ctx([sh2.token]), 'stable', 'sh/x');
      await assertUnlocked(ctx([sh1.token]), 'stable', 'sh/x');
      await assert.rejects(assertUnlocked(ctx(['opaquelocktoken:bogus']), 'stable', 'sh/x'), locked);
    });

    it('assertUnlocked member: a depth-0 lock on the folder guards adding/removing members only', async () => {
      const s = await t.create({});
      const ctx = ctxOf(s);
      const l = await s.create(spec({ path: 'folder', depth: '0' }));
      await assertUnlocked(ctx([]), 'stable', 'folder/existing.txt', {}); // changing a member's content is no membership change
      await assert.rejects(assertUnlocked(ctx([]), 'stable', 'folder/new.txt', { member: true }), locked);
      await assertUnlocked(ctx([l.token]), 'stable', 'folder/new.txt', { member: true });
      await assertUnlocked(ctx([]), 'stable', 'folder/sub/new.txt', { member: true }); // not a direct member
      await assertUnlocked(ctx([]), 'stable', 'other/new.txt', { member: true });
    });

    it('concurrent creates of one exclusive lock: exactly one wins', async () => {
      const s = await t.create({});
      const results = await Promise.allSettled(Array.from({ length: 20 }, () => s.create(spec({ path: 'race' }))));
      assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
      assert.ok(results.every((r) => r.status === 'fulfilled' || locked(r.reason)));
    });

    it('covering cost follows the path depth, not the number of locks', async () => {
      const s = await t.create({ maxLocks: 200_000 });
      const n = 10_000;
      for (let i = 0; i < n; i += 200) {
        await Promise.all(Array.from({ length: 200 }, (_, k) => s.create(spec({ path: `dir${(i + k) % 100}/f${i + k}`, depth: '0' }))));
      }
      const t0 = performance.now();
      for (let i = 0; i < 2000; i += 50) await Promise.all(Array.from({ length: 50 }, (_, k) => s.covering('stable', `dir${(i + k) % 100}/f${i + k}`)));
      const ms = performance.now() - t0;
      assert.ok(ms < 3000, `2k lookups among ${n} locks took ${ms.toFixed(0)} ms`);
      assert.equal((await s.covering('stable', 'dir7/f7')).length, 1);
      assert.equal((await s.covering('stable', 'dir7', true)).length, n / 100);
    });
  });
}
