/** Reading the small text files of a release (CHANGELOG, SHA256SUMS) with a size cap. */
import type { Backend } from '../../vfs/types.ts';
import { VfsError, isVfsError } from '../../vfs/errors.ts';

/** Largest CHANGELOG / SHA256SUMS read into memory. */
export const MAX_TEXT_BYTES = 1024 * 1024;

/**
 * The UTF-8 text of a small file, or undefined when it does not exist.
 * @throws VfsError EINVAL if the file is larger than `maxBytes`; EIO (and other backend codes) on storage failure.
 */
export async function readSmallText(backend: Backend, path: string, maxBytes = MAX_TEXT_BYTES): Promise<string | undefined> {
  let stream;
  try {
    stream = await backend.read(path);
  } catch (err) {
    if (isVfsError(err, 'ENOENT')) return undefined;
    throw err;
  }
  const chunks: Buffer[] = [];
  let total = 0;
  try {
    for await (const chunk of stream) {
      const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string);
      total += buf.length;
      if (total > maxBytes) throw new VfsError('EINVAL', `${path} is larger than ${maxBytes} bytes`);
      chunks.push(buf);
    }
  } finally {
    stream.destroy();
  }
  return Buffer.concat(chunks).toString('utf8');
}
