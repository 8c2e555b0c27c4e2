/**
 * The Digest nonce key of a deployment: the first instance to start stores a random key in Redis
 * (`<keyPrefix>digest-nonce-key`, SET NX), every instance uses it, so a nonce minted by one is
 * accepted by all (a client's next request may reach another instance behind the balancer).
 */
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import type { RedisConnection } from './redis-connection.ts';

/**
 * The shared key, or undefined (this process then mints its own nonces: Digest clients that land
 * on another instance get a fresh challenge) when Redis cannot be reached now.
 * @throws never
 */
export async function sharedDigestKey(redis: RedisConnection, log: Logger): Promise<Buffer | undefined> {
  const mine = randomBytes(32).toString('base64');
  try {
    const before = await redis.call((c) => c.set(`${redis.keyPrefix}digest-nonce-key`, mine, 'NX', 'GET'));
    return Buffer.from(before ?? mine, 'base64');
  } catch {
    log.warn('redis unreachable at start-up: Digest nonces of this instance are accepted by this instance only until it restarts');
    return undefined;
  }
}
