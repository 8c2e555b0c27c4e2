/**
 * Per-IP failed-login counter: `maxFailures` failures within `windowSeconds` lock the IP out for
 * `lockoutSeconds`. Memory is bounded (LRU); the window is fixed and starts at the first failure.
 */
import { LRUCache } from 'lru-cache';

/** Limits as configured under `auth.bruteForce`. */
export interface BruteForceLimits { maxFailures: number; windowSeconds: number; lockoutSeconds: number }

interface Record_ { failures: number; windowStart: number; lockedUntil: number }

/** Tracks failures per client address. Methods never throw. */
export class BruteForceGuard {
  readonly #byIp = new LRUCache<string, Record_>({ max: 50_000 });
  readonly #now: () => number;
  constructor(now: () => number = Date.now) { this.#now = now; }

  /** Seconds the IP must still wait (0 = not locked out). @throws never */
  retryAfter(ip: string): number {
    const r = this.#byIp.get(ip);
    if (!r) return 0;
    const left = r.lockedUntil - this.#now();
    return left > 0 ? Math.ceil(left / 1000) : 0;
  }

  /** Counts a failure. @returns true if this failure started a lockout. @throws never */
  fail(ip: string, limits: BruteForceLimits): boolean {
    const now = this.#now();
    let r = this.#byIp.get(ip);
    if (!r || now - r.windowStart > limits.windowSeconds * 1000) {
      r = { failures: 0, windowStart: now, lockedUntil: r?.lockedUntil ?? 0 };
    }
    r.failures++;
    let started = false;
    if (r.failures >= limits.maxFailures && r.lockedUntil <= now) {
      r.lockedUntil = now + limits.lockoutSeconds * 1000;
      r.failures = 0;
      r.windowStart = now;
      started = true;
    }
    this.#byIp.set(ip, r);
    return started;
  }

  /** Forgets the failures of an IP after a successful login (an active lockout stays). @throws never */
  succeed(ip: string): void {
    const r = this.#byIp.get(ip);
    if (r && r.lockedUntil <= this.#now()) this.#byIp.delete(ip);
  }
}
