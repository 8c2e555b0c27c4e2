/**
 * The one Redis connection of a process (`coordination.redis`): every call bounded in time, no
 * offline queue (a call while Redis is away fails at once instead of waiting), reconnection
 * forever in the background, and one log line per outage (not per request). Failures reach
 * callers as VfsError EUNAVAIL, which the front ends answer with 503 + Retry-After.
 */
import { Redis, type RedisOptions } from 'ioredis';
import type { Logger } from 'pino';
import { VfsError } from '../vfs/errors.ts';
import type { Secret } from '../config/secret.ts';

/** What {@link createRedisConnection} needs. */
export interface RedisConnectionOptions {
  /** `redis://` or `rediss://` URL, user and password included (a secret: never logged). */
  url: Secret;
  /** Prepended to every key, so several deployments can share one Redis. */
  keyPrefix: string;
  /** Longest wait for one command (and for a connection attempt), ms. */
  commandTimeoutMs: number;
  log: Logger;
  /** Called with true when Redis became reachable, false when an outage starts. */
  onAvailability?: (up: boolean) => void;
}

/** A process's Redis connection. */
export interface RedisConnection {
  /** The ioredis client (commands fail fast while disconnected). */
  readonly client: Redis;
  readonly keyPrefix: string;
  /** Is the connection up right now (last known state)? */
  readonly available: boolean;
  /** Where it connects, without credentials (for logs and /readyz). */
  readonly where: string;
  /**
   * Runs `fn` against the client; any Redis failure (down, timeout, refused) becomes EUNAVAIL
   * and marks an outage (logged once).
   * @throws VfsError EUNAVAIL
   */
  call<T>(fn: (client: Redis) => Promise<T>): Promise<T>;
  /**
   * Waits for the first connection, at most the command timeout (start-up: so the first
   * requests do not fail while it is still being made). @returns whether Redis is up. @throws never
   */
  ready(): Promise<boolean>;
  /** A second connection for SUBSCRIBE (a subscribed connection can do nothing else). @throws never */
  duplicate(): Redis;
  /** Closes the connection(s). Idempotent. @throws never */
  close(): Promise<void>;
}

/** `host:port` of a Redis URL, without user or password. @throws never */
export function redisWhere(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.hostname}:${u.port || '6379'}${u.pathname && u.pathname !== '/' ? u.pathname : ''}`;
  } catch {
    return 'redis (unparseable URL)';
  }
}

/** ioredis options shared by the main and subscriber connections. */
function clientOptions(timeoutMs: number): RedisOptions {
  return {
    commandTimeout: timeoutMs,
    connectTimeout: timeoutMs,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    // Reconnect forever, at most every 2 s: the daemon recovers without a restart.
    retryStrategy: (times: number) => Math.min(100 * times, 2000),
    lazyConnect: false,
  };
}

/**
 * Connects to Redis in the background (the daemon starts even while Redis is down: reads keep working).
 * @throws never (a bad URL only surfaces as an unreachable Redis; the config schema checks the scheme)
 */
export function createRedisConnection(o: RedisConnectionOptions): RedisConnection {
  const where = redisWhere(o.url.reveal());
  const client = new Redis(o.url.reveal(), clientOptions(o.commandTimeoutMs));
  const extra: Redis[] = [];
  let up = false;
  let outage = false;
  let closed = false;
  const markDown = (err: unknown) => {
    up = false;
    if (outage || closed) return;
    outage = true;
    o.log.error({ redis: where, reason: reasonOf(err) }, 'redis unreachable: LOCK, UNLOCK and writes answer 503 until it is back');
    o.onAvailability?.(false);
  };
  // An outage ends when the connection is ready again, or when a call succeeds: a command that
  // timed out on a busy Redis starts an outage without the connection ever dropping, so no
  // 'ready' would follow, and the daemon would count itself cut off (and /readyz say so) forever.
  const markUp = (connected: boolean) => {
    if (closed || (up && !outage)) return;
    up = true;
    if (outage) o.log.info({ redis: where }, 'redis is back: locks and writes work again');
    else if (connected) o.log.info({ redis: where }, 'redis connected');
    outage = false;
    o.onAvailability?.(true);
  };
  client.on('ready', () => markUp(true));
  client.on('error', markDown);
  client.on('close', () => { if (!closed) markDown(new Error('connection closed')); });

  return {
    client,
    keyPrefix: o.keyPrefix,
    get available() { return up; },
    where,
    async call(fn) {
      try {
        const out = await fn(client);
        if (outage && client.status === 'ready') markUp(false);
        return out;
      } catch (e) {
        if (e instanceof VfsError) throw e;
        if (isProgramError(e)) throw new VfsError('EIO', 'the shared lock store (Redis) refused a command', { cause: e });
        markDown(e);
        throw new VfsError('EUNAVAIL', 'the shared lock store (Redis) is unavailable; retry later', { cause: e });
      }
    },
    ready() {
      if (up || closed) return Promise.resolve(up);
      return new Promise((resolve) => {
        const done = () => { clearTimeout(t); client.off('ready', done); resolve(up); };
        const t = setTimeout(done, o.commandTimeoutMs);
        client.on('ready', done);
      });
    },
    duplicate() {
      const d = new Redis(o.url.reveal(), { ...clientOptions(o.commandTimeoutMs), commandTimeout: undefined, enableOfflineQueue: true });
      d.on('error', () => { /* the main connection logs outages */ });
      extra.push(d);
      return d;
    },
    async close() {
      if (closed) return;
      closed = true;
      for (const c of [client, ...extra]) c.disconnect();
    },
  };
}

/** A Redis error reply that is not about availability (a bug, not an outage). */
function isProgramError(e: unknown): boolean {
  return e instanceof Error && e.name === 'ReplyError' && !/^(LOADING|BUSY|READONLY|MASTERDOWN|TRYAGAIN|MISCONF|NOAUTH|WRONGPASS|OOM)\b/.test(e.message);
}

/** A short reason without URLs or credentials. */
function reasonOf(err: unknown): string {
  const code = (err as { code?: unknown })?.code;
  if (typeof code === 'string') return code;
  const msg = err instanceof Error ? err.message : String(err);
  return msg.replace(/rediss?:\/\/\S+/g, 'redis://…').slice(0, 200);
}
