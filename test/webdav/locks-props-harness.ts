/**
 * Test harness for the LOCK/UNLOCK/PROPPATCH/COPY/MOVE handlers until the core server's daemon
 * helper exists: a real http.Server on port 0 that builds a DavContext over real backends (local
 * disk in a temp dir, and S3 when the test env has it), the real lock store, the core engineer's
 * path/Destination resolution, and a minimal If pre-filter (parse → 400, evaluate → 412, tokens).
 * It plays the part of the server's dispatch only: everything under test is production code.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { EventEmitter } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { DeleteObjectsCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { configSchema, type Config } from '../../src/config/schema.ts';
import { createLocalBackend } from '../../src/backends/local.ts';
import { createS3Backend } from '../../src/backends/s3.ts';
import { createS3Client } from '../../src/backends/s3-client.ts';
import { createMetaStore } from '../../src/vfs/meta-store.ts';
import type { ChangeBus, ChangeEvent, Mount, RuntimeState } from '../../src/vfs/mount.ts';
import { toHttpStatus, isVfsError } from '../../src/vfs/errors.ts';
import { resolvePath, resolveDestination, requestPath } from '../../src/webdav/target.ts';
import type { DavContext, DavHandler, LockStore } from '../../src/webdav/context.ts';
import { createLockStore } from '../../src/webdav/locks/lock-store.ts';
import { evaluateIf, parseIfHeader, submittedTokens } from '../../src/webdav/locks/if-header.ts';
import { parseXml } from '../../src/webdav/xml/parse.ts';
import { handleLock } from '../../src/webdav/handlers/lock.ts';
import { handleUnlock } from '../../src/webdav/handlers/unlock.ts';
import { handleProppatch } from '../../src/webdav/handlers/proppatch.ts';
import { handleCopy, handleMove } from '../../src/webdav/handlers/copy-move.ts';
import { s3TestEnv, uniquePrefix } from '../helpers/s3env.ts';

export interface Harness {
  url: string;
  locks: LockStore;
  state: RuntimeState;
  events: ChangeEvent[];
  mount(slug: string): Mount;
  close(): Promise<void>;
}

const HANDLERS: Record<string, DavHandler> = {
  LOCK: handleLock, UNLOCK: handleUnlock, PROPPATCH: handleProppatch, COPY: handleCopy, MOVE: handleMove,
};

async function body(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * Starts the harness with categories `local` and `local2` (disk), plus `s3` and `s3b` when the
 * test S3 is configured (`withS3`). `readonly` is a disk category user "reader" may only read.
 */
export async function startHarness(o: { withS3?: boolean; user?: string } = {}): Promise<Harness> {
  const dir = await mkdtemp(join(tmpdir(), 'rdav-locks-'));
  const env = o.withS3 ? s3TestEnv() : undefined;
  const prefix = uniquePrefix('locks');
  const categories: Record<string, unknown>[] = [
    { slug: 'local', directory: join(dir, 'local'), access: { write: ['*'] } },
    { slug: 'local2', directory: join(dir, 'local2'), access: { write: ['*'] } },
    { slug: 'readonly', directory: join(dir, 'ro'), access: { read: ['*'] } },
  ];
  if (env) {
    categories.push({ slug: 's3', directory: `s3://${prefix}a`, access: { write: ['*'] } });
    categories.push({ slug: 's3b', directory: `s3://${prefix}b`, access: { write: ['*'] } });
  }
  const config: Config = configSchema.parse({
    storage: env ? { s3: { bucket: env.bucket, endpoint: env.endpoint, region: 'default', forcePathStyle: true, accessKeyId: env.accessKeyId, secretAccessKey: env.secretAccessKey } } : {},
    categories,
  });
  const log = pino({ level: 'silent' });
  const client = env ? createS3Client(config.storage.s3!) : undefined;
  const mounts = new Map<string, Mount>();
  const { mkdir } = await import('node:fs/promises');
  for (const c of config.categories) {
    let backend;
    if (c.directory.startsWith('s3://')) {
      backend = createS3Backend({ client: client!, bucket: env!.bucket, prefix: c.directory.slice(5) + '/', s3: config.storage.s3!, log });
    } else {
      await mkdir(c.directory, { recursive: true });
      backend = createLocalBackend(c.directory);
    }
    mounts.set(c.slug, { category: c, backend, meta: createMetaStore(backend) });
  }
  const state: RuntimeState = { config, mounts };
  const locks = createLockStore();
  const bus: ChangeBus = new EventEmitter();
  const events: ChangeEvent[] = [];
  bus.on('change', (e) => events.push(e));

  const server: Server = createServer((req, res) => {
    void (async () => {
      try {
        const handler = HANDLERS[req.method ?? ''];
        if (!handler) { res.writeHead(405).end(); return; }
        const target = resolvePath(state, requestPath(req.url));
        const raw = await body(req);
        const user = req.headers['x-test-user'] === 'reader' ? { name: 'reader', groups: [], admin: false } : { name: o.user ?? 'tester', groups: [], admin: false };
        const ctx: DavContext = {
          req, res, state, user, target, submittedTokens: [], locks, bus, log,
          can: (slug, action) => {
            const cat = state.mounts.get(slug)?.category;
            if (!cat) return false;
            return action === 'read' || (user.name !== 'reader' && cat.access.write.includes('*'));
          },
          resolveDestination: (v) => resolveDestination(req, state, v),
          readXml: async () => (raw.trim() === '' ? null : parseXml(raw)),
        };
        const ifHeader = req.headers['if'];
        if (typeof ifHeader === 'string') {
          let lists;
          try { lists = parseIfHeader(ifHeader); } catch { res.writeHead(400).end(); return; }
          ctx.submittedTokens = submittedTokens(lists);
          const ok = await evaluateIf(lists, target.href, async (p) => {
            let t;
            try { t = p === target.href ? target : resolvePath(state, p); } catch { return { exists: false, lockTokens: [] }; }
            if (!t.mount) return { exists: true, lockTokens: [] };
            const entry = await t.mount.backend.stat(t.path).catch(() => undefined);
            return { exists: !!entry, etag: entry?.etag, lockTokens: (await locks.covering(t.mount.category.slug, t.path)).map((l) => l.token) };
          }, { host: req.headers.host });
          if (!ok) { res.writeHead(412).end(); return; }
        }
        await handler(ctx);
      } catch (e) {
        if (!isVfsError(e)) console.error(e);
        if (!res.headersSent) res.writeHead(toHttpStatus(e));
        res.end();
      }
    })();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url, locks, state, events,
    mount: (slug) => mounts.get(slug)!,
    async close() {
      await new Promise<void>((r) => server.close(() => r()));
      server.closeAllConnections();
      if (client && env) {
        let token: string | undefined;
        do {
          const r = await client.send(new ListObjectsV2Command({ Bucket: env.bucket, Prefix: prefix, ContinuationToken: token }));
          const keys = (r.Contents ?? []).map((c) => ({ Key: c.Key! }));
          if (keys.length) await client.send(new DeleteObjectsCommand({ Bucket: env.bucket, Delete: { Objects: keys } }));
          token = r.IsTruncated ? r.NextContinuationToken : undefined;
        } while (token);
      }
      client?.destroy();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Sends one request; returns status, headers and the body text. */
export async function dav(h: Harness, method: string, path: string, o: { headers?: Record<string, string>; body?: string } = {}) {
  const r = await fetch(h.url + path, { method, headers: o.headers, body: o.body });
  return { status: r.status, headers: r.headers, text: await r.text() };
}
