/**
 * File operations that keep the metadata sidecar in step with the content: an upload records the
 * SHA-256 computed while it streamed; a file that arrived another way is hashed once, later.
 */
import type { Readable } from 'node:stream';
import type { Logger } from '../log.ts';
import { VfsError, isVfsError } from './errors.ts';
import type { FileMeta, Mount } from './mount.ts';
import type { Entry, WriteOptions } from './types.ts';
import { createDigestSet, createStreamHasher, type Digests } from './sha256-offload.ts';
import { isItemPath } from '../catalog/item-names.ts';
import { noteUploadedBytes } from './upload-gc.ts';

/** Options of {@link writeWithMeta}. */
export interface WriteWithMetaOptions extends WriteOptions {
  /** Keep the previous version's dead properties (default true). */
  keepProps?: boolean;
  /** Where a failed sidecar update is reported (the upload itself still succeeds). */
  log?: Logger;
}

/**
 * Writes `body` to `path` of the mount (atomically, see Backend.write), hashing it on the way,
 * then records the digests in the sidecar (SHA-256/384/512 for a release item, SHA-256 otherwise), keeping the previous dead properties and dropping any
 * client-set modification time (the new content has its own). A sidecar that cannot be written
 * is logged and left for the background hasher: the upload is durable either way.
 * @throws VfsError as Backend.write (ENOENT parent, EISDIR, EPRECOND, ENOSPC, EIO)
 */
export async function writeWithMeta(mount: Mount, path: string, body: Readable, opts: WriteWithMetaOptions = {}): Promise<Entry> {
  const { keepProps = true, log, onChunk, ...writeOpts } = opts;
  let props: FileMeta['props'];
  if (keepProps) props = await previousProps(mount, path).catch(() => undefined);
  // A release item publishes SHA-256/384/512 (feeds, API, SUMS files), so an upload into a release
  // folder computes all three in its one pass; any other file only the SHA-256 of its sidecar.
  // A file that becomes an item later (MOVE, COPY) gets the other two from the background hasher.
  const hasher = createStreamHasher(isItemPath(path) ? 'all' : 'sha256');
  let entry: Entry;
  try {
    entry = await mount.backend.write(path, body, {
      ...writeOpts,
      onChunk: (chunk) => {
        hasher.update(chunk);
        onChunk?.(chunk);
        noteUploadedBytes(chunk.length);
      },
    });
  } catch (err) {
    hasher.discard();
    throw err;
  }
  let digests: Digests | undefined;
  try {
    digests = await hasher.digest();
  } catch (err) {
    log?.warn({ category: mount.category.slug, path, err }, 'could not hash the upload; the background hasher will');
  }
  try {
    await mount.meta.put(path, entry, { ...digests, ...(props ? { props } : {}) });
  } catch (err) {
    log?.warn({ category: mount.category.slug, path, err }, 'could not record the SHA-256 sidecar');
  }
  return entry;
}

async function previousProps(mount: Mount, path: string): Promise<FileMeta['props']> {
  let current: Entry;
  try {
    current = await mount.backend.stat(path);
  } catch (e) {
    if (isVfsError(e, 'ENOENT') || isVfsError(e, 'ENOTDIR')) return undefined;
    throw e;
  }
  if (current.kind !== 'file') return undefined;
  const meta = await mount.meta.get(path, current);
  return meta?.props && Object.keys(meta.props).length > 0 ? meta.props : undefined;
}

/**
 * Reads an existing file once, hashes it (SHA-256/384/512 in one pass) and stores the digests in
 * its sidecar (keeping the sidecar's other fields when it is still valid). Returns them (lowercase hex).
 * @throws VfsError ENOENT, EISDIR; EPRECOND when the file changed while it was read (nothing stored);
 *   EIO "aborted" when `signal` fires.
 */
export async function hashExisting(mount: Mount, path: string, o: { signal?: AbortSignal } = {}): Promise<Digests> {
  const before = await mount.backend.stat(path);
  if (before.kind !== 'file') throw new VfsError('EISDIR', `is a folder: /${path}`);
  const hash = createDigestSet();
  const stream = await mount.backend.read(path, { signal: o.signal });
  try {
    for await (const chunk of stream) hash.update(chunk as Buffer);
  } catch (err) {
    if (o.signal?.aborted) throw new VfsError('EIO', `hashing aborted: /${path}`, { cause: err });
    throw isVfsError(err) ? err : new VfsError('EIO', `read failed: /${path}`, { cause: err });
  }
  const digests = hash.hex();
  const after = await mount.backend.stat(path);
  if (after.size !== before.size || after.etag !== before.etag) {
    throw new VfsError('EPRECOND', `changed while hashing: /${path}`);
  }
  const old = await mount.meta.get(path, after);
  await mount.meta.put(path, after, { ...(old?.props ? { props: old.props } : {}), ...(old?.mtime ? { mtime: old.mtime } : {}), ...digests });
  return digests;
}
