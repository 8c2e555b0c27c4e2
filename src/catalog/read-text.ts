/**
 * The one way the catalog reads a small text file (release.yaml, CHANGELOG, SHA256SUMS): UTF-8,
 * with a size cap, so an unbounded stream is never buffered.
 */
import type { Backend } from '../vfs/types.ts';
import { isVfsError, VfsError } from '../vfs/errors.ts';

/** The default cap: the largest CHANGELOG / SHA256SUMS read into memory. */
export const MAX_TEXT_BYTES = 1024 * 1024;

/**
 * The UTF-8 text of `path`, or undefined when it does not exist.
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
      const b = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string);
      total += b.length;
      if (total > maxBytes) throw new VfsError('EINVAL', `${path} is larger than ${maxBytes} bytes`);
      chunks.push(b);
    }
  } finally {
    stream.destroy();
  }
  return Buffer.concat(chunks).toString('utf8');
}
