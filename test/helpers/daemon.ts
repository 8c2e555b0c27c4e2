/**
 * Starts the WebDAV server in-process for tests: port 0 on 127.0.0.1, local categories in a fresh
 * temp dir and — when the test S3 env is set — an S3 category under a unique prefix. Log lines are
 * captured for assertions. `close()` stops the server and removes everything it created.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventEmitter } from 'node:events';
import { Writable } from 'node:stream';
import { DeleteObjectsCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { configSchema, type Config } from '../../src/config/schema.ts';
import { createLogger } from '../../src/log.ts';
import { createMetrics, type Metrics } from '../../src/metrics.ts';
import { hashPassword, digestHa1 } from '../../src/auth/passwords.ts';
import { buildRuntimeState } from '../../src/lifecycle/runtime-state.ts';
import { createLockStore } from '../../src/webdav/locks/lock-store.ts';
import { createWebdavServer } from '../../src/webdav/server.ts';
import type { ChangeBus, RuntimeState } from '../../src/vfs/mount.ts';
import { s3TestEnv, uniquePrefix } from './s3env.ts';

/** Test users: name → plain password (alice writes everywhere, bob reads, root is admin). */
export const USERS = { alice: 'alice:pass word', bob: 'bob-secret', root: 'root-secret' } as const;

/** Options of {@link startDaemon}. */
export interface DaemonOptions {
  /** Extra raw config merged at the top level (e.g. `{ webdav: { maxXmlBodyBytes: 4096 } }`). */
  config?: Record<string, unknown>;
  /** Add the S3 category `s3` (default: when the test S3 env is set). */
  s3?: boolean;
  /** Give alice a Digest HA1 (default true). */
  digest?: boolean;
  /** S3 endpoint the daemon talks to instead of the test S3's own (a fault proxy in front of it). */
  s3Endpoint?: string;
}

/** A running test server. */
export interface TestDaemon {
  /** `http(s)://127.0.0.1:port` (no trailing slash). */
  origin: string;
  port: number;
  config: Config;
  state: RuntimeState;
  metrics: Metrics;
  bus: ChangeBus;
  /** Temp dir holding the local categories (`files/`, `public/`). */
  root: string;
  /** Slugs of the writable categories present: `files` and, with S3, `s3`. */
  writable: string[];
  /** Captured log lines (JSON). */
  logs: () => string[];
  /** `Authorization` header value for a user. */
  basic: (user: keyof typeof USERS) => string;
  close(): Promise<void>;
}

/** @throws whatever building the state or listening throws */
export async function startDaemon(o: DaemonOptions = {}): Promise<TestDaemon> {
  const root = await mkdtemp(join(tmpdir(), 'rdav-webdav-'));
  const env = s3TestEnv();
  const useS3 = (o.s3 ?? true) && !!env;
  const prefix = useS3 ? uniquePrefix('webdav') : '';
  const realm = 'ReleaseDAV';
  const users: Record<string, unknown> = {
    alice: { password: await hashPassword(USERS.alice), groups: ['dev'], ...(o.digest === false ? {} : { digestHa1: digestHa1('alice', realm, USERS.alice) }) },
    bob: { password: await hashPassword(USERS.bob) },
    root: { password: await hashPassword(USERS.root), admin: true },
  };
  const categories: Record<string, unknown>[] = [
    { slug: 'files', directory: join(root, 'files'), access: { read: ['*'], write: ['@dev'] } },
    { slug: 'public', directory: join(root, 'public'), access: { read: ['anonymous'], write: ['alice'] } },
    { slug: 'secret', directory: join(root, 'secret'), access: { read: ['alice'], write: ['alice'] } },
  ];
  if (useS3) categories.push({ slug: 's3', directory: `s3://${prefix}`, access: { read: ['*'], write: ['@dev'] } });
  const raw: Record<string, unknown> = {
    storage: {
      local: { root },
      ...(useS3 ? { s3: { bucket: env!.bucket, region: 'default', endpoint: o.s3Endpoint ?? env!.endpoint, forcePathStyle: true, accessKeyId: env!.accessKeyId, secretAccessKey: env!.secretAccessKey } } : {}),
    },
    auth: { realm, users },
    cache: { ttlSeconds: 1 },
    lifecycle: { drainSeconds: 1 },
    categories,
    ...o.config,
  };
  const config = configSchema.parse(raw);
  const lines: string[] = [];
  const sink = new Writable({ write(chunk, _e, cb) { lines.push(...String(chunk).split('\n').filter(Boolean)); cb(); } });
  const log = createLogger({ level: 'debug', destination: sink });
  const metrics = createMetrics({ defaultMetrics: false });
  const { state } = buildRuntimeState(config, { log, metrics });
  const bus: ChangeBus = new EventEmitter();
  const dav = createWebdavServer({ getState: () => state, locks: createLockStore(), bus, log, metrics });
  const addr = await dav.listen(0, '127.0.0.1');
  return {
    origin: `${config.webdav.tls ? "https" : "http"}://127.0.0.1:${addr.port}`,
    port: addr.port,
    config, state, metrics, bus, root,
    writable: useS3 ? ['files', 's3'] : ['files'],
    logs: () => lines,
    basic: (u) => 'Basic ' + Buffer.from(`${u}:${USERS[u]}`).toString('base64'),
    async close() {
      await dav.close();
      await rm(root, { recursive: true, force: true });
      if (useS3) await deletePrefix(env!, prefix).catch(() => undefined);
    },
  };
}

async function deletePrefix(env: NonNullable<ReturnType<typeof s3TestEnv>>, prefix: string): Promise<void> {
  const client = new S3Client({ endpoint: env.endpoint, region: 'default', forcePathStyle: true, credentials: { accessKeyId: env.accessKeyId, secretAccessKey: env.secretAccessKey } });
  try {
    let token: string | undefined;
    do {
      const page = await client.send(new ListObjectsV2Command({ Bucket: env.bucket, Prefix: prefix, ContinuationToken: token }));
      const keys = (page.Contents ?? []).map((c) => ({ Key: c.Key! }));
      if (keys.length) await client.send(new DeleteObjectsCommand({ Bucket: env.bucket, Delete: { Objects: keys } }));
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  } finally {
    client.destroy();
  }
}
