/**
 * Streaming writes and multipart copies on S3. A write is atomic: S3 never shows a half
 * object, a failed single PUT stores nothing, and a failed multipart upload is aborted
 * (s3-abort.ts: bounded in time; what the store refuses is left to the start-up sweep).
 */
import { Transform, type Readable, type TransformCallback } from 'node:stream';
import {
  CompleteMultipartUploadCommand, CreateMultipartUploadCommand, HeadObjectCommand, PutObjectCommand, UploadPartCopyCommand, type ObjectCannedACL, type S3Client,
} from '@aws-sdk/client-s3';
import type { S3Config } from '../config/schema.ts';
import type { Logger } from '../log.ts';
import { VfsError } from '../vfs/errors.ts';
import type { WriteOptions } from '../vfs/types.ts';
import { abortFailedUpload, type AbortTiming } from './s3-abort.ts';
import { s3Call, toVfsError, type S3CallCounter } from './s3-errors.ts';
import { MAX_PART_BYTES, MAX_PARTS, uploadInParts, type PartedUpload } from './s3-multipart.ts';

type UploadParams = PartedUpload['params'];

const MiB = 1024 * 1024;
export { MAX_PARTS };
/** S3's largest part and largest single PUT / CopyObject. */
export const MAX_SINGLE_BYTES = MAX_PART_BYTES;

/** Size thresholds; tests lower them to exercise the multipart paths with small objects. */
export interface S3Limits {
  /** Known sizes up to this go as one streaming PutObject (default 5 GiB, S3's maximum). */
  singlePutMaxBytes: number;
  /** Objects above this are copied with UploadPartCopy (default 5 GiB). */
  copySingleMaxBytes: number;
  /** Part size of a multipart copy (default 1 GiB). */
  copyPartBytes: number;
}

/** The defaults: one PUT/CopyObject up to S3's 5 GiB, 1 GiB copy parts above. */
export const DEFAULT_LIMITS: S3Limits = { singlePutMaxBytes: MAX_SINGLE_BYTES, copySingleMaxBytes: MAX_SINGLE_BYTES, copyPartBytes: 1024 * MiB };

/**
 * Part size for a multipart upload: at least `minPartSizeMiB`, grown (in whole MiB) so that a
 * body of the declared size fits in {@link MAX_PARTS}; unknown sizes use `unknownSizePartSizeMiB`.
 * @throws VfsError EINVAL when even 5 GiB parts cannot hold `size` (over ~48.8 TiB)
 */
export function choosePartSize(size: number | undefined, upload: S3Config['upload']): number {
  if (size === undefined) return upload.unknownSizePartSizeMiB * MiB;
  const needed = Math.ceil(Math.ceil(size / MAX_PARTS) / MiB) * MiB;
  const part = Math.max(upload.minPartSizeMiB * MiB, needed);
  if (part > MAX_SINGLE_BYTES) throw new VfsError('EINVAL', 'the upload is larger than S3 allows');
  return part;
}

/** What an upload needs from its backend. */
export interface UploadTarget {
  client: S3Client;
  bucket: string;
  s3: S3Config;
  log: Logger;
  count: S3CallCounter;
  limits: S3Limits;
  /** The canned ACL to send, or undefined when the bucket refuses ACLs and config says skip. */
  acl(): Promise<ObjectCannedACL | undefined>;
  /** Timing of the abort after a failure (default DEFAULT_ABORT_TIMING; tests shorten it). */
  abortTiming?: AbortTiming;
}

/**
 * Streams `body` into `key`; resolves once S3 has the whole object, with the ETag when the
 * store returned a usable one (a single PUT), undefined after a multipart upload (RGW answers "").
 * `what` labels errors (the VFS path, never a secret).
 * @throws VfsError EPRECOND (ifMatch/ifNoneMatch), EACCES, ENOTSUP (ACL refused), EIO (body error,
 *   abort, store failure), EINVAL (declared size does not match the body)
 */
export async function uploadObject(t: UploadTarget, key: string, body: Readable, o: WriteOptions, what: string): Promise<{ etag?: string } | undefined> {
  const ac = new AbortController();
  const meter = meterBody(body, o, ac);
  const onAbort = () => meter.destroy(new VfsError('EIO', 'upload aborted'));
  if (o.signal?.aborted) onAbort();
  o.signal?.addEventListener('abort', onAbort, { once: true });
  const acl = await t.acl();
  const conditions = {
    ...(o.ifNoneMatch ? { IfNoneMatch: '*' } : {}),
    // RGW 16 compares If-Match against the unquoted ETag; AWS accepts either form.
    ...(o.ifMatch ? { IfMatch: o.ifMatch.replace(/^"|"$/g, '') } : {}),
  };
  const params: UploadParams = { Bucket: t.bucket, Key: key, ContentType: o.contentType, ...(acl ? { ACL: acl } : {}), ...conditions };
  try {
    if (o.size !== undefined && o.size <= t.limits.singlePutMaxBytes) {
      const res = await s3Call(t.count, 'PutObject', what, () =>
        t.client.send(new PutObjectCommand({ ...params, Body: meter, ContentLength: o.size }), { abortSignal: ac.signal }));
      return { etag: res.ETag?.replace(/^"|"$/g, '') };
    }
    // RGW ignores If-None-Match on CompleteMultipartUpload (it is still sent): check first.
    if (o.ifNoneMatch || o.ifMatch) await checkPrecondition(t, key, o, what);
    return await multipartUpload(t, key, meter, params, o.size, what, ac.signal);
  } catch (err) {
    const failure = meter.failure ?? aclError(err, t.s3) ?? toVfsError(err, `upload ${what}`);
    body.unpipe();
    meter.destroy();
    throw failure;
  } finally {
    o.signal?.removeEventListener('abort', onAbort);
  }
}

/** Best-effort If-Match / If-None-Match before a multipart upload. @throws VfsError EPRECOND */
async function checkPrecondition(t: UploadTarget, key: string, o: WriteOptions, what: string): Promise<void> {
  let etag: string | undefined;
  try {
    const h = await s3Call(t.count, 'HeadObject', what, () => t.client.send(new HeadObjectCommand({ Bucket: t.bucket, Key: key })));
    etag = h.ETag?.replace(/^"|"$/g, '') ?? '';
  } catch (err) {
    if (!(err instanceof VfsError) || err.code !== 'ENOENT') throw err;
  }
  if (o.ifNoneMatch && etag !== undefined) throw new VfsError('EPRECOND', `${what} already exists`);
  if (o.ifMatch && etag !== o.ifMatch.replace(/^"|"$/g, '')) throw new VfsError('EPRECOND', `${what} has changed`);
}

interface MeteredBody extends Transform { failure?: VfsError }

/** Bytes the metering stage may hold on each side before it pushes back on the client. */
const METER_BUFFER_BYTES = 1024 * 1024;

/**
 * The one stage between the client body and the S3 request: counts bytes, enforces the declared
 * size, feeds onChunk, and aborts the request on body failure. Chunks pass as they came (gathering
 * them into larger buffers cost more in allocation and GC than it saved in socket writes).
 */
function meterBody(body: Readable, o: WriteOptions, ac: AbortController): MeteredBody {
  let seen = 0;
  const out: MeteredBody = new Transform({
    writableHighWaterMark: METER_BUFFER_BYTES,
    readableHighWaterMark: METER_BUFFER_BYTES,
    transform(chunk: Buffer, _enc, cb: TransformCallback) {
      seen += chunk.length;
      if (o.size !== undefined && seen > o.size) return cb(new VfsError('EINVAL', 'the body is longer than its declared size'));
      o.onChunk?.(chunk);
      cb(null, chunk);
    },
    flush(cb: TransformCallback) {
      if (o.size !== undefined && seen !== o.size) return cb(new VfsError('EINVAL', 'the body ended before its declared size'));
      cb();
    },
  });
  const fail = (err: unknown) => {
    if (out.failure) return;
    out.failure = err instanceof VfsError ? err : new VfsError('EIO', 'the upload body failed', { cause: err });
    ac.abort(out.failure);
    body.unpipe(out);
    out.destroy(out.failure);
  };
  body.on('error', fail);
  out.on('error', fail);
  body.pipe(out);
  return out;
}

async function multipartUpload(
  t: UploadTarget, key: string, body: MeteredBody, params: UploadParams, size: number | undefined, what: string, signal: AbortSignal,
): Promise<{ etag?: string } | undefined> {
  let uploadId: string | undefined;
  try {
    const res = await uploadInParts({
      client: t.client, count: t.count, params, what, signal,
      firstPartBytes: choosePartSize(size, t.s3.upload),
      growParts: size === undefined,
      queueSize: t.s3.upload.queueSize,
      onCreated: (id) => { uploadId = id; },
    }, body);
    if (res.multipart) t.count('MultipartUpload', 'ok');
    return res.multipart ? undefined : { etag: res.etag };
  } catch (err) {
    if (uploadId) {
      t.count('MultipartUpload', (err as Error).name ?? 'Error');
      await abortFailedUpload(t, key, uploadId, what, t.abortTiming);
    }
    throw err;
  }
}

function aclError(err: unknown, s3: S3Config): VfsError | undefined {
  const name = (err as { name?: string } | undefined)?.name;
  if (name !== 'AccessControlListNotSupported') return undefined;
  return new VfsError('ENOTSUP', `the bucket refuses ACLs (Object Ownership "bucket owner enforced"), so storage.s3.acl "${s3.acl}" cannot be applied; ` +
    'set storage.s3.onAclUnsupported: skip to upload without an ACL', { cause: err });
}

/**
 * Server-side copy of a large object with UploadPartCopy parts (aborted on failure).
 * @throws VfsError
 */
export async function multipartCopy(
  t: UploadTarget, from: string, to: string, size: number, contentType: string | undefined, what: string,
): Promise<void> {
  const acl = await t.acl();
  const created = await s3Call(t.count, 'CreateMultipartUpload', what, () => t.client.send(new CreateMultipartUploadCommand({
    Bucket: t.bucket, Key: to, ContentType: contentType, ...(acl ? { ACL: acl } : {}),
  })));
  const uploadId = created.UploadId!;
  const partBytes = Math.max(t.limits.copyPartBytes, Math.ceil(size / MAX_PARTS));
  const ranges: { n: number; start: number; end: number }[] = [];
  for (let start = 0, n = 1; start < size; start += partBytes, n++) ranges.push({ n, start, end: Math.min(size, start + partBytes) - 1 });
  const etags: { PartNumber: number; ETag: string }[] = [];
  try {
    await forEachLimited(ranges, 4, async (r) => {
      const res = await s3Call(t.count, 'UploadPartCopy', what, () => t.client.send(new UploadPartCopyCommand({
        Bucket: t.bucket, Key: to, UploadId: uploadId, PartNumber: r.n,
        CopySource: copySource(t.bucket, from), CopySourceRange: `bytes=${r.start}-${r.end}`,
      })));
      etags.push({ PartNumber: r.n, ETag: res.CopyPartResult!.ETag! });
    });
    etags.sort((a, b) => a.PartNumber - b.PartNumber);
    await s3Call(t.count, 'CompleteMultipartUpload', what, () => t.client.send(new CompleteMultipartUploadCommand({
      Bucket: t.bucket, Key: to, UploadId: uploadId, MultipartUpload: { Parts: etags },
    })));
  } catch (err) {
    await abortFailedUpload(t, to, uploadId, what, t.abortTiming);
    throw err;
  }
}

/** The `x-amz-copy-source` value: bucket/key with every reserved character percent-encoded. */
export function copySource(bucket: string, key: string): string {
  return `${bucket}/${key.split('/').map(rfc3986).join('/')}`;
}

/** encodeURIComponent plus the five characters it leaves alone (`! ' ( ) *`). */
export function rfc3986(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());
}

/**
 * Runs `fn` over `items` with at most `limit` in flight; rejects with the first failure
 * (after the calls in flight have settled).
 */
export async function forEachLimited<T>(items: Iterable<T>, limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  const it = items[Symbol.iterator]();
  let failure: unknown;
  const worker = async () => {
    for (let n = it.next(); !n.done && failure === undefined; n = it.next()) {
      try { await fn(n.value); } catch (err) { failure ??= err; }
    }
  };
  await Promise.all(Array.from({ length: limit }, worker));
  if (failure !== undefined) throw failure;
}
