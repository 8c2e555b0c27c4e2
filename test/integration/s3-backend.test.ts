/** What only the S3 backend promises: multipart abort, part sizes, ACLs, presigned URLs, copy, batch delete. */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { GetObjectAclCommand, ListMultipartUploadsCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { createS3Client } from '../../src/backends/s3-client.ts';
import { createS3Backend, type S3BackendOptions } from '../../src/backends/s3.ts';
import { choosePartSize, MAX_PARTS } from '../../src/backends/s3-upload.ts';
import { createPresigner } from '../../src/backends/s3-presign.ts';
import { createLogger } from '../../src/log.ts';
import { createMetrics } from '../../src/metrics.ts';
import { isVfsError } from '../../src/vfs/errors.ts';
import type { Backend } from '../../src/vfs/types.ts';
import { s3TestConfig, skipUnlessS3, uniquePrefix } from '../helpers/s3env.ts';
import { skipUnlessS3Can } from '../helpers/s3-capabilities.ts';

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;
const silent = createLogger({ level: 'silent' });

describe('choosePartSize', () => {
  const upload = { queueSize: 4, minPartSizeMiB: 16, unknownSizePartSizeMiB: 64 };
  it('keeps every declared size within 10,000 parts, never below the minimum', () => {
    for (const size of [0, 1, 16 * MiB, 100 * GiB, 156.25 * GiB + 1, 1024 * GiB, 5 * 1024 * GiB]) {
      const part = choosePartSize(size, upload);
      assert.ok(part >= 16 * MiB, `part for ${size}`);
      assert.ok(Math.ceil(size / part) <= MAX_PARTS, `${size} B in ${part} B parts`);
      assert.equal(part % MiB, 0);
    }
    assert.equal(choosePartSize(100 * GiB, upload), 16 * MiB);
    assert.equal(choosePartSize(1024 * GiB, upload), 105 * MiB);
  });
  it('uses the unknown-size part when no size is declared, and refuses the impossible', () => {
    assert.equal(choosePartSize(undefined, upload), 64 * MiB);
    assert.throws(() => choosePartSize(60 * 1024 * GiB, upload), (e: unknown) => isVfsError(e, 'EINVAL'));
  });
});

describe('S3 backend specifics', { skip: skipUnlessS3() }, () => {
  let client: S3Client;
  const prefix = uniquePrefix('s3-backend');
  const made: Backend[] = [];
  const make = (over: Record<string, unknown> = {}, extra: Partial<S3BackendOptions> = {}): Backend => {
    const s3 = s3TestConfig(prefix, over);
    const b = createS3Backend({ client, bucket: s3.bucket, prefix, s3, log: silent, ...extra });
    made.push(b);
    return b;
  };
  const put = (b: Backend, path: string, data: Buffer | string) => {
    const buf = Buffer.from(data);
    return b.write(path, Readable.from([buf]), { size: buf.length });
  };
  const sha = async (r: Readable) => { const h = createHash('sha256'); for await (const c of r) h.update(c as Buffer); return h.digest('hex'); };

  before(() => { client = createS3Client(s3TestConfig()); });
  after(async () => {
    const b = make();
    for await (const e of b.list('')) await b.remove(e.path, { recursive: true });
    client.destroy();
  });

  it('aborts a cut multipart upload: no upload left, the old object intact', { skip: skipUnlessS3Can('abortMultipart', 'listMultipartUploads') }, async () => {
    const b = make({ upload: { unknownSizePartSizeMiB: 5, queueSize: 2 } });
    const old = await put(b, 'cut.bin', 'the old version');
    let sent = 0;
    const body = new Readable({
      read() {
        if (sent >= 17 * MiB) return void this.destroy(new Error('client went away'));
        sent += MiB;
        this.push(randomBytes(MiB));
      },
    });
    await assert.rejects(b.write('cut.bin', body), (e: unknown) => isVfsError(e));
    const uploads = await client.send(new ListMultipartUploadsCommand({ Bucket: s3TestConfig().bucket, Prefix: prefix }));
    assert.deepEqual(uploads.Uploads ?? [], []);
    const st = await b.stat('cut.bin');
    assert.equal(st.etag, old.etag);
    assert.equal(st.size, old.size);
  });

  it('returns the real ETag after a multipart upload (RGW answers "")', async () => {
    const b = make({ upload: { unknownSizePartSizeMiB: 5 } });
    const data = randomBytes(12 * MiB);
    const seen = createHash('sha256');
    const e = await b.write('multi.bin', Readable.from([data.subarray(0, 7 * MiB), data.subarray(7 * MiB)]), { onChunk: (c) => seen.update(c) });
    assert.ok(e.etag && e.etag.length > 0, 'etag present');
    assert.equal((await b.stat('multi.bin')).etag, e.etag);
    assert.equal(e.size, 12 * MiB);
    assert.equal(seen.digest('hex'), createHash('sha256').update(data).digest('hex'), 'onChunk saw every byte in order');
  });

  it('checks ifNoneMatch / ifMatch before a multipart upload too', { skip: skipUnlessS3Can('conditionalWrites') }, async () => {
    const b = make({ upload: { unknownSizePartSizeMiB: 5 } });
    const first = await put(b, 'cond.bin', 'v1');
    const big = () => Readable.from([randomBytes(6 * MiB)]);
    await assert.rejects(b.write('cond.bin', big(), { ifNoneMatch: true }), (e: unknown) => isVfsError(e, 'EPRECOND'));
    await assert.rejects(b.write('cond.bin', big(), { ifMatch: 'nope' }), (e: unknown) => isVfsError(e, 'EPRECOND'));
    assert.equal((await b.stat('cond.bin')).etag, first.etag);
    const second = await b.write('cond.bin', big(), { ifMatch: first.etag! });
    assert.equal(second.size, 6 * MiB);
  });

  it("copies and moves keys with ( ) ! ' * # % + and unicode", { skip: skipUnlessS3Can('copySourceDecoding') }, async () => {
    const b = make();
    const name = "we!rd (x) 'q' *#%+ é.txt";
    await put(b, name, 'odd');
    await b.copy(name, `${name}.copy`);
    await b.move(`${name}.copy`, `moved ${name}`);
    const chunks: Buffer[] = [];
    for await (const c of await b.read(`moved ${name}`)) chunks.push(c as Buffer);
    assert.equal(Buffer.concat(chunks).toString(), 'odd');
    await assert.rejects(b.stat(`${name}.copy`), (e: unknown) => isVfsError(e, 'ENOENT'));
  });

  it('applies the configured ACL; a private object refuses an unsigned GET', { skip: skipUnlessS3Can('acls') }, async () => {
    const pub = make({ acl: 'public-read' });
    await put(pub, 'public.txt', 'for everyone');
    const acl = await client.send(new GetObjectAclCommand({ Bucket: s3TestConfig().bucket, Key: `${prefix}public.txt` }));
    assert.ok(acl.Grants?.some((g) => g.Grantee?.URI?.endsWith('/AllUsers') && g.Permission === 'READ'), 'AllUsers READ granted');
    const priv = make();
    await put(priv, 'private.txt', 'secret');
    const base = `${s3TestConfig().endpoint}/${s3TestConfig().bucket}/${prefix}`;
    assert.equal((await fetch(`${base}private.txt`)).status, 403);
    assert.equal((await fetch(`${base}public.txt`)).status, 200);
  });

  it('presigns GET with the file name, and HEAD for HEAD', async () => {
    const b = make();
    const data = randomBytes(4096);
    await b.mkdir('dir (1)');
    await put(b, "dir (1)/it's a file!*.bin", data);
    const url = await b.presignGet!("dir (1)/it's a file!*.bin", { expiresIn: 60, filename: 'Grüße & co.bin' });
    const res = await fetch(url);
    assert.equal(res.status, 200);
    assert.ok(Buffer.from(await res.arrayBuffer()).equals(data));
    assert.equal(res.headers.get('content-disposition'), `attachment; filename="Gr__e & co.bin"; filename*=UTF-8''Gr%C3%BC%C3%9Fe%20%26%20co.bin`);
    const head = await b.presignGet!("dir (1)/it's a file!*.bin", { expiresIn: 60, method: 'HEAD' });
    const h = await fetch(head, { method: 'HEAD' });
    assert.equal(h.status, 200);
    assert.equal(h.headers.get('content-length'), '4096');
  });

  it('refuses a tampered, wrong-method or expired presigned URL', { skip: skipUnlessS3Can('signatureChecks') }, async () => {
    const s3 = s3TestConfig();
    let now = Date.now();
    const presigner = createPresigner({ bucket: s3.bucket, s3, windowSeconds: 1, now: () => now });
    const b = make({}, { presigner });
    await put(b, 'short.txt', 'short-lived');
    const url = await b.presignGet!('short.txt', { expiresIn: 1 });
    assert.equal((await fetch(url)).status, 200);
    assert.equal((await fetch(url, { method: 'HEAD' })).status, 403, 'a GET URL does not work for HEAD');
    const tampered = new URL(url);
    tampered.pathname = tampered.pathname.replace('short', 'other');
    assert.equal((await fetch(tampered)).status, 403);
    await new Promise((r) => setTimeout(r, 3000));
    assert.equal((await fetch(url)).status, 403, 'expired after lifetime + window');
    now = Date.now();
    assert.notEqual(String(await b.presignGet!('short.txt', { expiresIn: 1 })), String(url), 'a new window signs anew');
  });

  it('reuses one URL within a window', async () => {
    const s3 = s3TestConfig();
    let now = 1_700_000_000_000;
    const p = createPresigner({ bucket: s3.bucket, s3, windowSeconds: 60, now: () => now });
    const a = String(await p.presign('k/x.bin', { expiresIn: 60 }));
    now += 30_000;
    assert.equal(String(await p.presign('k/x.bin', { expiresIn: 60 })), a);
    assert.match(a, /X-Amz-Expires=120/);
    now += 31_000;
    assert.notEqual(String(await p.presign('k/x.bin', { expiresIn: 60 })), a);
  });

  it('copies server-side, multipart above the single-copy limit', { skip: skipUnlessS3Can('uploadPartCopy') }, async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    const b = make({}, { metrics, limits: { copySingleMaxBytes: 5 * MiB, copyPartBytes: 5 * MiB } });
    const data = randomBytes(12 * MiB + 7);
    await put(b, 'orig.bin', data);
    await b.copy('orig.bin', 'copy.bin');
    assert.equal(await sha(await b.read('copy.bin')), createHash('sha256').update(data).digest('hex'));
    const calls = (await metrics.s3Calls.get()).values;
    assert.equal(calls.find((v) => v.labels.operation === 'UploadPartCopy' && v.labels.result === 'ok')?.value, 3);
    assert.equal(calls.find((v) => v.labels.operation === 'PutObject')?.value, 1, 'the bytes went up once');
  });

  it('deletes 2,500 keys in batches of 1,000', { skip: skipUnlessS3Can('longListings') }, async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    const b = make({}, { metrics });
    await b.mkdir('many');
    const bucket = s3TestConfig().bucket;
    for (let i = 0; i < 2500; i += 100) {
      await Promise.all(Array.from({ length: 100 }, (_, k) => client.send(new PutObjectCommand({ Bucket: bucket, Key: `${prefix}many/k${i + k}`, Body: '' }))));
    }
    await b.remove('many', { recursive: true });
    await assert.rejects(b.stat('many'), (e: unknown) => isVfsError(e, 'ENOENT'));
    const calls = (await metrics.s3Calls.get()).values;
    assert.equal(calls.find((v) => v.labels.operation === 'DeleteObjects' && v.labels.result === 'ok')?.value, 3);
  });
});
