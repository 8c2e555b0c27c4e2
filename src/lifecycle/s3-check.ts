/**
 * The S3 start-up check: HeadBucket with the configured credentials, and one clear message per
 * way it fails (missing bucket, wrong case, bad credentials, wrong region, unreachable endpoint).
 */
import { HeadBucketCommand, ListBucketsCommand, type S3Client } from '@aws-sdk/client-s3';
import type { S3Config } from '../config/schema.ts';
import { s3ErrorName, s3HttpStatus } from '../backends/s3-errors.ts';
import { StorageCheckError } from '../cli/exit-codes.ts';

const where = (s3: S3Config) => s3.endpoint ?? `AWS S3 (${s3.region})`;

/**
 * Resolves when the bucket exists and these credentials may use it.
 * @throws StorageCheckError with a message fit to print as is (never a secret)
 */
export async function checkS3Bucket(client: S3Client, s3: S3Config): Promise<void> {
  let err: unknown;
  try {
    await client.send(new HeadBucketCommand({ Bucket: s3.bucket }));
    return;
  } catch (e) {
    err = e;
  }
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  const name = code && /^E[A-Z]+$/.test(code) ? code : s3ErrorName(err);
  const status = s3HttpStatus(err);
  const bucket = JSON.stringify(s3.bucket);
  if (status === 404 || name === 'NotFound' || name === 'NoSuchBucket') {
    const other = await similarBucket(client, s3.bucket);
    throw new StorageCheckError(other
      ? `S3 bucket ${bucket} does not exist at ${where(s3)}, but ${JSON.stringify(other)} does: bucket names are case-sensitive (storage.s3.bucket)`
      : `S3 bucket ${bucket} does not exist at ${where(s3)} (storage.s3.bucket)`, { cause: err });
  }
  if (status === 403 || name === 'AccessDenied' || name === 'Forbidden' || name === 'InvalidAccessKeyId' || name === 'SignatureDoesNotMatch') {
    throw new StorageCheckError(`S3 refused access to bucket ${bucket} at ${where(s3)}: check storage.s3.accessKeyId / secretAccessKey and the bucket policy`, { cause: err });
  }
  if (status === 301 || name === 'PermanentRedirect') {
    throw new StorageCheckError(`S3 bucket ${bucket} is in another region than ${JSON.stringify(s3.region)} (storage.s3.region)`, { cause: err });
  }
  if (status === 400 && /region/i.test(String((err as Error).message))) {
    throw new StorageCheckError(`S3 rejected the region ${JSON.stringify(s3.region)} for bucket ${bucket} (storage.s3.region)`, { cause: err });
  }
  if (status === undefined) {
    throw new StorageCheckError(`cannot reach the S3 endpoint ${where(s3)} (${name}); check storage.s3.endpoint and the network`, { cause: err });
  }
  throw new StorageCheckError(`S3 check of bucket ${bucket} at ${where(s3)} failed: ${name} (HTTP ${status})`, { cause: err });
}

/** A bucket whose name differs from `bucket` only in case, if ListBuckets is allowed. @throws never */
async function similarBucket(client: S3Client, bucket: string): Promise<string | undefined> {
  try {
    const r = await client.send(new ListBucketsCommand({}));
    return r.Buckets?.map((b) => b.Name ?? '').find((n) => n !== bucket && n.toLowerCase() === bucket.toLowerCase());
  } catch {
    return undefined;
  }
}
