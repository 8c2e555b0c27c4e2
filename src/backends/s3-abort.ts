/**
 * Clean-up after a failed multipart upload or copy: AbortMultipartUpload, bounded in time whatever
 * the store does with it. A failed write must settle even when the store refuses the abort
 * (s3rver answers 405; some look-alikes 501), never answers it, or drops the connection: then the
 * upload is left for the start-up sweep (s3-sweep.ts) and a log line says so.
 */
import { AbortMultipartUploadCommand, type S3Client } from '@aws-sdk/client-s3';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '../log.ts';
import { VfsError } from '../vfs/errors.ts';
import { s3Call, type S3CallCounter } from './s3-errors.ts';

/** What aborting needs from its backend. */
export interface AbortTarget {
  client: S3Client;
  bucket: string;
  log: Logger;
  count: S3CallCounter;
}

/** Timing of {@link abortFailedUpload} (tests shorten it). */
export interface AbortTiming {
  /** How long the failed write waits for the abort before it answers; the clean-up goes on after. */
  waitMs: number;
  /** Longest one AbortMultipartUpload call may take before it counts as failed (a store that never answers). */
  attemptTimeoutMs: number;
  /** Attempts while S3 is unreachable or answers 5xx, every 2 s at most after a short backoff. */
  attempts: number;
}

/** 2 s of waiting, 5 s per attempt, 150 attempts (about 5 minutes of retries in the background). */
export const DEFAULT_ABORT_TIMING: AbortTiming = { waitMs: 2000, attemptTimeoutMs: 5000, attempts: 150 };

type Outcome = 'gone' | 'refused' | 'retry';

/** Codes by which the store says "no" for good (405/501 → ENOTSUP, 403, 400): retrying cannot help. */
const REFUSALS = new Set(['ENOTSUP', 'EACCES', 'EINVAL']);

/**
 * Aborts multipart upload `uploadId` of `key`. Waits for it at most `timing.waitMs` (a ref'd timer,
 * so the caller's promise always settles); a store that is unreachable, times out or answers 5xx
 * is retried in the background with unref'd timers; a store that refuses the call is not retried.
 * Either way a warning names the path and says the start-up sweep will remove the upload.
 * `what` labels log lines (the VFS path, never a secret).
 * @throws never
 */
export async function abortFailedUpload(t: AbortTarget, key: string, uploadId: string, what: string, timing: AbortTiming = DEFAULT_ABORT_TIMING): Promise<void> {
  const attempt = async (): Promise<{ outcome: Outcome; reason?: string }> => {
    try {
      await s3Call(t.count, 'AbortMultipartUpload', what, () => t.client.send(
        new AbortMultipartUploadCommand({ Bucket: t.bucket, Key: key, UploadId: uploadId }),
        { abortSignal: AbortSignal.timeout(timing.attemptTimeoutMs) }));
      return { outcome: 'gone' };
    } catch (err) {
      const e = err instanceof VfsError ? err : new VfsError('EIO', String(err));
      if (e.code === 'ENOENT') return { outcome: 'gone' }; // NoSuchUpload: gone already
      return { outcome: REFUSALS.has(e.code) ? 'refused' : 'retry', reason: e.message };
    }
  };
  const cleanup = (async () => {
    for (let i = 0; i < timing.attempts; i++) {
      const { outcome, reason } = await attempt();
      if (outcome === 'gone') {
        if (i > 0) t.log.info({ path: what }, 'aborted the failed multipart upload after retrying');
        return;
      }
      if (outcome === 'refused') {
        t.log.warn({ path: what, err: reason }, 'could not abort the failed multipart upload (the store refused); the start-up sweep will remove it');
        return;
      }
      if (i === 0) t.log.warn({ path: what, err: reason }, 'could not abort the failed multipart upload yet; retrying in the background, else the start-up sweep will remove it');
      await sleep(Math.min(500 * 2 ** i, 2000), undefined, { ref: false });
    }
    t.log.warn({ path: what }, 'gave up aborting the failed multipart upload; the start-up sweep will remove it');
  })();
  let timer: NodeJS.Timeout | undefined;
  const waited = new Promise<void>((resolve) => { timer = setTimeout(resolve, timing.waitMs); });
  try {
    await Promise.race([cleanup, waited]);
  } finally {
    clearTimeout(timer);
  }
}
