/**
 * A standard test world for fault, load and security tests: a temp dir, four users (reader,
 * writer, admin, plus anonymous), local categories (`files` normal, `edge` bleeding-edge) and —
 * with the test S3 env — S3 categories (`s3`, `s3edge`) under a unique prefix, optionally reached
 * through a fault proxy. Also a small raw HTTP client and S3 inspection/cleanup helpers.
 */
import http from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import {
  AbortMultipartUploadCommand, DeleteObjectsCommand, ListMultipartUploadsCommand, ListObjectsV2Command, S3Client,
} from '@aws-sdk/client-s3';
import { hashPassword } from '../../src/auth/passwords.ts';
import { s3TestEnv, uniquePrefix, type S3TestEnv } from './s3env.ts';

/** Plain passwords of the test users. */
export const PASSWORDS = { reader: 'reader-pw-Q7x', writer: 'writer-pw-K2m', admin: 'admin-pw-Z9v' } as const;
export type TestUser = keyof typeof PASSWORDS;

/** `Authorization` value for a test user. */
export const basicAuth = (u: TestUser, pw: string = PASSWORDS[u]) => 'Basic ' + Buffer.from(`${u}:${pw}`).toString('base64');

/** Options of {@link makeWorld}. */
export interface WorldOptions {
  /** Label for temp dir and S3 prefix. */
  name: string;
  /** Include S3 categories (default: when the env is set). */
  s3?: boolean;
  /** S3 endpoint to put in the config instead of the real one (a fault proxy). */
  s3Endpoint?: string;
  /** Merged into storage.s3. */
  s3Overrides?: Record<string, unknown>;
  /** Extra user fields, per user (e.g. downloadKey). */
  userExtras?: Partial<Record<TestUser, Record<string, unknown>>>;
  /** Local root (default: `<dir>/data`). */
  localRoot?: string;
}

/** A config plus what the test needs to clean up and inspect. */
export interface World {
  dir: string;
  localRoot: string;
  env?: S3TestEnv;
  prefix: string;
  /** Config object for startChildDaemon (merge further keys before use). */
  config: Record<string, unknown>;
  /** Slugs of the S3 categories present (empty without S3). */
  s3Slugs: string[];
  /** An S3 client straight to the test S3 (not through any proxy). */
  s3?: S3Client;
  /** Removes the temp dir and every object and multipart upload under the prefix. */
  cleanup(): Promise<void>;
}

/** @throws whatever hashing or mkdtemp throws */
export async function makeWorld(o: WorldOptions): Promise<World> {
  const dir = await mkdtemp(join(tmpdir(), `rdav-${o.name}-`));
  const localRoot = o.localRoot ?? join(dir, 'data');
  const env = (o.s3 ?? true) ? s3TestEnv() : undefined;
  const prefix = env ? uniquePrefix(o.name) : '';
  const users: Record<string, unknown> = {};
  const groups: Record<TestUser, string[]> = { reader: ['readers'], writer: ['writers'], admin: [] };
  for (const u of Object.keys(PASSWORDS) as TestUser[]) {
    users[u] = { password: await hashPassword(PASSWORDS[u]), groups: groups[u], admin: u === 'admin', ...o.userExtras?.[u] };
  }
  const access = { read: ['@readers'], write: ['@writers'], download: 'public' };
  const categories: Record<string, unknown>[] = [
    { slug: 'files', directory: 'files', access },
    { slug: 'edge', type: 'bleeding-edge', directory: 'edge', access, bleedingEdge: { settleSeconds: 0, scanIntervalSeconds: 3600 } },
  ];
  if (env) {
    categories.push({ slug: 's3', directory: `s3://${prefix}s3/`, access });
    categories.push({ slug: 's3edge', type: 'bleeding-edge', directory: `s3://${prefix}s3edge/`, access, bleedingEdge: { settleSeconds: 0, scanIntervalSeconds: 3600 } });
  }
  const config: Record<string, unknown> = {
    storage: {
      local: { root: localRoot },
      ...(env ? {
        s3: {
          bucket: env.bucket, region: 'default', endpoint: o.s3Endpoint ?? env.endpoint, forcePathStyle: true,
          accessKeyId: env.accessKeyId, secretAccessKey: env.secretAccessKey, ...o.s3Overrides,
        },
      } : {}),
    },
    auth: { users, bruteForce: { maxFailures: 1000, windowSeconds: 60, lockoutSeconds: 60 } },
    cache: { ttlSeconds: 1 },
    lifecycle: { drainSeconds: 1 },
    categories,
  };
  const s3 = env ? new S3Client({
    endpoint: env.endpoint, region: 'default', forcePathStyle: true,
    credentials: { accessKeyId: env.accessKeyId, secretAccessKey: env.secretAccessKey },
  }) : undefined;
  return {
    dir, localRoot, env, prefix, config, s3, s3Slugs: env ? ['s3', 's3edge'] : [],
    async cleanup() {
      await rm(dir, { recursive: true, force: true }).catch(() => undefined);
      if (env && s3) {
        await abortUploads(s3, env.bucket, prefix).catch(() => undefined);
        await deleteObjects(s3, env.bucket, prefix).catch(() => undefined);
        s3.destroy();
      }
    },
  };
}

/** Multipart uploads in progress under `prefix`. @throws S3 errors */
export async function listUploads(s3: S3Client, bucket: string, prefix: string): Promise<{ key: string; id: string }[]> {
  const res = await s3.send(new ListMultipartUploadsCommand({ Bucket: bucket, Prefix: prefix }));
  return (res.Uploads ?? []).map((u) => ({ key: u.Key!, id: u.UploadId! }));
}

/** Object keys under `prefix`. @throws S3 errors */
export async function listKeys(s3: S3Client, bucket: string, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
    keys.push(...(page.Contents ?? []).map((c) => c.Key!));
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return keys;
}

async function abortUploads(s3: S3Client, bucket: string, prefix: string): Promise<void> {
  for (const u of await listUploads(s3, bucket, prefix)) {
    await s3.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: u.key, UploadId: u.id })).catch(() => undefined);
  }
}

async function deleteObjects(s3: S3Client, bucket: string, prefix: string): Promise<void> {
  const keys = await listKeys(s3, bucket, prefix);
  for (let i = 0; i < keys.length; i += 1000) {
    await s3.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: keys.slice(i, i + 1000).map((Key) => ({ Key })) } }));
  }
}

/** A finished HTTP exchange. */
export interface Reply { status: number; headers: http.IncomingHttpHeaders; body: Buffer; text: string; ms: number }

/** Options of {@link send}. */
export interface SendOptions {
  headers?: Record<string, string>;
  body?: string | Buffer | Readable;
  agent?: http.Agent | false;
  /** Rejects (and destroys the request) after this many ms (default 30 s). */
  timeoutMs?: number;
  /** Source address of the connection (e.g. 127.0.0.2: loopback has the whole 127/8). */
  localAddress?: string;
}

/**
 * One HTTP request with the path sent exactly as given (no normalisation).
 * @throws Error on socket errors and on timeout
 */
export function send(method: string, origin: string, path: string, o: SendOptions = {}): Promise<Reply> {
  const u = new URL(origin);
  const t0 = performance.now();
  return new Promise((res, rej) => {
    const headers: Record<string, string> = { ...o.headers };
    if (typeof o.body === 'string' || Buffer.isBuffer(o.body)) headers['content-length'] ??= String(Buffer.byteLength(o.body));
    const req = http.request({ host: u.hostname, port: u.port, path, method, headers, agent: o.agent ?? false, localAddress: o.localAddress }, (r) => {
      const chunks: Buffer[] = [];
      r.on('data', (c: Buffer) => chunks.push(c));
      r.on('end', () => {
        clearTimeout(timer);
        const body = Buffer.concat(chunks);
        res({ status: r.statusCode ?? 0, headers: r.headers, body, text: body.toString('utf8'), ms: performance.now() - t0 });
      });
      r.on('error', (e) => { clearTimeout(timer); rej(e); });
    });
    const timer = setTimeout(() => { req.destroy(new Error(`${method} ${path} timed out after ${o.timeoutMs ?? 30_000} ms`)); }, o.timeoutMs ?? 30_000);
    req.on('error', (e) => { clearTimeout(timer); rej(e); });
    if (o.body === undefined) req.end();
    else if (typeof o.body === 'string' || Buffer.isBuffer(o.body)) req.end(o.body);
    else o.body.pipe(req);
  });
}
