/** Reading the small text files of a release (CHANGELOG, SHA256SUMS) with a size cap. */
import type { Backend } from '../../vfs/types.ts';
import { isVfsError } from '../../vfs/errors.ts';
import { readSmallText as readCapped } from '../read-text.ts';

/** Largest CHANGELOG / SHA256SUMS read into memory. */
export const MAX_TEXT_BYTES = 1024 * 1024;

/**
 * The UTF-8 text of a small file, or undefined when it does not exist.
 * @throws VfsError EINVAL if the file is larger than `maxBytes`; EIO (and other backend codes) on storage failure.
 */
export async function readSmallText(backend: Backend, path: string, maxBytes = MAX_TEXT_BYTES): Promise<string | undefined> {
  try {
    return await readCapped(backend, path, maxBytes);
  } catch (err) {
    if (isVfsError(err, 'ENOENT')) return undefined;
    throw err;
  }
}
