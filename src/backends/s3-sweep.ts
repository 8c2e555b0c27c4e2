/**
 * Start-up sweep: aborts multipart uploads under our prefixes that a crash or a cut connection
 * left behind (they cost storage and never become objects).
 */
import { AbortMultipartUploadCommand, ListMultipartUploadsCommand, type S3Client } from '@aws-sdk/client-s3';
import type { Logger } from '../log.ts';
import { toVfsError } from './s3-errors.ts';

/**
 * Aborts every multipart upload under `prefixes` (key prefixes, "" = whole bucket) started more
 * than `olderThanMs` ago. Failures to abort one upload are logged and skipped.
 * @returns the number of uploads aborted
 * @throws VfsError when the uploads cannot be listed
 */
export async function abortStaleUploads(o: { client: S3Client; bucket: string; prefixes: string[]; olderThanMs: number; log: Logger; now?: () => number }): Promise<number> {
  const cutoff = (o.now ?? Date.now)() - o.olderThanMs;
  // "" covers everything; otherwise drop prefixes another one already covers.
  const prefixes = [...new Set(o.prefixes)].sort().filter((p, i, all) => !all.slice(0, i).some((q) => p.startsWith(q)));
  let aborted = 0;
  for (const Prefix of prefixes) {
    let KeyMarker: string | undefined;
    let UploadIdMarker: string | undefined;
    do {
      let res;
      try {
        res = await o.client.send(new ListMultipartUploadsCommand({ Bucket: o.bucket, Prefix, KeyMarker, UploadIdMarker }));
      } catch (err) {
        throw toVfsError(err, `ListMultipartUploads "${Prefix}"`);
      }
      for (const u of res.Uploads ?? []) {
        if (!u.Key || !u.UploadId || !u.Initiated || u.Initiated.getTime() > cutoff) continue;
        try {
          await o.client.send(new AbortMultipartUploadCommand({ Bucket: o.bucket, Key: u.Key, UploadId: u.UploadId }));
          aborted++;
        } catch (err) {
          o.log.warn({ key: u.Key, err: toVfsError(err, 'AbortMultipartUpload').message }, 'could not abort a stale multipart upload');
        }
      }
      KeyMarker = res.IsTruncated ? res.NextKeyMarker : undefined;
      UploadIdMarker = res.IsTruncated ? res.NextUploadIdMarker : undefined;
    } while (KeyMarker);
  }
  if (aborted > 0) o.log.info({ aborted, bucket: o.bucket }, 'aborted stale multipart uploads');
  return aborted;
}
