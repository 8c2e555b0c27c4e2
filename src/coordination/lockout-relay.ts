/**
 * Brute-force lockouts that hold on every instance: failures are counted in Redis
 * (login-failures.ts); a lockout decided there is published on `<keyPrefix>lockouts` and applied
 * by every guard of every instance, so checking an address costs no round trip.
 */
import type { Logger } from 'pino';
import type { SharedLockouts } from '../auth/brute-force.ts';
import { createRedisFailureTally } from '../auth/login-failures.ts';
import type { RedisConnection } from './redis-connection.ts';

/** Shared lockouts over `redis`, plus a close(). @throws never */
export function startLockoutRelay(redis: RedisConnection, log: Logger): SharedLockouts & { close(): void } {
  const channel = `${redis.keyPrefix}lockouts`;
  const listeners: ((ip: string, until: number) => void)[] = [];
  const deliver = (ip: string, until: number) => { for (const l of listeners) l(ip, until); };
  const sub = redis.duplicate();
  sub.on('message', (ch: string, text: string) => {
    if (ch !== channel) return;
    try {
      const m = JSON.parse(text) as { ip?: unknown; until?: unknown };
      if (typeof m.ip === 'string' && typeof m.until === 'number') deliver(m.ip, m.until);
    } catch { /* not ours */ }
  });
  sub.subscribe(channel).catch((err) => log.debug({ err }, 'lockout relay: subscribe failed; retrying on reconnect'));
  return {
    tally: createRedisFailureTally(redis),
    announce(ip, until) {
      deliver(ip, until);
      log.warn({ ip, until: new Date(until).toISOString() }, 'too many failed logins in total: address locked out on every instance');
      redis.call((c) => c.publish(channel, JSON.stringify({ ip, until }))).catch(() => { /* Redis away */ });
    },
    subscribe(cb) { listeners.push(cb); },
    close() { sub.disconnect(); },
  };
}
