/**
 * One of each background job per deployment: a lease in Redis (`<keyPrefix>lease:<job>`) held by
 * one instance at a time, renewed every third of the lease period and set to expire two thirds of
 * a period after each renewal, so when its holder dies another instance takes over within one
 * period. An instance that cannot renew (Redis away) stops counting itself the holder once its
 * last renewal ran out. The memory lease (one process) is always held.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { RedisConnection } from './redis-connection.ts';

/** A lease on one job. */
export interface JobLease {
  /** Does this instance hold the lease right now? @throws never */
  readonly held: boolean;
  /** Starts acquiring/renewing in the background; resolves after the first attempt. @throws never */
  start(): Promise<void>;
  /** Stops renewing and releases the lease if held. @throws never */
  stop(): Promise<void>;
}

/** The lease of a single process: always held. @throws never */
export function createMemoryLease(): JobLease {
  return { held: true, async start() {}, async stop() {} };
}

/** KEYS[1] lease; ARGV = holder id, ttl ms. Acquires or renews; 1 when this holder has it. */
const ACQUIRE_LUA = `
local cur = redis.call('GET', KEYS[1])
if cur == false then redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) return 1 end
if cur == ARGV[1] then redis.call('PEXPIRE', KEYS[1], ARGV[2]) return 1 end
return 0
`;
/** KEYS[1] lease; ARGV[1] holder id. Releases only our own lease. */
const RELEASE_LUA = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`;

/** Options of {@link createRedisLease}. */
export interface RedisLeaseOptions {
  /** Job name (part of the key). */
  job: string;
  /** Longest time from the holder's death to a takeover, ms. */
  periodMs: number;
  log: Logger;
  now?: () => number;
}

/** A lease in Redis. @throws never */
export function createRedisLease(redis: RedisConnection, o: RedisLeaseOptions): JobLease {
  const id = randomUUID();
  const key = `${redis.keyPrefix}lease:${o.job}`;
  const ttl = Math.max(1, Math.floor((o.periodMs * 2) / 3));
  const every = Math.max(1, Math.floor(o.periodMs / 3));
  const now = o.now ?? Date.now;
  let heldUntil = 0;
  let timer: NodeJS.Timeout | undefined;
  let wasHeld = false;
  const tick = async () => {
    const t0 = now();
    try {
      const got = await redis.call((c) => c.eval(ACQUIRE_LUA, 1, key, id, ttl) as Promise<number>);
      heldUntil = got === 1 ? t0 + ttl : 0;
    } catch { /* Redis away: the lease runs out by itself */ }
    const held = now() < heldUntil;
    if (held !== wasHeld) o.log.info({ job: o.job }, held ? 'lease taken: this instance runs the job' : 'lease lost: another instance runs the job');
    wasHeld = held;
  };
  return {
    get held() { return now() < heldUntil; },
    async start() {
      if (timer) return;
      timer = setInterval(() => void tick(), every);
      timer.unref();
      await tick();
    },
    async stop() {
      clearInterval(timer);
      timer = undefined;
      if (heldUntil > now()) await redis.call((c) => c.eval(RELEASE_LUA, 1, key, id)).catch(() => undefined);
      heldUntil = 0;
    },
  };
}
