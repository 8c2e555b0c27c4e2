/** Reads a small text file from a backend, with a size cap (never buffers an unbounded stream). */
import type { Backend } from '../vfs/types.ts';
import { VfsError } from '../vfs/errors.ts';

/**
 * Reads `path` as UTF-8, refusing files over `maxBytes`.
 * @throws VfsError from the backend (ENOENT, EIO…), EINVAL if the file exceeds `maxBytes`.
 */
export async function readSmallText(backend: Backend, path: string, maxBytes: number): Promise<string> {
  const stream = await backend.read(path);
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
