/**
 * Fixtures for the bleeding-edge tests: real backends (a temp folder, and RGW/s3rver when the
 * RDAV_TEST_S3_* variables are set), a sidecar store that really writes JSON sidecars under the
 * backend's `.releasedav/` folder (so pruning can be checked to remove them), a real lock store.
 */
import { EventEmitter } from 'node:events';
import { randomBytes } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { S3Client, ListObjectsV2Command, DeleteObjectsCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { createLocalBackend } from '../../src/backends/local.ts';
import { createS3Backend } from '../../src/backends/s3.ts';
import { createS3Client } from '../../src/backends/s3-client.ts';
import { configSchema, type Config } from '../../src/config/schema.ts';
import { createLogger, type Logger } from '../../src/log.ts';
import { isVfsError } from '../../src/vfs/errors.ts';
import type { ChangeBus, FileMeta, MetaStore, Mount, RuntimeState } from '../../src/vfs/mount.ts';
import type { Backend, Entry } from '../../src/vfs/types.ts';

export interface S3Env { endpoint: string; bucket: string; accessKey: string; secretKey: string; kind: string }

/** S3 settings from the environment, or undefined (tests then skip with this reason). */
export function s3Env(): S3Env | undefined {
  const e = process.env;
  if (!e.RDAV_TEST_S3_ENDPOINT || !e.RDAV_TEST_S3_BUCKET || !e.RDAV_TEST_S3_ACCESS_KEY || !e.RDAV_TEST_S3_SECRET_KEY) return undefined;
  return { endpoint: e.RDAV_TEST_S3_ENDPOINT, bucket: e.RDAV_TEST_S3_BUCKET, accessKey: e.RDAV_TEST_S3_ACCESS_KEY, secretKey: e.RDAV_TEST_S3_SECRET_KEY, kind: e.RDAV_TEST_S3_KIND ?? 'rgw' };
}
export const S3_SKIP = 'RDAV_TEST_S3_* not set: S3 bleeding-edge tests skipped';

/** A sidecar per path at `.releasedav/<path>.json` in the same backend; folder removal removes the subtree. */
export function backendMeta(backend: Backend): MetaStore {
  const side = (p: string) => `.releasedav/${p}.json`;
  const ensureDirs = async (p: string) => {
    const parts = p.split('/').slice(0, -1);
    for (let i = 1; i <= parts.length; i++) {
      await backend.mkdir(parts.slice(0, i).join('/')).catch((e) => { if (!isVfsError(e, 'EEXIST')) throw e; });
    }
  };
  return {
    async get(path, cur) {
      let text = '';
      try {
        for await (const c of await backend.read(side(path))) text += String(c);
      } catch (e) {
        if (isVfsError(e, 'ENOENT')) return undefined;
        throw e;
      }
      const m = JSON.parse(text) as FileMeta;
      return m.size === cur.size && m.etag === (cur.etag ?? '') ? m : undefined;
    },
    async put(path, cur, meta) {
      await ensureDirs(side(path));
      await backend.write(side(path), Readable.from([JSON.stringify({ ...meta, size: cur.size, etag: cur.etag ?? '' })]));
    },
    async remove(path) {
      for (const p of [side(path), `.releasedav/${path}`]) {
        await backend.remove(p, { recursive: true }).catch((e) => { if (!isVfsError(e, 'ENOENT')) throw e; });
      }
    },
    async move() {},
    async copy() {},
  };
}

/** A category config through the real schema. */
export function bleedingConfig(slug: string, be: Partial<{ keep: number; maxAgeDays: number; settleSeconds: number; scanIntervalSeconds: number }>, directory = '/unused'): Config {
  return configSchema.parse({ categories: [{ slug, type: 'bleeding-edge', directory, bleedingEdge: be }, { slug: 'normal', directory: '/unused2' }] });
}

/** A storage under test: backend + how to look at it from outside. */
export interface Store {
  kind: 'disk' | 's3';
  backend: Backend;
  /** Writes a file the way a build server would (disk: fs through the backend; S3: straight PutObject). */
  drop(path: string, body: string | Buffer): Promise<Entry>;
  /** Every key/file under the root, recursively, including `.releasedav/` (for "really gone" checks). */
  allKeys(): Promise<string[]>;
  cleanup(): Promise<void>;
}

export async function diskStore(): Promise<Store> {
  const dir = await mkdtemp(join(tmpdir(), 'rdav-be-'));
  const backend = createLocalBackend(dir);
  const { rm, readdir } = await import('node:fs/promises');
  return {
    kind: 'disk', backend,
    async drop(path, body) {
      const parts = path.split('/');
      for (let i = 1; i < parts.length; i++) await backend.mkdir(parts.slice(0, i).join('/')).catch(() => {});
      return backend.write(path, Readable.from([Buffer.from(body)]));
    },
    async allKeys() {
      const out = (await readdir(dir, { recursive: true, withFileTypes: true })).filter((d) => d.isFile());
      return out.map((d) => join(d.parentPath, d.name).slice(dir.length + 1)).sort();
    },
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}

export function rawS3Client(env: S3Env): S3Client {
  return createS3Client(configSchema.parse({
    storage: { s3: { bucket: env.bucket, endpoint: env.endpoint, region: 'default', forcePathStyle: true, accessKeyId: env.accessKey, secretAccessKey: env.secretKey } },
    categories: [{ slug: 'x', directory: 's3://x' }],
  }).storage.s3!);
}

export async function s3Store(env: S3Env, log: Logger): Promise<Store> {
  const cfg = configSchema.parse({
    storage: { s3: { bucket: env.bucket, endpoint: env.endpoint, region: 'default', forcePathStyle: true, accessKeyId: env.accessKey, secretAccessKey: env.secretKey } },
    categories: [{ slug: 'x', directory: 's3://x' }],
  });
  const client = createS3Client(cfg.storage.s3!);
  const prefix = `bleeding-test/${randomBytes(6).toString('hex')}/`;
  const backend = createS3Backend({ client, bucket: env.bucket, prefix, s3: cfg.storage.s3!, log });
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
    kind: 's3', backend,
    async drop(path, body) {
      await client.send(new PutObjectCommand({ Bucket: env.bucket, Key: prefix + path, Body: Buffer.from(body) }));
      return backend.stat(path);
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

/** A runtime state with one bleeding-edge mount (`slug`) on `backend`. */
export function stateFor(cfg: Config, slug: string, backend: Backend, meta: MetaStore): RuntimeState {
  const mounts = new Map<string, Mount>([[slug, { category: cfg.categories.find((c) => c.slug === slug)!, backend, meta }]]);
  return { config: cfg, mounts };
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
