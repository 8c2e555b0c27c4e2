/** Our streamed multipart upload against the real S3: part schedule, small bodies, exact bytes, S3 calls made. */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { DeleteObjectCommand, GetObjectCommand, ListMultipartUploadsCommand, type S3Client } from '@aws-sdk/client-s3';
import { createS3Client } from '../../src/backends/s3-client.ts';
import { PARTS_PER_SIZE, partSizeFor, uploadInParts } from '../../src/backends/s3-multipart.ts';
import { isVfsError } from '../../src/vfs/errors.ts';
import { s3TestConfig, skipUnlessS3, uniquePrefix } from '../helpers/s3env.ts';
import { checkIfS3Can } from '../helpers/s3-capabilities.ts';

const MiB = 1024 * 1024;

describe('partSizeFor', () => {
  it('doubles every PARTS_PER_SIZE parts for unknown lengths and stays fixed otherwise', () => {
    assert.equal(partSizeFor(1, 8 * MiB, true), 8 * MiB);
    assert.equal(partSizeFor(PARTS_PER_SIZE, 8 * MiB, true), 8 * MiB);
    assert.equal(partSizeFor(PARTS_PER_SIZE + 1, 8 * MiB, true), 16 * MiB);
    assert.equal(partSizeFor(10_000, 8 * MiB, true), 8 * MiB * 2 ** 9);
    assert.equal(partSizeFor(9_999, 16 * MiB, false), 16 * MiB);
    let total = 0;
    for (let n = 1; n <= 10_000; n++) total += partSizeFor(n, 8 * MiB, true);
    assert.ok(total > 5 * 1024 ** 4, `10,000 growing parts hold more than S3's 5 TiB object limit (${total})`);
    assert.throws(() => partSizeFor(10_001, 8 * MiB, true), (e: unknown) => isVfsError(e, 'EINVAL'));
  });
});

describe('uploadInParts on S3', { skip: skipUnlessS3() }, () => {
  let client: S3Client;
  const prefix = uniquePrefix('s3-multipart');
  const bucket = s3TestConfig().bucket;
  const keys: string[] = [];

  before(() => { client = createS3Client(s3TestConfig()); });
  after(async () => {
    for (const Key of keys) await client.send(new DeleteObjectCommand({ Bucket: bucket, Key })).catch(() => undefined);
    client.destroy();
  });

  /** Uploads `chunks` as an unknown-length body with 5 MiB first parts; returns the result and the S3 calls made. */
  async function upload(name: string, chunks: Buffer[], queueSize = 2) {
    const Key = `${prefix}${name}`;
    keys.push(Key);
    const calls: string[] = [];
    let created: string | undefined;
    const res = await uploadInParts({
      client, count: (op) => calls.push(op), params: { Bucket: bucket, Key, ContentType: 'application/x-test' },
      firstPartBytes: 5 * MiB, growParts: true, queueSize, signal: new AbortController().signal, what: name,
      onCreated: (id) => { created = id; },
    }, Readable.from(chunks));
    const got = await client.send(new GetObjectCommand({ Bucket: bucket, Key }));
    const bytes = Buffer.from(await got.Body!.transformToByteArray());
    return { res, calls, created, bytes, contentType: got.ContentType };
  }
  const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

  it('a body that ends inside its first part is one PutObject, no multipart upload', async () => {
    const data = randomBytes(3 * MiB + 17);
    const r = await upload('small.bin', [data.subarray(0, 1000), data.subarray(1000)]);
    assert.deepEqual(r.calls, ['PutObject']);
    assert.equal(r.created, undefined);
    assert.equal(r.res.multipart, false);
    assert.ok(r.res.etag);
    assert.equal(sha(r.bytes), sha(data));
    assert.equal(r.contentType, 'application/x-test');
  });

  it('an empty body is stored as an empty object', async () => {
    const r = await upload('empty.bin', []);
    assert.deepEqual(r.calls, ['PutObject']);
    assert.equal(r.bytes.length, 0);
  });

  it('a long body in odd chunks becomes ordered parts with every byte in place', async (t) => {
    const data = randomBytes(17 * MiB + 123);
    const chunks: Buffer[] = [];
    for (let off = 0, i = 0; off < data.length; i++) {
      const n = [65_536, 1, 3 * MiB + 5, 700_001][i % 4]!;
      chunks.push(data.subarray(off, off + n));
      off += n;
    }
    const r = await upload('long.bin', chunks, 3);
    assert.equal(r.res.multipart, true);
    assert.ok(r.created);
    assert.deepEqual(r.calls.filter((c) => c === 'UploadPart').length, 4, '5+5+5+2 MiB');
    assert.deepEqual([r.calls[0], r.calls.at(-1)], ['CreateMultipartUpload', 'CompleteMultipartUpload']);
    assert.equal(sha(r.bytes), sha(data));
    await checkIfS3Can(t, 'listMultipartUploads', 'no upload left in progress', async () => {
      const left = await client.send(new ListMultipartUploadsCommand({ Bucket: bucket, Prefix: prefix }));
      assert.deepEqual(left.Uploads ?? [], []);
    });
  });

  it('a body that is exactly one part long is one part, not an extra empty one', async () => {
    const data = randomBytes(5 * MiB);
    const r = await upload('exact.bin', [data]);
    assert.deepEqual(r.calls, ['CreateMultipartUpload', 'UploadPart', 'CompleteMultipartUpload']);
    assert.equal(sha(r.bytes), sha(data));
  });
});
