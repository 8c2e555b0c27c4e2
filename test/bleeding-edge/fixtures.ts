/**
 * Fixtures for the bleeding-edge tests: real mounts from the VFS mount table over a temp folder,
 * and over RGW/s3rver when the RDAV_TEST_S3_* variables are set (real sidecars, real cache).
 */
import { EventEmitter } from 'node:events';
import { randomBytes } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Writable } from 'node:stream';
import { ListObjectsV2Command, DeleteObjectsCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { createS3Backend } from '../../src/backends/s3.ts';
import { createS3Client } from '../../src/backends/s3-client.ts';
import { configSchema, type Config } from '../../src/config/schema.ts';
import { createLogger, type Logger } from '../../src/log.ts';
import { createMountTable } from '../../src/vfs/mount-table.ts';
import type { ChangeBus, Mount, RuntimeState } from '../../src/vfs/mount.ts';

export interface S3Env { endpoint: string; bucket: string; accessKey: string; secretKey: string; kind: string }

/** S3 settings from the environment, or undefined (tests then skip with this reason). */
export function s3Env(): S3Env | undefined {
  const e = process.env;
  if (!e.RDAV_TEST_S3_ENDPOINT || !e.RDAV_TEST_S3_BUCKET || !e.RDAV_TEST_S3_ACCESS_KEY || !e.RDAV_TEST_S3_SECRET_KEY) return undefined;
  return { endpoint: e.RDAV_TEST_S3_ENDPOINT, bucket: e.RDAV_TEST_S3_BUCKET, accessKey: e.RDAV_TEST_S3_ACCESS_KEY, secretKey: e.RDAV_TEST_S3_SECRET_KEY, kind: e.RDAV_TEST_S3_KIND ?? 'rgw' };
}
export const S3_SKIP = 'RDAV_TEST_S3_* not set: S3 bleeding-edge tests skipped';

/** A config with one bleeding-edge category `slug` in `directory` (plus a normal one), through the real schema. */
export function bleedingConfig(slug: string, be: Partial<{ keep: number; maxAgeDays: number; settleSeconds: number; scanIntervalSeconds: number }>, directory = '/unused', s3?: S3Env): Config {
  return configSchema.parse({
    ...(s3 ? { storage: { s3: s3Settings(s3) } } : {}),
    categories: [{ slug, type: 'bleeding-edge', directory, bleedingEdge: be }, { slug: 'normal', directory: join(tmpdir(), 'rdav-be-normal-unused') }],
  });
}

function s3Settings(env: S3Env) {
  return { bucket: env.bucket, endpoint: env.endpoint, region: 'default', forcePathStyle: true, accessKeyId: env.accessKey, secretAccessKey: env.secretKey };
}

/** A storage under test: where the category lives, and how to look at it from outside the daemon. */
export interface Store {
  kind: 'disk' | 's3';
  /** The category `directory` setting. */
  directory: string;
  s3?: S3Env;
  /** Builds the real mount of `slug` from `cfg` with the VFS mount table (cache, hidden .releasedav, sidecars). */
  mount(cfg: Config, slug: string, log: Logger): Mount;
  /** Writes a file the way a build server would, outside the daemon (disk: fs; S3: PutObject with the SDK). */
  drop(path: string, body: string | Buffer): Promise<void>;
  /** Every file/key under the category, recursively, including `.releasedav/` (for "really gone" checks). */
  allKeys(): Promise<string[]>;
  cleanup(): Promise<void>;
}

export async function diskStore(): Promise<Store> {
  const dir = await mkdtemp(join(tmpdir(), 'rdav-be-'));
  const { rm, readdir, mkdir, writeFile } = await import('node:fs/promises');
  return {
    kind: 'disk', directory: dir,
    mount: (cfg, slug, log) => createMountTable(cfg, { log }).get(slug)!,
    async drop(path, body) {
      await mkdir(dirname(join(dir, path)), { recursive: true });
      await writeFile(join(dir, path), body);
    },
    async allKeys() {
      const out = (await readdir(dir, { recursive: true, withFileTypes: true })).filter((d) => d.isFile());
      return out.map((d) => join(d.parentPath, d.name).slice(dir.length + 1)).sort();
    },
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}

export async function s3Store(env: S3Env): Promise<Store> {
  const cfg = configSchema.parse({ storage: { s3: s3Settings(env) }, categories: [{ slug: 'x', directory: 's3://x' }] });
  const client = createS3Client(cfg.storage.s3!);
  const prefix = `bleeding-test/${randomBytes(6).toString('hex')}/`;
  const keys = async () => {
    const out: string[] = [];
    let token: string | undefined;
    do {
      const r = await client.send(new ListObjectsV2Command({ Bucket: env.bucket, Prefix: prefix, ContinuationToken: token }));
      for (const c of r.Contents ?? []) out.push(c.Key!.slice(prefix.length));
      token = r.IsTruncated ? r.NextContinuationToken : undefined;
    } while (token);
    return out.sort();
  };
  return {
    kind: 's3', directory: `s3://${prefix}`, s3: env,
    mount(mcfg, slug, log) {
      const s3 = mcfg.storage.s3!;
      return createMountTable(mcfg, { log, s3: { client, createBackend: ({ prefix: p }) => createS3Backend({ client, bucket: env.bucket, prefix: p, s3, log }) } }).get(slug)!;
    },
    async drop(path, body) {
      await client.send(new PutObjectCommand({ Bucket: env.bucket, Key: prefix + path, Body: Buffer.from(body) }));
    },
    allKeys: keys,
    async cleanup() {
      const all = await keys();
      for (let i = 0; i < all.length; i += 1000) {
        await client.send(new DeleteObjectsCommand({ Bucket: env.bucket, Delete: { Objects: all.slice(i, i + 1000).map((k) => ({ Key: prefix + k })) } }));
      }
      client.destroy();
    },
  };
}

/** A runtime state with the one mount of `slug`. */
export function stateFor(cfg: Config, slug: string, mount: Mount): RuntimeState {
  return { config: cfg, mounts: new Map([[slug, mount]]) };
}

export const newBus = (): ChangeBus => new EventEmitter() as ChangeBus;

/** Captures pino lines as parsed JSON. */
export function captureLogger(): { log: Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const dest = new Writable({
    write(chunk, _e, cb) {
      for (const l of String(chunk).split('\n')) if (l.trim()) lines.push(JSON.parse(l));
      cb();
    },
  });
  return { log: createLogger({ level: 'debug', destination: dest }), lines };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
