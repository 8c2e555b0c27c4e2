/**
 * The start-up sweep: removes what a crash can leave behind. Local categories: our temp files
 * (`.rdav-*.tmp`) older than an hour. S3: multipart uploads under our category prefixes older
 * than `storage.s3.staleUploadHours`. Logged with counts; failures are logged, never fatal.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import { sweepTempFiles } from '../backends/local.ts';
import type { Config } from '../config/schema.ts';
import type { Logger } from '../log.ts';
import { resolveLocation } from '../vfs/mount-table.ts';

/** Temp files younger than this may belong to an upload of another process on the same disk. */
export const STALE_TEMP_FILE_MS = 60 * 60 * 1000;

/** Aborts multipart uploads under `prefixes` started more than `olderThanMs` ago; returns how many. */
export type AbortStaleUploads = (o: { client: S3Client; bucket: string; prefixes: string[]; olderThanMs: number; log: Logger }) => Promise<number>;

export interface SweepResult { tempFilesRemoved: number; uploadsAborted: number; errors: number }

/**
 * Runs the sweep over every category of `config`.
 * @throws never (each failure is logged and counted)
 */
export async function startupSweep(config: Config, deps: { log: Logger; s3Client?: S3Client; abortStaleUploads?: AbortStaleUploads; tempFileAgeMs?: number }): Promise<SweepResult> {
  const { log } = deps;
  const result: SweepResult = { tempFilesRemoved: 0, uploadsAborted: 0, errors: 0 };
  const prefixes: string[] = [];
  for (const c of config.categories) {
    const loc = resolveLocation(c.directory, config.storage.local.root);
    if (loc.kind === 's3') { prefixes.push(loc.prefix); continue; }
    try {
      result.tempFilesRemoved += await sweepTempFiles(loc.path, deps.tempFileAgeMs ?? STALE_TEMP_FILE_MS);
    } catch (e) {
      result.errors++;
      log.warn({ category: c.slug, err: (e as Error).message }, 'start-up sweep: cannot sweep the category folder');
    }
  }
  const s3 = config.storage.s3;
  if (s3 && prefixes.length > 0 && deps.s3Client && deps.abortStaleUploads) {
    try {
      result.uploadsAborted = await deps.abortStaleUploads({
        client: deps.s3Client, bucket: s3.bucket, prefixes: [...new Set(prefixes)], olderThanMs: s3.staleUploadHours * 3600_000, log,
      });
    } catch (e) {
      result.errors++;
      log.warn({ err: (e as Error).message }, 'start-up sweep: cannot list or abort stale multipart uploads');
    }
  }
  log.info({ ...result, staleUploadHours: s3?.staleUploadHours }, 'start-up sweep done');
  return result;
}
