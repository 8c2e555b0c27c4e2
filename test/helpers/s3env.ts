/**
 * S3 settings for tests, from the environment scripts/test.sh exports:
 * RDAV_TEST_S3_ENDPOINT, RDAV_TEST_S3_BUCKET, RDAV_TEST_S3_ACCESS_KEY, RDAV_TEST_S3_SECRET_KEY,
 * RDAV_TEST_S3_KIND (rgw | s3rver). Tests without them skip with a visible reason.
 */
import { randomBytes } from 'node:crypto';
import { configSchema, type S3Config } from '../../src/config/schema.ts';

/** The S3 server the tests run against. */
export interface S3TestEnv {
  endpoint: string;
  bucket: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** `rgw` is a real S3 (Ceph RADOS Gateway); `s3rver` is the npm mock with known gaps. */
  kind: 'rgw' | 's3rver';
}

/** The test S3 from the environment, or undefined when not configured. @throws never */
export function s3TestEnv(env: NodeJS.ProcessEnv = process.env): S3TestEnv | undefined {
  const endpoint = env.RDAV_TEST_S3_ENDPOINT;
  const bucket = env.RDAV_TEST_S3_BUCKET;
  const accessKeyId = env.RDAV_TEST_S3_ACCESS_KEY;
  const secretAccessKey = env.RDAV_TEST_S3_SECRET_KEY;
  if (!endpoint || !bucket || !accessKeyId || !secretAccessKey) return undefined;
  const kind = env.RDAV_TEST_S3_KIND === 's3rver' ? 's3rver' : 'rgw';
  return { endpoint, bucket, accessKeyId, secretAccessKey, kind };
}

/**
 * The skip reason for S3 tests (a string node:test prints), or false when S3 is available.
 * @throws never
 */
export function skipUnlessS3(): string | false {
  return s3TestEnv() ? false : 'no test S3: set RDAV_TEST_S3_ENDPOINT/_BUCKET/_ACCESS_KEY/_SECRET_KEY (npm test does this)';
}

/**
 * An S3Config for the test server, parsed through the real config schema (so defaults apply),
 * plus a key `prefix` for the test: the one given, or a fresh {@link uniquePrefix}.
 * `overrides` are merged into the raw `storage.s3` section before parsing
 * (e.g. `{ acl: 'public-read', upload: { unknownSizePartSizeMiB: 5 } }`).
 * Call as `s3TestConfig()`, `s3TestConfig(prefix)`, `s3TestConfig(overrides)` or `s3TestConfig(prefix, overrides)`.
 * @throws Error when no test S3 is configured; ZodError for invalid overrides
 */
export function s3TestConfig(prefixOrOverrides?: string | Record<string, unknown>, overrides: Record<string, unknown> = {}): S3Config & { prefix: string } {
  const e = s3TestEnv();
  if (!e) throw new Error('no test S3 configured');
  const prefix = typeof prefixOrOverrides === 'string' ? prefixOrOverrides : uniquePrefix('test');
  const over = typeof prefixOrOverrides === 'object' ? prefixOrOverrides : overrides;
  const cfg = configSchema.parse({
    storage: {
      s3: {
        bucket: e.bucket, region: 'default', endpoint: e.endpoint, forcePathStyle: true,
        accessKeyId: e.accessKeyId, secretAccessKey: e.secretAccessKey, ...over,
      },
    },
    categories: [{ slug: 'test', directory: 's3://test' }],
  });
  return Object.assign(cfg.storage.s3!, { prefix });
}

/** A key prefix no other test run uses: `test-<name>-<time>-<random>/`. @throws never */
export function uniquePrefix(name: string): string {
  const safe = name.toLowerCase().replace(/[^a-z0-9-]+/g, '-').slice(0, 40);
  return `test-${safe}-${Date.now().toString(36)}-${randomBytes(4).toString('hex')}/`;
}
