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
import { createRedisConnection, type RedisConnection } from './redis-connection.ts';

/** Shared state of one process. */
export interface SharedState {
  /** "memory" or "redis". */
  readonly kind: 'memory' | 'redis';
  readonly locks: LockStore;
  /** The Redis connection (undefined in memory mode). */
  readonly redis?: RedisConnection;
  /** Resolves once the shared store answered or its first connection attempt timed out. @throws never */
  ready(): Promise<void>;
  /** Closes connections. Idempotent. @throws never */
  close(): Promise<void>;
}

/** Builds the shared state for `config`. @throws never (Redis connects in the background) */
export function createSharedState(config: Config, deps: { log: Logger; metrics: Metrics }): SharedState {
  const onChange = (n: number) => deps.metrics.locksHeld.set(n);
  const r = config.coordination?.redis;
  if (!r) return { kind: 'memory', locks: createLockStore({ onChange }), ready: async () => {}, close: async () => {} };
  const redis = createRedisConnection({ url: r.url, keyPrefix: r.keyPrefix, commandTimeoutMs: r.timeoutMs, log: deps.log.child({ component: 'redis' }) });
  return {
    kind: 'redis', redis, locks: createRedisLockStore(redis, { onChange }),
    // Not reachable yet: the connection has logged the outage; reads are served meanwhile.
    ready: async () => { await redis.ready(); },
    close: () => redis.close(),
  };
}
