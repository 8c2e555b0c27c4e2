/**
 * A ReleaseDAV wired as the composition root does it (WebDAV server, catalog with the background
 * hasher, downloads listener), in-process on 127.0.0.1:0, over one backend: a temp folder, or a
 * unique prefix of the test S3. Two categories: `apps` (public downloads, Joomla fields set) and
 * `private` (downloads for @readers only; reader has a download key). Builds are uploaded with
 * real PUTs over WebDAV. Also: a fetch that follows /dl's 302 (to disk bytes or a presigned URL).
 */
import { EventEmitter } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeleteObjectsCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { hashPassword } from '../../src/auth/passwords.ts';
import { createCatalog, type CatalogWithHasher } from '../../src/catalog/catalog.ts';
import { configSchema } from '../../src/config/schema.ts';
import { createDownloadsServer } from '../../src/downloads/server.ts';
import { buildRuntimeState } from '../../src/lifecycle/runtime-state.ts';
import { createLogger } from '../../src/log.ts';
import { createMetrics } from '../../src/metrics.ts';
import { hashExisting } from '../../src/vfs/files.ts';
import type { ChangeBus, RuntimeState } from '../../src/vfs/mount.ts';
import { createLockStore } from '../../src/webdav/locks/lock-store.ts';
import { createWebdavServer } from '../../src/webdav/server.ts';
import { s3TestEnv, uniquePrefix } from '../helpers/s3env.ts';

export const WRITER = { user: 'ci', password: 'ci-secret-9' };
export const READER = { user: 'reader', password: 'reader-secret-9', dlid: '0123456789abcdef0123456789abcdef' };
/** links.secret of the harness (tests mint signed links with it). */
export const LINK_SECRET = 'feeds-harness-link-secret-0123456789abcdef';
export const basicOf = (u: { user: string; password: string }) => `Basic ${Buffer.from(`${u.user}:${u.password}`).toString('base64')}`;

/** Joomla fields of the `apps` category (also checked by the tests). */
export const JOOMLA = { element: 'pkg_myapp', type: 'package', client: 'site', targetplatform: { name: 'joomla', version: '(4|5)\\..*' }, phpMinimum: '8.1' };

export interface Harness {
  backend: 'disk' | 's3';
  dav: string;
  dl: string;
  state: RuntimeState;
  catalog: CatalogWithHasher;
  /** PUTs one file over WebDAV as the writer (creating the release folder first). @throws on a non-2xx answer */
  put(category: string, path: string, body: Buffer | string): Promise<void>;
  close(): Promise<void>;
}

/** Starts the harness on `backend`; undefined for s3 when no test S3 is configured. */
export async function startHarness(backend: 'disk' | 's3', name: string): Promise<Harness | undefined> {
  const env = s3TestEnv();
  if (backend === 's3' && !env) return undefined;
  const root = await mkdtemp(join(tmpdir(), `rdav-${name}-`));
  const prefix = backend === 's3' ? uniquePrefix(name) : '';
  const dir = (slug: string) => (backend === 's3' ? `s3://${prefix}${slug}/` : join(root, slug));
  const config = configSchema.parse({
    storage: {
      local: { root },
      ...(env ? { s3: { bucket: env.bucket, region: 'default', endpoint: env.endpoint, forcePathStyle: true, accessKeyId: env.accessKeyId, secretAccessKey: env.secretAccessKey } } : {}),
    },
    auth: {
      users: {
        [WRITER.user]: { password: await hashPassword(WRITER.password), groups: ['writers'] },
        [READER.user]: { password: await hashPassword(READER.password), groups: ['readers'], downloadKey: READER.dlid },
      },
    },
    cache: { ttlSeconds: 1 },
    links: { secret: LINK_SECRET },
    lifecycle: { drainSeconds: 1 },
    categories: [
      { slug: 'apps', title: 'My App', directory: dir('apps'), access: { read: ['@writers'], write: ['@writers'], download: 'public' }, feeds: { joomla: JOOMLA } },
      { slug: 'private', directory: dir('private'), access: { read: ['@writers'], write: ['@writers'], download: ['@readers'] }, feeds: { joomla: JOOMLA } },
    ],
  });
  const log = createLogger({ level: 'silent' });
  const metrics = createMetrics({ defaultMetrics: false });
  const built = buildRuntimeState(config, { log, metrics });
  const getState = () => built.state;
  const bus: ChangeBus = new EventEmitter();
  const dav = createWebdavServer({ getState, locks: createLockStore(), bus, log, metrics });
  const catalog = createCatalog({ getState, bus, log, metrics, refreshSeconds: 0, hashFile: (m, e, signal) => hashExisting(m, e.path, { signal }) });
  const downloads = createDownloadsServer({ getState, catalog, log, metrics });
  const davUrl = `http://127.0.0.1:${(await dav.listen(0, '127.0.0.1')).port}`;
  const dlUrl = `http://127.0.0.1:${(await downloads.listen(0, '127.0.0.1')).port}`;
  const made = new Set<string>();
  const auth = basicOf(WRITER);
  return {
    backend, dav: davUrl, dl: dlUrl, state: built.state, catalog,
    async put(category, path, body) {
      const folder = `${category}/${path.split('/')[0]}`;
      if (!made.has(folder)) {
        const r = await fetch(`${davUrl}/${folder}/`, { method: 'MKCOL', headers: { Authorization: auth } });
        if (r.status !== 201 && r.status !== 405) throw new Error(`MKCOL ${folder}: ${r.status}`);
        made.add(folder);
      }
      const url = `${davUrl}/${category}/${path.split('/').map(encodeURIComponent).join('/')}`;
      const r = await fetch(url, { method: "PUT", headers: { Authorization: auth }, body: typeof body === "string" ? body : new Uint8Array(body) });
      if (r.status !== 201 && r.status !== 204) throw new Error(`PUT ${path}: ${r.status} ${await r.text()}`);
    },
    async close() {
      await downloads.close();
      await dav.close();
      await catalog.close();
      await rm(root, { recursive: true, force: true });
      if (env && backend === 's3') await deletePrefix(env, prefix);
    },
  };
}

async function deletePrefix(env: NonNullable<ReturnType<typeof s3TestEnv>>, prefix: string): Promise<void> {
  const s3 = new S3Client({ endpoint: env.endpoint, region: 'default', forcePathStyle: true, credentials: { accessKeyId: env.accessKeyId, secretAccessKey: env.secretAccessKey } });
  try {
    for (;;) {
      const page = await s3.send(new ListObjectsV2Command({ Bucket: env.bucket, Prefix: prefix }));
      const keys = (page.Contents ?? []).map((c) => ({ Key: c.Key! }));
      if (keys.length === 0) break;
      await s3.send(new DeleteObjectsCommand({ Bucket: env.bucket, Delete: { Objects: keys } }));
    }
  } finally {
    s3.destroy();
  }
}

/**
 * GETs a download URL and follows one 302 (to a presigned S3 URL or anywhere), as an updater does.
 * Returns the final status and bytes. @throws on network errors
 */
export async function download(url: string, headers: Record<string, string> = {}): Promise<{ status: number; bytes: Buffer; redirected: boolean }> {
  const first = await fetch(url, { headers, redirect: 'manual' });
  if (first.status === 302) {
    await first.arrayBuffer();
    const loc = first.headers.get('location')!;
    const r = await fetch(loc);
    return { status: r.status, bytes: Buffer.from(await r.arrayBuffer()), redirected: true };
  }
  return { status: first.status, bytes: Buffer.from(await first.arrayBuffer()), redirected: false };
}
