/**
 * Failed-login counts that every instance adds to, so an address gets `maxFailures` guesses in
 * all, not per instance. Two implementations of {@link LoginFailureTally}: memory (one process)
 * and Redis (an atomic Lua script per failure). The tally decides lockouts; the per-process
 * BruteForceGuard enforces them without a round trip (see shareLockouts in brute-force.ts).
 */
import type { Redis } from 'ioredis';
import type { RedisConnection } from '../coordination/redis-connection.ts';
import type { BruteForceLimits } from './brute-force.ts';

/** Failure counts per client address. */
export interface LoginFailureTally {
  /**
   * Counts one failure of `ip`. @returns the end of the lockout (ms since epoch) when this failure
   * reached `maxFailures` within the window, else 0.
   * @throws VfsError EUNAVAIL (Redis implementation, Redis unreachable)
   */
  add(ip: string, limits: BruteForceLimits): Promise<number>;
  /** Forgets the failures of `ip` after a successful login (a running lockout stays). @throws as add */
  clear(ip: string): Promise<void>;
}

/** In-process tally (same rule as the guard: a fixed window from the first failure). @throws never */
export function createMemoryFailureTally(now: () => number = Date.now): LoginFailureTally {
  const byIp = new Map<string, { failures: number; windowStart: number; lockedUntil: number }>();
  return {
    async add(ip, l) {
      const t = now();
      let r = byIp.get(ip);
      if (!r || t - r.windowStart > l.windowSeconds * 1000) r = { failures: 0, windowStart: t, lockedUntil: r?.lockedUntil ?? 0 };
      r.failures++;
      let until = 0;
      if (r.failures >= l.maxFailures && r.lockedUntil <= t) {
        until = r.lockedUntil = t + l.lockoutSeconds * 1000;
        r.failures = 0;
        r.windowStart = t;
      }
      byIp.set(ip, r);
      if (byIp.size > 50_000) byIp.delete(byIp.keys().next().value!);
      return until;
    },
    async clear(ip) {
      const r = byIp.get(ip);
      if (r && r.lockedUntil <= now()) byIp.delete(ip);
    },
  };
}

/** KEYS[1] = the address's hash; ARGV = now, window ms, max failures, lockout ms. Returns the lockout end or 0. */
const ADD_LUA = `
local now, win, max, lock = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local r = redis.call('HMGET', KEYS[1], 'failures', 'windowStart', 'lockedUntil')
local failures, start, locked = tonumber(r[1]) or 0, tonumber(r[2]) or now, tonumber(r[3]) or 0
if r[1] == false or now - start > win then failures, start = 0, now end
failures = failures + 1
local untilMs = 0
if failures >= max and locked <= now then
  untilMs = now + lock; locked = untilMs; failures = 0; start = now
end
redis.call('HSET', KEYS[1], 'failures', failures, 'windowStart', start, 'lockedUntil', locked)
local keep = math.max(start + win, locked) - now
if keep < 1 then keep = 1 end
redis.call('PEXPIRE', KEYS[1], keep)
return untilMs
`;
/** KEYS[1]; ARGV[1] = now. Deletes unless locked out. */
const CLEAR_LUA = `
local locked = tonumber(redis.call('HGET', KEYS[1], 'lockedUntil')) or 0
if locked <= tonumber(ARGV[1]) then redis.call('DEL', KEYS[1]) end
return 0
`;

/** Redis tally (keys `<prefix>login-failures:<ip>`, expiring with their window or lockout). @throws never */
export function createRedisFailureTally(redis: RedisConnection, now: () => number = Date.now): LoginFailureTally {
  const key = (ip: string) => `${redis.keyPrefix}login-failures:${ip}`;
  const run = (c: Redis, lua: string, k: string, ...argv: (string | number)[]) => c.eval(lua, 1, k, ...argv) as Promise<number>;
  return {
    add: (ip, l) => redis.call((c) => run(c, ADD_LUA, key(ip), now(), l.windowSeconds * 1000, l.maxFailures, l.lockoutSeconds * 1000)),
    clear: async (ip) => { await redis.call((c) => run(c, CLEAR_LUA, key(ip), now())); },
  };
}
