/**
 * Two daemons behind a real HAProxy (round robin per request, no stickiness) over one local folder,
 * one real Redis and (when a test S3 is set) one bucket prefix: categories `files` (local) and `s3`.
 */
import { REDIS_SKIP_REASON, startTestRedis, type TestRedis } from '../helpers/redis-server.ts';
import { HAPROXY_SKIP_REASON, startHaproxy, type TestHaproxy } from '../helpers/haproxy.ts';
import { s3TestEnv, uniquePrefix } from '../helpers/s3env.ts';
import { makeCluster, type Cluster, type Instance } from './instances.ts';

/** Why balancer tests are skipped, or false. */
export const BALANCED_SKIP_REASON: string | false = REDIS_SKIP_REASON || HAPROXY_SKIP_REASON;

/** A running pair behind the balancer. */
export interface BalancedPair {
  redis: TestRedis;
  cluster: Cluster;
  a: Instance;
  b: Instance;
  lb: TestHaproxy;
  /** Stops HAProxy, both daemons and Redis. @throws never */
  close(): Promise<void>;
}

/** Starts Redis, two instances (key prefix `keyPrefix`) and HAProxy in front of their WebDAV listeners. */
export async function startBalancedPair(keyPrefix: string): Promise<BalancedPair> {
  const redis = await startTestRedis();
  const e = s3TestEnv();
  const cluster = makeCluster(redis.url, keyPrefix, {
    cache: { ttlSeconds: 30 },
    ...(e ? {
      storage: { s3: { bucket: e.bucket, region: 'default', endpoint: e.endpoint, forcePathStyle: true, accessKeyId: e.accessKeyId, secretAccessKey: e.secretAccessKey } },
      categories: [
        { slug: 'files', directory: 'files', access: { read: ['anonymous'], write: ['anonymous'] } },
        { slug: 's3', directory: `s3://${uniquePrefix(keyPrefix.replace(/\W/g, ''))}`, access: { read: ['anonymous'], write: ['anonymous'] } },
      ],
    } : {}),
  });
  const a = await cluster.start();
  const b = await cluster.start();
  const lb = await startHaproxy([a.dav, b.dav].map((u) => u.replace('http://', '')));
  return {
    redis, cluster, a, b, lb,
    async close() {
      await lb.stop().catch(() => undefined);
      await cluster.close().catch(() => undefined);
      await redis.stop();
    },
  };
}
