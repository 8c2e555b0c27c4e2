/** The one error vocabulary of the daemon, mapped to HTTP status in one place. */

export type VfsErrorCode =
  | 'ENOENT' | 'EEXIST' | 'ENOTDIR' | 'EISDIR' | 'ENOTEMPTY' | 'EACCES' | 'EROFS'
  | 'ENOTSUP' | 'EPRECOND' | 'EINVAL' | 'ENOSPC' | 'ERANGE' | 'ELOCKED' | 'ETIMEDOUT' | 'EIO'
  /** A shared service (the Redis of `coordination`) cannot be reached: 503 + Retry-After. */
  | 'EUNAVAIL';

/**
 * A storage or request error with a stable code. `message` is safe to show to a client
 * (never holds secrets or internal paths); the original error is kept as `cause` for logs.
 */
export class VfsError extends Error {
  readonly code: VfsErrorCode;
  constructor(code: VfsErrorCode, message?: string, options?: { cause?: unknown }) {
    super(message ?? code, options);
    this.name = 'VfsError';
    this.code = code;
  }
}

const STATUS: Record<VfsErrorCode, number> = {
  ENOENT: 404,
  EEXIST: 405,
  ENOTDIR: 409,
  EISDIR: 405,
  ENOTEMPTY: 409,
  EACCES: 403,
  EROFS: 403,
  ENOTSUP: 501,
  EPRECOND: 412,
  EINVAL: 400,
  ENOSPC: 507,
  ERANGE: 416,
  ELOCKED: 423,
  ETIMEDOUT: 504,
  EIO: 502,
  EUNAVAIL: 503,
};

/** Retry-After (seconds) sent with EUNAVAIL answers. */
export const UNAVAILABLE_RETRY_AFTER_SECONDS = 5;

/** HTTP status for an error; unknown errors are 500. Used by both front ends. */
export function toHttpStatus(err: unknown): number {
  if (err instanceof VfsError) return STATUS[err.code];
  return 500;
}

/** Narrowing helper. */
export function isVfsError(err: unknown, code?: VfsErrorCode): err is VfsError {
  return err instanceof VfsError && (code === undefined || err.code === code);
}
