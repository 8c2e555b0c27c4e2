/**
 * Per-IP failed-login counter: `maxFailures` failures within `windowSeconds` lock the IP out for
 * `lockoutSeconds`. Memory is bounded (LRU); the window is fixed and starts at the first failure.
 */
import { LRUCache } from 'lru-cache';
import type { LoginFailureTally } from './login-failures.ts';

/** Limits as configured under `auth.bruteForce`. */
export interface BruteForceLimits { maxFailures: number; windowSeconds: number; lockoutSeconds: number }

interface Record_ { failures: number; windowStart: number; lockedUntil: number }

/**
 * Failures shared with other instances: every failure and success also goes to `tally`; a lockout
 * the tally decides is `announce`d, and lockouts announced anywhere reach {@link BruteForceGuard.lockUntil}
 * of every guard through `subscribe`.
 */
export interface SharedLockouts {
  tally: LoginFailureTally;
  announce(ip: string, untilMs: number): void;
  subscribe(onLockout: (ip: string, untilMs: number) => void): void;
}

/** Tracks failures per client address. Methods never throw. */
export class BruteForceGuard {
  readonly #byIp = new LRUCache<string, Record_>({ max: 50_000 });
  readonly #now: () => number;
  readonly #shared?: SharedLockouts;
  constructor(now: () => number = Date.now, shared?: SharedLockouts) {
    this.#now = now;
    this.#shared = shared;
    shared?.subscribe((ip, until) => this.lockUntil(ip, until));
  }

  /** Locks `ip` out until `untilMs` (a lockout decided by the shared tally). @throws never */
  lockUntil(ip: string, untilMs: number): void {
    const r = this.#byIp.get(ip) ?? { failures: 0, windowStart: this.#now(), lockedUntil: 0 };
    if (untilMs > r.lockedUntil) r.lockedUntil = untilMs;
    this.#byIp.set(ip, r);
  }

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
    // Shared: counted in total; the lockout reaches every instance when the tally decides it.
    this.#shared?.tally.add(ip, limits).then((until) => { if (until > 0) this.#shared!.announce(ip, until); }, () => { /* Redis away: local counting still guards */ });
    return started;
  }

  /** Forgets the failures of an IP after a successful login (an active lockout stays). @throws never */
  succeed(ip: string): void {
    const r = this.#byIp.get(ip);
    if (!r) return; // nothing counted here: no round trip per request (other instances' counts expire with their window)
    this.#shared?.tally.clear(ip).catch(() => { /* Redis away */ });
    if (r && r.lockedUntil <= this.#now()) this.#byIp.delete(ip);
  }
}
