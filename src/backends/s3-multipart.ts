/**
 * Multipart upload of a body streamed in parts held in a small pool of reused buffers, so memory
 * is (queueSize + 1) × part size however long the body is (lib-storage concatenated every part
 * afresh: ~3× that here). A body that ends inside its first part never starts a multipart upload:
 * it goes as one PutObject of the bytes read (the common case of a small file sent chunked).
 *
 * Part size: fixed when the size is known (the caller picks one that fits 10,000 parts); for a body
 * of unknown length it starts small and doubles every {@link PARTS_PER_SIZE} parts, so short
 * uploads stay light and very long ones still fit S3's 10,000 parts (8 MiB start → ~8 TiB).
 */
import type { Readable } from 'node:stream';
import {
  CompleteMultipartUploadCommand, CreateMultipartUploadCommand, PutObjectCommand, UploadPartCommand, type ObjectCannedACL, type S3Client,
} from '@aws-sdk/client-s3';
import { VfsError } from '../vfs/errors.ts';
import { s3Call, type S3CallCounter } from './s3-errors.ts';

/** Parts of one size before an unknown-length upload doubles its part size. */
export const PARTS_PER_SIZE = 1000;
/** S3's limit on parts per multipart upload. */
export const MAX_PARTS = 10_000;
/** S3's largest part, which is also its largest single PUT / CopyObject. */
export const MAX_PART_BYTES = 5 * 1024 * 1024 * 1024;

/** Part size of part `n` (1-based). @throws VfsError EINVAL past S3's 10,000 parts */
export function partSizeFor(n: number, firstBytes: number, grows: boolean): number {
  if (n > MAX_PARTS) throw new VfsError('EINVAL', 'the upload is larger than S3 allows');
  return grows ? Math.min(MAX_PART_BYTES, firstBytes * 2 ** Math.floor((n - 1) / PARTS_PER_SIZE)) : firstBytes;
}

/** Where and how to upload. */
export interface PartedUpload {
  client: S3Client;
  count: S3CallCounter;
  /** Bucket, Key, ContentType, ACL and the If-Match/If-None-Match conditions (sent on completion). */
  params: { Bucket: string; Key: string; ContentType?: string; ACL?: ObjectCannedACL; IfNoneMatch?: string; IfMatch?: string };
  firstPartBytes: number;
  /** Part size doubles every PARTS_PER_SIZE parts (unknown length). */
  growParts: boolean;
  queueSize: number;
  /** Aborts the S3 calls in flight. */
  signal: AbortSignal;
  /** Labels errors (the VFS path). */
  what: string;
  /** Called with the upload id once S3 created it (so a failure can abort it). */
  onCreated(uploadId: string): void;
}

/**
 * Reads `body` to its end and stores it under params.Key. Resolves with how it was stored.
 * @throws the body's error, or the S3 call's error (VfsError via s3Call); the caller aborts the
 *   multipart upload it was told about through onCreated
 */
export async function uploadInParts(u: PartedUpload, body: Readable): Promise<{ multipart: boolean; etag?: string }> {
  const { Bucket, Key, IfNoneMatch, IfMatch, ...createExtra } = u.params;
  const free: Buffer[] = [];
  const take = (size: number) => {
    const i = free.findIndex((b) => b.length === size);
    if (i >= 0) return free.splice(i, 1)[0]!;
    free.length = 0; // the part size grew: the smaller buffers are of no further use
    return Buffer.allocUnsafeSlow(size);
  };
  let partNo = 1;
  let part = take(partSizeFor(1, u.firstPartBytes, u.growParts));
  let filled = 0;
  let uploadId: string | undefined;
  const done: { PartNumber: number; ETag: string }[] = [];
  const inFlight = new Set<Promise<void>>();
  let failure: unknown;

  const sendPart = async (n: number, buf: Buffer, len: number) => {
    const res = await s3Call(u.count, 'UploadPart', u.what, () => u.client.send(new UploadPartCommand({
      Bucket, Key, UploadId: uploadId, PartNumber: n, Body: buf.subarray(0, len), ContentLength: len,
    }), { abortSignal: u.signal }));
    done.push({ PartNumber: n, ETag: res.ETag! });
    if (free.length <= u.queueSize) free.push(buf);
  };

  const dispatch = async (len: number) => {
    if (uploadId === undefined) {
      const created = await s3Call(u.count, 'CreateMultipartUpload', u.what, () =>
        u.client.send(new CreateMultipartUploadCommand({ Bucket, Key, ...createExtra }), { abortSignal: u.signal }));
      uploadId = created.UploadId!;
      u.onCreated(uploadId);
    }
    while (inFlight.size >= u.queueSize) await Promise.race(inFlight);
    if (failure !== undefined) throw failure;
    const p: Promise<void> = sendPart(partNo, part, len)
      .catch((err: unknown) => { failure ??= err; })
      .finally(() => inFlight.delete(p));
    inFlight.add(p);
    partNo++;
    part = take(partSizeFor(partNo, u.firstPartBytes, u.growParts));
    filled = 0;
  };

  try {
    for await (const chunk of body as AsyncIterable<Buffer>) {
      let off = 0;
      while (off < chunk.length) {
        const n = chunk.copy(part, filled, off);
        filled += n;
        off += n;
        if (filled === part.length) await dispatch(filled);
      }
      if (failure !== undefined) throw failure;
    }
    if (uploadId === undefined) {
      const res = await s3Call(u.count, 'PutObject', u.what, () => u.client.send(new PutObjectCommand({
        ...u.params, Body: part.subarray(0, filled), ContentLength: filled,
      }), { abortSignal: u.signal }));
      return { multipart: false, etag: res.ETag?.replace(/^"|"$/g, '') };
    }
    if (filled > 0) await dispatch(filled);
    await Promise.all(inFlight);
    if (failure !== undefined) throw failure;
    done.sort((a, b) => a.PartNumber - b.PartNumber);
    await s3Call(u.count, 'CompleteMultipartUpload', u.what, () => u.client.send(new CompleteMultipartUploadCommand({
      Bucket, Key, UploadId: uploadId, MultipartUpload: { Parts: done },
      ...(IfNoneMatch ? { IfNoneMatch } : {}), ...(IfMatch ? { IfMatch } : {}),
    }), { abortSignal: u.signal }));
    return { multipart: true };
  } finally {
    await Promise.allSettled(inFlight);
  }
}
