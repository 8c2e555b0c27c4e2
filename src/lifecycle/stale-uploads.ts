/**
 * Aborts multipart uploads a crash left behind: those under our category prefixes that were
 * started before a cut-off. Uploads outside our prefixes belong to someone else and stay.
 */
import { AbortMultipartUploadCommand, ListMultipartUploadsCommand } from '@aws-sdk/client-s3';
import type { Metrics } from '../metrics.ts';
import { s3Call, s3CallCounter } from '../backends/s3-errors.ts';
import type { AbortStaleUploads } from './sweep.ts';

/**
 * Builds the start-up sweep's S3 step (counts calls into `metrics`).
 * The returned function throws VfsError (EIO, EACCES) when listing fails; a failed abort of one
 * upload is logged and skipped.
 * @throws never
 */
export function staleUploadAborter(metrics?: Metrics): AbortStaleUploads {
  const count = s3CallCounter(metrics);
  return async ({ client, bucket, prefixes, olderThanMs, log }) => {
    const cutoff = Date.now() - olderThanMs;
    // "" (bucket root) covers everything; otherwise drop prefixes nested in another.
    const roots = prefixes.includes('') ? [''] : prefixes.filter((p) => !prefixes.some((q) => q !== p && p.startsWith(q)));
    let aborted = 0;
    for (const prefix of roots) {
      let keyMarker: string | undefined;
      let uploadIdMarker: string | undefined;
      for (;;) {
        const page = await s3Call(count, 'ListMultipartUploads', `s3://${bucket}/${prefix}`, () => client.send(new ListMultipartUploadsCommand({
          Bucket: bucket, Prefix: prefix || undefined, KeyMarker: keyMarker, UploadIdMarker: uploadIdMarker,
        })));
        for (const u of page.Uploads ?? []) {
          if (!u.Key || !u.UploadId || !u.Initiated || u.Initiated.getTime() > cutoff) continue;
          try {
            await s3Call(count, 'AbortMultipartUpload', `s3://${bucket}/${u.Key}`, () => client.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: u.Key, UploadId: u.UploadId })));
            aborted++;
            log.info({ key: u.Key, initiated: u.Initiated.toISOString() }, 'aborted a stale multipart upload');
          } catch (e) {
            log.warn({ key: u.Key, err: (e as Error).message }, 'cannot abort a stale multipart upload');
          }
        }
        if (!page.IsTruncated) break;
        keyMarker = page.NextKeyMarker;
        uploadIdMarker = page.NextUploadIdMarker;
        if (!keyMarker && !uploadIdMarker) break;
      }
    }
    return aborted;
  };
}
