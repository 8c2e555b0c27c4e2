/**
 * The in-memory lock store: crypto-random tokens, enforced by token (never by user),
 * exclusive and shared scopes, depth 0 / infinity, expiry. One instance per process.
 */
import { randomUUID } from 'node:crypto';
import { VfsError } from '../../vfs/errors.ts';
import { isWithin } from '../../vfs/path.ts';
import type { DavLock, LockStore } from '../context.ts';

/** Options of {@link createLockStore}. */
export interface LockStoreOptions {
  /** Clock in ms since epoch (tests inject a fake one). */
  now?: () => number;
  /** Longest timeout granted, seconds (`Infinite` and larger requests are capped to this). Default 3600. */
  maxTimeoutSeconds?: number;
  /** Called with the number of active locks whenever it changes (metrics gauge). */
  onChange?: (n: number) => void;
}

/** Default and largest lock timeout, seconds. */
export const DEFAULT_MAX_LOCK_TIMEOUT_SECONDS = 3600;

/**
 * Canonical form of a client-supplied lock token: surrounding whitespace and one pair of
 * angle brackets removed (Windows sends UNLOCK's Lock-Token without brackets). @throws never
 */
export function normalizeToken(token: string): string {
  const t = token.trim();
  return t.startsWith('<') && t.endsWith('>') ? t.slice(1, -1).trim() : t;
}

/** Does `lock` apply to `path` itself (its root, or an ancestor with depth infinity)? */
export function lockCovers(lock: DavLock, category: string, path: string): boolean {
  if (lock.category !== category) return false;
  if (lock.path === path) return true;
  return lock.depth === 'infinity' && isWithin(lock.path, path);
}

/**
 * Creates an empty lock store. Methods never throw except as documented on {@link LockStore}.
 * Expired locks are dropped lazily on every call.
 */
export function createLockStore(o: LockStoreOptions = {}): LockStore {
  const now = o.now ?? Date.now;
  const max = Math.max(1, o.maxTimeoutSeconds ?? DEFAULT_MAX_LOCK_TIMEOUT_SECONDS);
  const locks = new Map<string, DavLock>();
  let reported = 0;

  const changed = () => {
    if (locks.size !== reported) {
      reported = locks.size;
      o.onChange?.(reported);
    }
  };
  const purge = () => {
    const t = now();
    for (const [k, l] of locks) if (l.expiresAt <= t) locks.delete(k);
    changed();
  };
  const clampTimeout = (s: number) => (Number.isFinite(s) && s > 0 ? Math.min(Math.floor(s), max) : max);

  const covering = (category: string, path: string, includeDescendants = false): DavLock[] => {
    purge();
    const out: DavLock[] = [];
    for (const l of locks.values()) {
      if (lockCovers(l, category, path) || (includeDescendants && l.category === category && isWithin(path, l.path))) out.push(l);
    }
    return out;
  };

  return {
    covering,
    create(spec) {
      // Locks that would overlap the new one: those covering its root, and (depth infinity) those beneath it.
      const overlapping = covering(spec.category, spec.path, spec.depth === 'infinity');
      const conflict = overlapping.find((l) => l.scope === 'exclusive' || spec.scope === 'exclusive');
      if (conflict) throw new VfsError('ELOCKED', 'the resource is locked');
      const timeoutSeconds = clampTimeout(spec.timeoutSeconds);
      const lock: DavLock = { ...spec, timeoutSeconds, token: `opaquelocktoken:${randomUUID()}`, expiresAt: now() + timeoutSeconds * 1000 };
      locks.set(lock.token, lock);
      changed();
      return { ...lock };
    },
    refresh(token, timeoutSeconds) {
      purge();
      const lock = locks.get(normalizeToken(token));
      if (!lock) throw new VfsError('EPRECOND', 'no such lock');
      lock.timeoutSeconds = clampTimeout(timeoutSeconds);
      lock.expiresAt = now() + lock.timeoutSeconds * 1000;
      return { ...lock };
    },
    remove(token) {
      purge();
      const ok = locks.delete(normalizeToken(token));
      changed();
      return ok;
    },
    get(token) {
      purge();
      const l = locks.get(normalizeToken(token));
      return l ? { ...l } : undefined;
    },
    removeTree(category, path) {
      for (const [k, l] of locks) if (l.category === category && isWithin(path, l.path)) locks.delete(k);
      purge();
    },
    size() {
      purge();
      return locks.size;
    },
  };
}
