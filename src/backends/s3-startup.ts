/**
 * Start-up check of the S3 settings: the bucket exists and these credentials reach it.
 * Each failure gets its own one-line message (never with a secret) in an {@link S3StartupError}.
 */
import { HeadBucketCommand, ListBucketsCommand, type S3Client } from '@aws-sdk/client-s3';
import type { CategoryConfig, S3Config } from '../config/schema.ts';
import type { Logger } from '../log.ts';
import { s3ErrorName, s3HttpStatus } from './s3-errors.ts';

/** Why the daemon cannot use the configured S3; `message` is fit to print as is. */
export class S3StartupError extends Error {
  readonly reason: 'bucket-missing' | 'credentials' | 'unreachable' | 'other';
  constructor(reason: S3StartupError['reason'], message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'S3StartupError';
    this.reason = reason;
  }
}

const UNREACHABLE = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNRESET', 'TimeoutError', 'RequestTimeout']);
const BAD_CREDENTIALS = new Set(['InvalidAccessKeyId', 'SignatureDoesNotMatch', 'InvalidToken', 'ExpiredToken']);

/**
 * HeadBucket on the configured bucket; warns about categories at the bucket root (`s3://`).
 * @throws S3StartupError bucket-missing (with a case hint from ListBuckets when one matches),
 *   credentials, unreachable (names the endpoint), other
 */
export async function checkS3(o: { client: S3Client; s3: S3Config; categories: CategoryConfig[]; log: Logger }): Promise<void> {
  const { client, s3 } = o;
  const endpoint = s3.endpoint ?? `https://s3.${s3.region}.amazonaws.com`;
  try {
    await client.send(new HeadBucketCommand({ Bucket: s3.bucket }));
  } catch (err) {
    throw await explain(err);
  }
  for (const c of o.categories) {
    if (/^s3:\/\/\/?$/i.test(c.directory.trim())) {
      o.log.warn({ category: c.slug }, `category "${c.slug}" uses the whole bucket "${s3.bucket}" (s3://): every key in it is part of the category`);
    }
  }
  o.log.info({ bucket: s3.bucket, endpoint }, 'S3 bucket reachable');

  async function explain(err: unknown): Promise<S3StartupError> {
    const name = s3ErrorName(err);
    const code = (err as { code?: string }).code ?? '';
    const status = s3HttpStatus(err);
    if (UNREACHABLE.has(name) || UNREACHABLE.has(code) || (!status && /ECONNREFUSED|ENOTFOUND|timed? ?out/i.test(String((err as Error).message)))) {
      return new S3StartupError('unreachable', `S3 endpoint ${endpoint} is unreachable (${code || name}); check storage.s3.endpoint and the network`, { cause: err });
    }
    if (BAD_CREDENTIALS.has(name) || status === 403) {
      return new S3StartupError('credentials', `S3 refused the credentials for bucket "${s3.bucket}" at ${endpoint} (${status === 403 && !BAD_CREDENTIALS.has(name) ? 'HTTP 403' : name}); ` +
        'check storage.s3.accessKeyId and secretAccessKey (and that this key may use the bucket)', { cause: err });
    }
    if (name === 'NotFound' || name === 'NoSuchBucket' || status === 404) {
      const hint = await similarBucket();
      return new S3StartupError('bucket-missing', `S3 bucket "${s3.bucket}" does not exist at ${endpoint}` +
        (hint ? `; bucket names are case-sensitive: did you mean "${hint}"?` : '; create it or fix storage.s3.bucket'), { cause: err });
    }
    return new S3StartupError('other', `S3 check of bucket "${s3.bucket}" at ${endpoint} failed: ${name}${status ? ` (HTTP ${status})` : ''}`, { cause: err });
  }

  async function similarBucket(): Promise<string | undefined> {
    try {
      const res = await client.send(new ListBucketsCommand({}));
      return res.Buckets?.map((b) => b.Name ?? '').find((n) => n !== s3.bucket && n.toLowerCase() === s3.bucket.toLowerCase());
    } catch {
      return undefined; // ListBuckets is often not allowed; the plain message stands
    }
  }
}
