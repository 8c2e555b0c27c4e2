/**
 * The one place where AWS SDK errors become {@link VfsError}s, and where S3 calls are counted.
 * Messages name the operation and the key (never credentials, signatures or URLs with queries).
 */
import { VfsError, type VfsErrorCode } from '../vfs/errors.ts';
import type { Metrics } from '../metrics.ts';

interface AwsLikeError {
  name?: string;
  Code?: string;
  code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
  $response?: { statusCode?: number };
}

const BY_NAME: Record<string, VfsErrorCode> = {
  NoSuchKey: 'ENOENT',
  NotFound: 'ENOENT',
  NoSuchBucket: 'ENOENT',
  NoSuchUpload: 'ENOENT',
  PreconditionFailed: 'EPRECOND',
  ConditionalRequestConflict: 'EPRECOND',
  AccessDenied: 'EACCES',
  Forbidden: 'EACCES',
  AllAccessDisabled: 'EACCES',
  InvalidAccessKeyId: 'EACCES',
  SignatureDoesNotMatch: 'EACCES',
  AccessControlListNotSupported: 'ENOTSUP',
  NotImplemented: 'ENOTSUP',
  InvalidRange: 'ERANGE',
  EntityTooLarge: 'ENOSPC',
  QuotaExceeded: 'ENOSPC',
  InvalidArgument: 'EINVAL',
  KeyTooLongError: 'EINVAL',
  InvalidObjectName: 'EINVAL',
  RequestTimeout: 'ETIMEDOUT',
  TimeoutError: 'ETIMEDOUT',
  RequestTimeoutException: 'ETIMEDOUT',
  AbortError: 'EIO',
};

const BY_STATUS: Record<number, VfsErrorCode> = {
  400: 'EINVAL', 403: 'EACCES', 404: 'ENOENT', 405: 'ENOTSUP', 409: 'EPRECOND', 412: 'EPRECOND',
  416: 'ERANGE', 501: 'ENOTSUP', 507: 'ENOSPC',
};

const NETWORK_TIMEOUT = new Set(['ETIMEDOUT', 'ESOCKETTIMEDOUT', 'TimeoutError', 'RequestTimeout']);
const NETWORK_DOWN = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH']);

/** The S3 error name of an SDK error (`NoSuchKey`, `AccessDenied`, ...), or the Node error code. */
export function s3ErrorName(err: unknown): string {
  const e = (err ?? {}) as AwsLikeError;
  return e.Code ?? e.name ?? e.code ?? 'Error';
}

/** HTTP status the store answered with, if any. */
export function s3HttpStatus(err: unknown): number | undefined {
  const e = (err ?? {}) as AwsLikeError;
  return e.$metadata?.httpStatusCode ?? e.$response?.statusCode;
}

/**
 * Converts anything thrown by an S3 call into a VfsError (a VfsError passes through unchanged).
 * `what` names the operation and key for the message, e.g. `HeadObject "a/b.zip"`.
 * @throws never; returns the error to throw.
 */
export function toVfsError(err: unknown, what: string): VfsError {
  if (err instanceof VfsError) return err;
  const name = s3ErrorName(err);
  const nodeCode = (err as { code?: string } | undefined)?.code;
  const status = s3HttpStatus(err);
  let code: VfsErrorCode | undefined = BY_NAME[name];
  if (!code && nodeCode && NETWORK_TIMEOUT.has(nodeCode)) code = 'ETIMEDOUT';
  if (!code && (NETWORK_DOWN.has(name) || (nodeCode && NETWORK_DOWN.has(nodeCode)))) code = 'EIO';
  if (!code && status) code = BY_STATUS[status] ?? 'EIO';
  code ??= 'EIO';
  const detail = status ? `${name} (HTTP ${status})` : name;
  return new VfsError(code, `S3 ${what} failed: ${detail}`, { cause: err });
}

/**
 * Converts a raw HTTP error answer of S3 (a request made without the SDK, e.g. a presigned GET)
 * into a VfsError: the S3 error `<Code>` from the body when there is one, else the status
 * (404 ENOENT, 403 EACCES, 416 ERANGE, 5xx EIO, ...). `what` names the operation and key.
 * @throws never; returns the error to throw.
 */
export function httpStatusError(status: number, s3Code: string | undefined, what: string): VfsError {
  const code: VfsErrorCode = (s3Code ? BY_NAME[s3Code] : undefined) ?? BY_STATUS[status] ?? 'EIO';
  return new VfsError(code, `S3 ${what} failed: ${s3Code ?? 'error'} (HTTP ${status})`);
}

/** Counts S3 calls into `metrics.s3Calls{operation,result}`; result is `ok` or the error name. */
export type S3CallCounter = (operation: string, result: string) => void;

/** A counter that records into `metrics` (or does nothing without it). @throws never */
export function s3CallCounter(metrics?: Metrics): S3CallCounter {
  if (!metrics) return () => {};
  return (operation, result) => metrics.s3Calls.inc({ operation, result });
}

/**
 * Runs one S3 call, counts it, and converts its failure.
 * @throws VfsError (see {@link toVfsError})
 */
export async function s3Call<T>(count: S3CallCounter, operation: string, what: string, fn: () => Promise<T>): Promise<T> {
  try {
    const out = await fn();
    count(operation, 'ok');
    return out;
  } catch (err) {
    count(operation, s3ErrorName(err));
    throw toVfsError(err, `${operation} ${what}`);
  }
}
