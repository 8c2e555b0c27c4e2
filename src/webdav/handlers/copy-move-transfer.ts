/**
 * COPY/MOVE between two different mounts (categories, possibly different backends): streams file
 * by file and carries each sidecar, collecting per-resource failures for a 207 instead of stopping.
 */
import type { Logger } from 'pino';
import { isVfsError, toHttpStatus } from '../../vfs/errors.ts';
import { baseName, joinPath } from '../../vfs/path.ts';
import type { Mount } from '../../vfs/mount.ts';
import type { Entry } from '../../vfs/types.ts';

/** The hidden sidecar folder of a backend root; never copied as content. */
const SIDECAR_DIR = '.releasedav';

/** A resource that could not be transferred; `rel` is relative to the destination root ("" = the root). */
export interface TransferFailure { rel: string; status: number }

/** Outcome of {@link transferAcross}. */
export interface TransferResult {
  failures: TransferFailure[];
  /** Source paths of the files copied successfully (MOVE removes exactly these on partial failure). */
  copiedFiles: string[];
}

/**
 * Copies metadata of `srcPath` (as `srcEntry`) to `dstPath` (as `dstEntry`). Sidecars are advisory:
 * failures are logged, never thrown. @throws never
 */
export async function carryMeta(src: Mount, srcPath: string, srcEntry: Entry, dst: Mount, dstPath: string, dstEntry: Entry, log: Logger): Promise<void> {
  try {
    const meta = await src.meta.get(srcPath, srcEntry);
    if (!meta) return;
    const { size: _s, etag: _e, ...rest } = meta;
    await dst.meta.put(dstPath, dstEntry, rest);
  } catch (err) {
    log.warn({ err, path: srcPath }, 'could not carry the metadata sidecar');
  }
}

/**
 * Copies `srcPath` (described by `entry`) of `src` to `dstPath` of `dst`, which must not exist
 * (the caller cleared it) and whose parent exists. `depth: '0'` copies a folder without members.
 * @throws never: every failure is reported in the result.
 */
export async function transferAcross(
  src: Mount, srcPath: string, entry: Entry, dst: Mount, dstPath: string, depth: '0' | 'infinity', log: Logger,
): Promise<TransferResult> {
  const result: TransferResult = { failures: [], copiedFiles: [] };
  const rel = (p: string) => p.slice(dstPath.length).replace(/^\//, '');

  const copyNode = async (from: string, to: string, e: Entry, recurse: boolean): Promise<void> => {
    try {
      if (e.kind === 'file') {
        const body = await src.backend.read(from);
        const written = await dst.backend.write(to, body, { size: e.size, contentType: e.contentType });
        await carryMeta(src, from, e, dst, to, written, log);
        result.copiedFiles.push(from);
        return;
      }
      try {
        await dst.backend.mkdir(to);
      } catch (err) {
        if (!isVfsError(err, 'EEXIST')) throw err;
      }
      await carryMeta(src, from, e, dst, to, await dst.backend.stat(to), log);
    } catch (err) {
      log.warn({ err, from, to }, 'COPY/MOVE member failed');
      result.failures.push({ rel: rel(to), status: toHttpStatus(err) });
      return;
    }
    if (!recurse) return;
    try {
      for await (const c of src.backend.list(from)) {
        const name = baseName(c.path);
        if (from === '' && name === SIDECAR_DIR) continue;
        await copyNode(joinPath(from, name), joinPath(to, name), c, true);
      }
    } catch (err) {
      log.warn({ err, from }, 'COPY/MOVE listing failed');
      result.failures.push({ rel: rel(to), status: toHttpStatus(err) });
    }
  };

  await copyNode(srcPath, dstPath, entry, depth === 'infinity');
  return result;
}
