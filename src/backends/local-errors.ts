/**
 * The one place where Node fs errors become {@link VfsError}s for the local backend.
 * Messages name the VFS path only, never the absolute disk path (that stays in `cause`).
 */
import { VfsError, type VfsErrorCode } from '../vfs/errors.ts';

const FS_CODES: Record<string, VfsErrorCode> = {
  ENOENT: 'ENOENT',
  EEXIST: 'EEXIST',
  ENOTDIR: 'ENOTDIR',
  EISDIR: 'EISDIR',
  ENOTEMPTY: 'ENOTEMPTY',
  EACCES: 'EACCES',
  EPERM: 'EACCES',
  EROFS: 'EROFS',
  ENOSPC: 'ENOSPC',
  EDQUOT: 'ENOSPC',
  EFBIG: 'ENOSPC',
  ENAMETOOLONG: 'EINVAL',
  EINVAL: 'EINVAL',
  ELOOP: 'EACCES',
  ETIMEDOUT: 'ETIMEDOUT',
  ENOTSUP: 'ENOTSUP',
  EOPNOTSUPP: 'ENOTSUP',
};

/**
 * Converts any error thrown by `node:fs` (or a stream pipeline) into a VfsError.
 * VfsErrors pass through unchanged; AbortErrors become EIO "aborted"; unknown errors become EIO.
 * @param vfsPath the VFS path the operation was about (used in the message).
 * @throws never
 */
export function toVfsError(err: unknown, vfsPath: string, op = 'operation'): VfsError {
  if (err instanceof VfsError) return err;
  const e = err as NodeJS.ErrnoException | undefined;
  if (e && (e.name === 'AbortError' || e.code === 'ABORT_ERR')) {
    return new VfsError('EIO', `${op} aborted: /${vfsPath}`, { cause: err });
  }
  const code = (e?.code && FS_CODES[e.code]) || 'EIO';
  return new VfsError(code, `${op} failed (${code}): /${vfsPath}`, { cause: err });
}

/** True if `err` is a Node errno error with one of `codes`. @throws never */
export function hasFsCode(err: unknown, ...codes: string[]): boolean {
  const c = (err as NodeJS.ErrnoException | undefined)?.code;
  return c !== undefined && codes.includes(c);
}
