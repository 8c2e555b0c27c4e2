/**
 * The state that must agree across every instance and worker of a deployment, built once at
 * start-up: in memory without `coordination` (one process, as always), in Redis with
 * `coordination.redis`. Changing `coordination` takes a restart.
 */
import type { Logger } from 'pino';
import type { Config } from '../config/schema.ts';
import type { Metrics } from '../metrics.ts';
import type { LockStore } from '../webdav/context.ts';
import { createLockStore } from '../webdav/locks/lock-store.ts';
import { createRedisLockStore } from '../webdav/locks/redis-lock-store.ts';
import type { RedisConnection } from './redis-connection.ts';
import { startChangeRelay } from './change-relay.ts';
import { startLockoutRelay } from './lockout-relay.ts';
import { sharedDigestKey } from './digest-key.ts';
import type { SharedLockouts } from '../auth/brute-force.ts';
import { createMemoryLease, createRedisLease, type JobLease } from './lease.ts';

import type { ChangeBus, StateProvider } from '../vfs/mount.ts';

/** Longest time from a scanner holder's death to another instance taking over, ms. */
export const SCANNER_LEASE_PERIOD_MS = 15_000;
/** Longest time from the background hasher holder's death to another instance taking over, ms. */
export const HASHER_LEASE_PERIOD_MS = 15_000;

/** Shared state of one process. */
export interface SharedState {
  /** "memory" or "redis". */
  readonly kind: 'memory' | 'redis';
  readonly locks: LockStore;
  /** The Redis connection (undefined in memory mode). */
  readonly redis?: RedisConnection;
  /** The lease on the bleeding-edge scanner (one scanner per deployment; always held in memory mode). */
  readonly scannerLease: JobLease;
  /** The lease on the background hasher (Redis only: one process hashes without one). */
  readonly hasherLease?: JobLease;
  /** Lockouts shared by every instance (Redis only). */
  readonly lockouts?: SharedLockouts;
  /** The Digest nonce key every instance uses (Redis only; set once ready() resolved, if Redis answered). */
  digestKey?: Buffer;
  /** Resolves once the shared store answered or its first connection attempt timed out. @throws never */
  ready(): Promise<void>;
  /** Closes connections. Idempotent. @throws never */
  close(): Promise<void>;
}

/**
 * Builds the shared state for `config`; with Redis, local changes are relayed to the other
 * instances and theirs applied to this one's caches (change-relay.ts). The Redis client library
 * is loaded only then: a daemon without Redis does not carry it (~10 MiB of RSS).
 * @throws never (Redis connects in the background)
 */
export async function createSharedState(config: Config, deps: { log: Logger; metrics: Metrics; bus: ChangeBus; getState: StateProvider }): Promise<SharedState> {
  const onChange = (n: number) => deps.metrics.locksHeld.set(n);
  const r = config.coordination?.redis;
  if (!r) return { kind: 'memory', locks: createLockStore({ onChange }), scannerLease: createMemoryLease(), ready: async () => {}, close: async () => {} };
  const { createRedisConnection } = await import('./redis-connection.ts');
  const redis = createRedisConnection({ url: r.url, keyPrefix: r.keyPrefix, commandTimeoutMs: r.timeoutMs, log: deps.log.child({ component: 'redis' }) });
  const lockouts = startLockoutRelay(redis, deps.log.child({ component: 'brute-force' }));
  const relay = startChangeRelay({ bus: deps.bus, getState: deps.getState, redis, log: deps.log.child({ component: 'change-relay' }), ackTimeoutMs: r.timeoutMs });
  const out: SharedState = {
    kind: 'redis', redis, lockouts, locks: createRedisLockStore(redis, { onChange }),
    scannerLease: createRedisLease(redis, { job: 'bleeding-edge-scanner', periodMs: SCANNER_LEASE_PERIOD_MS, log: deps.log.child({ component: 'lease' }) }),
    hasherLease: createRedisLease(redis, { job: 'hasher', periodMs: HASHER_LEASE_PERIOD_MS, log: deps.log.child({ component: 'lease' }) }),
    // Not reachable yet: the connection has logged the outage; reads are served meanwhile.
    async ready() {
      await redis.ready();
      out.digestKey = await sharedDigestKey(redis, deps.log);
    },
    async close() {
      await out.scannerLease.stop();
      await out.hasherLease?.stop();
      lockouts.close();
      await relay.close();
      await redis.close();
    },
  };
  return out;
}
