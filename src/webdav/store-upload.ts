/**
 * One upload into a category: the bytes and SHA-256 through the VFS's `writeWithMeta`, then the
 * client's modification time (X-OC-Mtime) added to the sidecar once the file is durable.
 */
import type { Readable } from 'node:stream';
import type { Logger } from 'pino';
import type { Mount } from '../vfs/mount.ts';
import type { Entry, WriteOptions } from '../vfs/types.ts';
import { writeWithMeta } from '../vfs/files.ts';

/** Options of {@link storeUpload}. */
export interface UploadOptions extends Omit<WriteOptions, 'onChunk'> {
  /** Client-set modification time (X-OC-Mtime) for the sidecar. */
  mtime?: Date;
  log: Logger;
}

/**
 * Writes `body` to `path` and records its metadata. A sidecar failure is logged, never fatal
 * (sidecars are rebuilt when missing).
 * @throws VfsError from the backend write (the previous content is then intact)
 */
export async function storeUpload(mount: Mount, path: string, body: Readable, o: UploadOptions): Promise<Entry> {
  const { mtime, log, ...write } = o;
  const entry = await writeWithMeta(mount, path, body, { ...write, log });
  if (mtime) {
    try {
      const old = await mount.meta.get(path, entry);
      const { size: _s, etag: _e, ...rest } = old ?? { size: 0, etag: '' };
      await mount.meta.put(path, entry, { ...rest, mtime: mtime.toISOString() });
    } catch (e) {
      log.warn({ err: e, path }, 'webdav: could not record X-OC-Mtime');
    }
  }
  return entry;
}
