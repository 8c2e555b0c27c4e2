/**
 * The in-memory lock store (one process, no `coordination`): crypto-random tokens, enforced by
 * token (never by user), exclusive and shared scopes, depth 0 / infinity, expiry. The Redis store
 * (redis-lock-store.ts) keeps the same contract for several instances.
 */
import { randomUUID } from 'node:crypto';
import { VfsError } from '../../vfs/errors.ts';
import { isWithin } from '../../vfs/path.ts';
import type { DavLock, LockStore } from '../context.ts';

/** Options of {@link createLockStore} and createRedisLockStore. */
export interface LockStoreOptions {
  /** Clock in ms since epoch (tests inject a fake one). */
  now?: () => number;
  /** Longest timeout granted, seconds (`Infinite` and larger requests are capped to this). Default 3600. */
  maxTimeoutSeconds?: number;
  /** Most active locks at once (a guard against clients flooding the store). Default 100,000. */
  maxLocks?: number;
  /** Called with the number of active locks whenever it changes (metrics gauge). */
  onChange?: (n: number) => void;
}

/** Default and largest lock timeout, seconds. */
export const DEFAULT_MAX_LOCK_TIMEOUT_SECONDS = 3600;
/** Default cap on active locks. */
export const DEFAULT_MAX_LOCKS = 100_000;

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

/** A fresh lock token. @throws never */
export function newLockToken(): string {
  return `opaquelocktoken:${randomUUID()}`;
}

/** A requested timeout clamped to 1..max seconds (`Infinity`, zero and nonsense get the max). @throws never */
export function clampLockTimeout(seconds: number, max: number): number {
  return Number.isFinite(seconds) && seconds > 0 ? Math.min(Math.floor(seconds), max) : max;
}

/** `path` and every ancestor up to the root "". */
function selfAndAncestors(path: string): string[] {
  const out = [path];
  for (let p = path; p !== ''; ) {
    const i = p.lastIndexOf('/');
    p = i < 0 ? '' : p.slice(0, i);
    out.push(p);
  }
  return out;
}

/**
 * Creates an empty in-memory lock store. Methods never reject except as documented on {@link LockStore}
 * (never EUNAVAIL).
 * Locks are indexed by category and root path, so `covering` costs the path depth, not the
 * number of locks (except with descendants). Expired locks are dropped lazily.
 */
export function createLockStore(o: LockStoreOptions = {}): LockStore {
  const now = o.now ?? Date.now;
  const max = Math.max(1, o.maxTimeoutSeconds ?? DEFAULT_MAX_LOCK_TIMEOUT_SECONDS);
  const maxLocks = o.maxLocks ?? DEFAULT_MAX_LOCKS;
  const locks = new Map<string, DavLock>();
  /** category → root path → locks rooted there. */
  const index = new Map<string, Map<string, Set<DavLock>>>();
  let nextExpiry = Infinity;
  let reported = 0;

  const changed = () => {
    if (locks.size !== reported) {
      reported = locks.size;
      o.onChange?.(reported);
    }
  };
  const drop = (l: DavLock) => {
    locks.delete(l.token);
    const byPath = index.get(l.category);
    const set = byPath?.get(l.path);
    set?.delete(l);
    if (set && !set.size) byPath!.delete(l.path);
    if (byPath && !byPath.size) index.delete(l.category);
  };
  const purge = () => {
    const t = now();
    if (t < nextExpiry) return;
    nextExpiry = Infinity;
    for (const l of [...locks.values()]) {
      if (l.expiresAt <= t) drop(l);
      else nextExpiry = Math.min(nextExpiry, l.expiresAt);
    }
    changed();
  };
  const clampTimeout = (s: number) => clampLockTimeout(s, max);

  const covering = (category: string, path: string, includeDescendants = false): DavLock[] => {
    purge();
    const byPath = index.get(category);
    if (!byPath) return [];
    const out: DavLock[] = [];
    for (const a of selfAndAncestors(path)) {
      for (const l of byPath.get(a) ?? []) if (a === path || l.depth === 'infinity') out.push(l);
    }
    if (includeDescendants) {
      for (const [p, set] of byPath) if (p !== path && isWithin(path, p)) out.push(...set);
    }
    return out;
  };

  return {
    async covering(category, path, includeDescendants) {
      return covering(category, path, includeDescendants).map((l) => ({ ...l }));
    },
    async create(spec) {
      // Locks that would overlap the new one: those covering its root, and (depth infinity) those beneath it.
      const overlapping = covering(spec.category, spec.path, spec.depth === 'infinity');
      const conflict = overlapping.find((l) => l.scope === 'exclusive' || spec.scope === 'exclusive');
      if (conflict) throw new VfsError('ELOCKED', 'the resource is locked');
      if (locks.size >= maxLocks) throw new VfsError('ENOSPC', 'too many active locks');
      const timeoutSeconds = clampTimeout(spec.timeoutSeconds);
      const lock: DavLock = { ...spec, timeoutSeconds, token: newLockToken(), expiresAt: now() + timeoutSeconds * 1000 };
      locks.set(lock.token, lock);
      let byPath = index.get(lock.category);
      if (!byPath) index.set(lock.category, (byPath = new Map()));
      let set = byPath.get(lock.path);
      if (!set) byPath.set(lock.path, (set = new Set()));
      set.add(lock);
      nextExpiry = Math.min(nextExpiry, lock.expiresAt);
      changed();
      return { ...lock };
    },
    async refresh(token, timeoutSeconds) {
      purge();
      const lock = locks.get(normalizeToken(token));
      if (!lock) throw new VfsError('EPRECOND', 'no such lock');
      lock.timeoutSeconds = clampTimeout(timeoutSeconds);
      lock.expiresAt = now() + lock.timeoutSeconds * 1000;
      nextExpiry = Math.min(nextExpiry, lock.expiresAt);
      return { ...lock };
    },
    async remove(token) {
      purge();
      const l = locks.get(normalizeToken(token));
      if (l) drop(l);
      changed();
      return !!l;
    },
    async get(token) {
      purge();
      const l = locks.get(normalizeToken(token));
      return l ? { ...l } : undefined;
    },
    async removeTree(category, path) {
      for (const [p, set] of index.get(category) ?? []) if (isWithin(path, p)) for (const l of [...set]) drop(l);
      changed();
    },
    async size() {
      purge();
      return locks.size;
    },
  };
}
