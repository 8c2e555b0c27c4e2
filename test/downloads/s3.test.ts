/**
 * /dl on S3 categories against a real S3 (Ceph RGW): the 302 goes to a presigned URL that serves
 * the right bytes under the right name, works for HEAD, expires, and the object is private.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { hashPassword } from '../../src/auth/passwords.ts';
import { createS3Backend } from '../../src/backends/s3.ts';
import { createS3Client } from '../../src/backends/s3-client.ts';
import { createPresigner } from '../../src/backends/s3-presign.ts';
import { createCatalog } from '../../src/catalog/catalog.ts';
import type { RuntimeState } from '../../src/vfs/mount.ts';
import { createMountTable } from '../../src/vfs/mount-table.ts';
import { hashExisting, writeWithMeta } from '../../src/vfs/files.ts';
import { s3TestEnv, uniquePrefix } from '../helpers/s3env.ts';
import { skipUnlessS3Can } from '../helpers/s3-capabilities.ts';
import { captureLogger, config, newBus } from '../catalog/helpers.ts';
import { basic, counterValue, get, startServer, type Running } from './helpers.ts';

const skip = skipUnlessS3Can();
const KEY = 'd4'.repeat(16);
const BYTES = Buffer.from('S3 payload: ' + 'x'.repeat(1000));
const NAME = 'Ünïcode app 1.0.bin';
let srv: Running;
let state: RuntimeState;
let prefix: string;

before(async () => {
  if (skip) return;
  const env = s3TestEnv()!;
  prefix = uniquePrefix('downloads');
  const cfg = config({
    storage: { s3: { bucket: env.bucket, region: 'default', endpoint: env.endpoint, forcePathStyle: true, accessKeyId: env.accessKeyId, secretAccessKey: env.secretAccessKey, presignSeconds: 2 } },
    auth: { users: { alice: { password: await hashPassword('pw'), groups: ['team'], downloadKey: KEY } } },
    categories: [
      { slug: 's3pub', directory: `s3://${prefix}pub` },
      { slug: 's3priv', directory: `s3://${prefix}priv`, access: { download: ['@team'] } },
    ],
  });
  const s3 = cfg.storage.s3!;
  const client = createS3Client(s3);
  const { log } = captureLogger('silent');
  // A 1-second signing window, so a URL lives at most presignSeconds + 1 s.
  const presigner = createPresigner({ bucket: s3.bucket, s3, windowSeconds: 1 });
  const mounts = createMountTable(cfg, { log, s3: { client, createBackend: ({ prefix: p }) => createS3Backend({ client, bucket: s3.bucket, prefix: p, s3, log, presigner }) } });
  state = { config: cfg, mounts };
  await mounts.get('s3pub')!.backend.mkdir('1.0').catch(() => undefined);
  await writeWithMeta(mounts.get('s3pub')!, `1.0/${NAME}`, Readable.from([BYTES]), { size: BYTES.length });
  await mounts.get('s3pub')!.backend.write('1.0/outside.txt', Readable.from([Buffer.from('no sidecar')]), { size: 10 });
  await mounts.get('s3priv')!.backend.mkdir('2.0').catch(() => undefined);
  await writeWithMeta(mounts.get('s3priv')!, '2.0/p.bin', Readable.from([Buffer.from('private')]), { size: 7 });
  const catalog = createCatalog({ getState: () => state, bus: newBus(), log, refreshSeconds: 0, hashFile: (m, e, signal) => hashExisting(m, e.path, { signal }) });
  srv = await startServer(state, { catalog });
});
after(async () => {
  if (skip) return;
  await srv.stop();
  for (const [slug, m] of state.mounts) await m.backend.remove(slug === 's3pub' ? '1.0' : '2.0', { recursive: true }).catch(() => undefined);
});

test('302 to a presigned URL: right bytes, right name, no-store; HEAD works', { skip }, async () => {
  const url = `${srv.base}/dl/s3pub/1.0/${encodeURIComponent(NAME)}`;
  const r = await get(url);
  assert.equal(r.status, 302);
  assert.equal(r.headers.get('cache-control'), 'no-store');
  const loc = r.headers.get('location')!;
  assert.ok(loc.startsWith(s3TestEnv()!.endpoint), loc.slice(0, 40));
  const obj = await get(loc);
  assert.equal(obj.status, 200);
  assert.deepEqual(obj.body, BYTES);
  assert.match(obj.headers.get('content-disposition')!, /filename\*=UTF-8''%C3%9Cn%C3%AFcode%20app%201\.0\.bin/);
  const h = await get(url, {}, 'HEAD');
  assert.equal(h.status, 302);
  const hh = await get(h.headers.get('location')!, {}, 'HEAD');
  assert.equal(hh.status, 200);
  assert.equal(hh.headers.get('content-length'), String(BYTES.length));
  assert.ok(await counterValue(srv.metrics, 'releasedav_downloads_total', { category: 's3pub', outcome: 'redirect' }) >= 2);
});

test('the object is not readable without a signature', { skip: skip || skipUnlessS3Can('acls') }, async () => {
  const env = s3TestEnv()!;
  const r = await get(`${env.endpoint}/${env.bucket}/${prefix}pub/1.0/${encodeURIComponent(NAME)}`);
  assert.equal(r.status, 403);
});

test('the presigned URL stops working after its lifetime', { skip }, async () => {
  const r = await get(`${srv.base}/dl/s3pub/1.0/${encodeURIComponent(NAME)}`);
  const loc = r.headers.get('location')!;
  assert.equal((await get(loc)).status, 200);
  await new Promise((res) => setTimeout(res, 4500)); // presignSeconds 2 + window 1 + clock slack
  assert.equal((await get(loc)).status, 403);
});

test('S3 access: private category needs a member; SHA-256 from sidecar and from the background hasher', { skip }, async () => {
  const u = `${srv.base}/dl/s3priv/2.0/p.bin`;
  assert.equal((await get(u)).status, 401);
  const k = await get(`${u}?dlid=${KEY}`);
  assert.equal(k.status, 302);
  assert.equal((await get(k.headers.get('location')!)).text, 'private');
  assert.equal((await get(u, basic('alice', 'pw'))).status, 302);
  const page = await get(`${srv.base}/s3pub/1.0/`);
  assert.ok(page.text.includes(createHash('sha256').update(BYTES).digest('hex')), 'hash recorded on upload');
  const cat = srv.catalog as { hasher?: { idle(): Promise<void> } };
  await cat.hasher!.idle();
  const again = await get(`${srv.base}/s3pub/1.0/`);
  assert.ok(again.text.includes(createHash('sha256').update('no sidecar').digest('hex')), 'background hasher filled the gap');
});
