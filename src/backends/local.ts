/**
 * The local-disk backend: one folder is the root of a category. Every path is checked to stay
 * inside the root after symlinks are resolved; writes go to a temp file in the target's folder,
 * are fsynced and renamed over the target, so readers never see half a file.
 */
import { hash, randomBytes } from 'node:crypto';
import { constants as fsc, createWriteStream, type Stats } from 'node:fs';
import * as fs from 'node:fs/promises';
import { dirname, join, sep } from 'node:path';
import { addAbortSignal, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Logger } from '../log.ts';
import { VfsError } from '../vfs/errors.ts';
import { isWithin, parentPath } from '../vfs/path.ts';
import type { Backend, Entry, ListOptions, ReadOptions, WriteOptions } from '../vfs/types.ts';
import { hasFsCode, toVfsError } from './local-errors.ts';
import { createStreamingFlusher } from './local-flush.ts';
import { makeSendable, SEND_BUFFER_BYTES } from './local-send.ts';
import { createTransferBudget, DEFAULT_TRANSFER_BUFFER_MIB, type TransferBudget } from '../vfs/transfer-budget.ts';
import { listLocalPages } from './local-list.ts';
import { flattenPages } from '../vfs/list-pages.ts';

const isAbort = (e: unknown) => (e as { name?: string } | null)?.name === 'AbortError';

/** Most bytes a disk upload queues for its file (less when many transfers share the budget). */
const UPLOAD_BUFFER_BYTES = 1024 * 1024;

/** Names of our in-progress upload files; never listed, swept at start-up. */
export const TEMP_FILE_RE = /^\.rdav-[0-9a-f]{16}\.tmp$/;
const tempName = () => `.rdav-${randomBytes(8).toString('hex')}.tmp`;

/** Options of {@link createLocalBackend}. */
export interface LocalBackendOptions {
  log?: Logger;
  /** The process's transfer memory budget (default: a private one of the default size). */
  budget?: TransferBudget;
}

/**
 * Short strong validator from size, mtime and inode. The listing worker (local-list-worker.ts)
 * computes the same value for each entry it stats: change both together. @throws never
 */
export function localEtag(st: Stats): string {
  return hash('sha256', `${st.size}:${st.mtimeMs}:${st.ino}`, 'hex').slice(0, 20);
}

function toEntry(path: string, st: Stats): Entry {
  const dir = st.isDirectory();
  return { path, kind: dir ? 'dir' : 'file', size: dir ? 0 : st.size, mtime: st.mtime, etag: localEtag(st) };
}

/**
 * Creates a backend rooted at `root` (which must exist when the first call is made).
 * Every method rejects with a VfsError: EACCES when a path resolves (through symlinks) outside the root.
 * @throws never (errors surface on use)
 */
export function createLocalBackend(root: string, o: LocalBackendOptions = {}): Backend {
  const budget = o.budget ?? createTransferBudget(DEFAULT_TRANSFER_BUFFER_MIB * 1024 * 1024);
  let rootReal: Promise<string> | undefined;
  const realRoot = (): Promise<string> => {
    rootReal ??= fs.realpath(root).catch((e) => {
      rootReal = undefined;
      throw toVfsError(e, '', 'open root');
    });
    return rootReal;
  };

  /** Absolute path of `p`, refused when its real location (or its deepest existing ancestor's) escapes the root. */
  async function resolve(p: string): Promise<string> {
    const base = await realRoot();
    const target = p === '' ? base : join(base, ...p.split('/'));
    let probe = target;
    for (;;) {
      try {
        const real = await fs.realpath(probe);
        if (real !== base && !real.startsWith(base.endsWith(sep) ? base : base + sep)) {
          throw new VfsError('EACCES', `path leaves the storage root: /${p}`);
        }
        return target;
      } catch (e) {
        if (e instanceof VfsError) throw e;
        if (!hasFsCode(e, 'ENOENT', 'ENOTDIR') || probe === base) throw toVfsError(e, p, 'resolve');
        probe = dirname(probe);
      }
    }
  }

  async function statAt(p: string): Promise<{ abs: string; st: Stats }> {
    const abs = await resolve(p);
    try {
      return { abs, st: await fs.stat(abs) };
    } catch (e) {
      throw toVfsError(e, p, 'stat');
    }
  }

  async function existing(p: string): Promise<Stats | undefined> {
    try {
      return (await statAt(p)).st;
    } catch (e) {
      if (e instanceof VfsError && (e.code === 'ENOENT' || e.code === 'ENOTDIR')) return undefined;
      throw e;
    }
  }

  /** The parent folder of `p` must exist and be a folder. */
  async function parentDir(p: string): Promise<string> {
    const parent = parentPath(p);
    const { abs, st } = await statAt(parent);
    if (!st.isDirectory()) throw new VfsError('ENOTDIR', `parent is not a folder: /${parent}`);
    return abs;
  }

  async function removeQuietly(abs: string): Promise<void> {
    await fs.rm(abs, { force: true, recursive: true }).catch((e) => o.log?.warn({ err: e }, 'could not remove a temp file'));
  }

  async function fsyncDir(abs: string): Promise<void> {
    const fh = await fs.open(abs, fsc.O_RDONLY).catch(() => undefined);
    if (!fh) return;
    await fh.sync().catch(() => undefined);
    await fh.close().catch(() => undefined);
  }

  /** Copies one file through a temp file + rename (kernel copy, never buffered in memory). */
  async function copyFileAtomic(srcAbs: string, dstAbs: string): Promise<void> {
    const tmp = join(dirname(dstAbs), tempName());
    try {
      await fs.copyFile(srcAbs, tmp, fsc.COPYFILE_EXCL);
      await fs.rename(tmp, dstAbs);
    } catch (e) {
      await removeQuietly(tmp);
      throw e;
    }
  }

  async function copyTree(srcAbs: string, dstAbs: string): Promise<void> {
    const st = await fs.stat(srcAbs);
    if (!st.isDirectory()) return copyFileAtomic(srcAbs, dstAbs);
    await fs.mkdir(dstAbs);
    for (const d of await fs.readdir(srcAbs, { withFileTypes: true })) {
      if (TEMP_FILE_RE.test(d.name)) continue;
      await copyTree(join(srcAbs, d.name), join(dstAbs, d.name));
    }
  }

  /** Shared checks of move/copy; returns absolute paths, having cleared the target if allowed. */
  async function prepareTransfer(from: string, to: string, overwrite: boolean, op: string) {
    if (from === '' || to === '') throw new VfsError('EACCES', `cannot ${op} the root`);
    if (isWithin(from, to)) throw new VfsError('EINVAL', `cannot ${op} a folder into itself: /${to}`);
    const src = await statAt(from);
    const dstAbs = await resolve(to);
    await parentDir(to);
    const target = await existing(to);
    if (target && !overwrite) throw new VfsError('EEXIST', `target exists: /${to}`);
    const replaceInPlace = target !== undefined && !target.isDirectory() && !src.st.isDirectory();
    if (target && !replaceInPlace) await fs.rm(dstAbs, { recursive: true, force: true });
    return { srcAbs: src.abs, dstAbs, srcStat: src.st };
  }

  const backend: Backend = {
    caps: Object.freeze({ emptyDirs: true, atomicRename: true, serverSideCopy: true, presign: false }),
    description: `local:${root}`,

    async stat(p) {
      return toEntry(p, (await statAt(p)).st);
    },

    list: (p, lo) => flattenPages(backend.listPages!(p, lo)),

    async *listPages(p: string, lo: ListOptions = {}) {
      const { abs, st } = await statAt(p);
      if (!st.isDirectory()) throw new VfsError('ENOTDIR', `not a folder: /${p}`);
      const pages = listLocalPages(abs, p, { skip: TEMP_FILE_RE, signal: lo.signal });
      for (;;) {
        let r: IteratorResult<Entry[]>;
        try {
          r = await pages.next();
        } catch (e) {
          throw isAbort(e) ? e : toVfsError(e, p, 'list');
        }
        if (r.done) return;
        yield r.value;
      }
    },

    async read(p: string, ro: ReadOptions = {}) {
      const abs = await resolve(p);
      let fh: fs.FileHandle | undefined;
      try {
        fh = await fs.open(abs, fsc.O_RDONLY);
        const st = await fh.stat();
        if (st.isDirectory()) throw new VfsError('EISDIR', `is a folder: /${p}`);
        let start = 0;
        let end: number | undefined;
        if (ro.range) {
          start = ro.range.start;
          end = ro.range.end === undefined ? st.size - 1 : Math.min(ro.range.end, st.size - 1);
          if (!Number.isSafeInteger(start) || start < 0 || (ro.range.end !== undefined && ro.range.end < start)) {
            throw new VfsError('EINVAL', 'invalid byte range');
          }
          if (start >= st.size) throw new VfsError('ERANGE', `range starts beyond the end of /${p}`);
        }
        // Up to 1 MiB reads (with 64 KiB chunks the per-chunk stream cost caps a GET far below the
        // disk and socket), as the transfer budget allows: the stream's chunk size is set now,
        // `sendTo` asks again before every read.
        const lease = budget.open(SEND_BUFFER_BYTES, 2);
        const length = (end ?? st.size - 1) - start + 1;
        const stream = fh.createReadStream({ start, end, autoClose: true, highWaterMark: Math.max(1, Math.min(lease.chunkSize(), length)) });
        const sendable = makeSendable(stream, fh, start, length, lease);
        fh = undefined; // owned by the stream now
        return ro.signal ? addAbortSignal(ro.signal, sendable) : sendable;
      } catch (e) {
        await fh?.close().catch(() => undefined);
        throw toVfsError(e, p, 'read');
      }
    },

    async write(p: string, body: Readable, wo: WriteOptions = {}) {
      if (p === '') throw new VfsError('EISDIR', 'the root is a folder');
      const abs = await resolve(p);
      const dirAbs = await parentDir(p);
      const checkTarget = async () => {
        const cur = await existing(p);
        if (cur?.isDirectory()) throw new VfsError('EISDIR', `is a folder: /${p}`);
        if (wo.ifNoneMatch && cur) throw new VfsError('EPRECOND', `already exists: /${p}`);
        if (wo.ifMatch !== undefined && (!cur || localEtag(cur) !== wo.ifMatch)) {
          throw new VfsError('EPRECOND', `etag does not match: /${p}`);
        }
      };
      await checkTarget();
      const tmp = join(dirAbs, tempName());
      const flusher = createStreamingFlusher(tmp);
      let created = true; // the sink creates it; removal below tolerates its absence
      const lease = budget.open(UPLOAD_BUFFER_BYTES, 1);
      try {
        // The body's chunks queue here up to the budget's share (1 MiB for an upload alone).
        const sink = createWriteStream(tmp, { flags: 'wx', highWaterMark: lease.chunkSize() });
        const onChunk = wo.onChunk;
        const tap = async function* (src: AsyncIterable<Buffer>) {
          for await (const chunk of src) {
            onChunk?.(chunk);
            flusher.wrote(chunk.length);
            yield chunk;
          }
        };
        try {
          await pipeline(body, tap, sink, { signal: wo.signal });
        } catch (e) {
          await flusher.abandon();
          throw e;
        }
        await flusher.finish();
        await checkTarget(); // the window between this check and the rename is tiny
        if (wo.ifNoneMatch) {
          await fs.link(tmp, abs).catch((e) => {
            throw hasFsCode(e, 'EEXIST') ? new VfsError('EPRECOND', `already exists: /${p}`) : e;
          });
          await fs.unlink(tmp);
        } else {
          await fs.rename(tmp, abs);
        }
        created = false;
        await fsyncDir(dirAbs);
        return toEntry(p, await fs.stat(abs));
      } catch (e) {
        if (!body.destroyed) body.destroy();
        if (created) await removeQuietly(tmp);
        throw toVfsError(e, p, 'write');
      } finally {
        lease.close();
      }
    },

    async mkdir(p) {
      if (p === '') throw new VfsError('EEXIST', 'the root exists');
      const abs = await resolve(p);
      await parentDir(p);
      await fs.mkdir(abs).catch((e) => { throw toVfsError(e, p, 'mkdir'); });
    },

    async remove(p, ro = {}) {
      if (p === '') throw new VfsError('EACCES', 'cannot remove the root');
      const { abs, st } = await statAt(p);
      try {
        if (!st.isDirectory()) await fs.unlink(abs);
        else if (ro.recursive) await fs.rm(abs, { recursive: true });
        else await fs.rmdir(abs);
      } catch (e) {
        throw toVfsError(e, p, 'remove');
      }
    },

    async move(from, to, mo = {}) {
      try {
        const { srcAbs, dstAbs } = await prepareTransfer(from, to, mo.overwrite ?? false, 'move');
        try {
          await fs.rename(srcAbs, dstAbs);
        } catch (e) {
          if (!hasFsCode(e, 'EXDEV')) throw e;
          await copyTree(srcAbs, dstAbs);
          await fs.rm(srcAbs, { recursive: true });
        }
      } catch (e) {
        throw toVfsError(e, from, 'move');
      }
    },

    async copy(from, to, co = {}) {
      try {
        const { srcAbs, dstAbs, srcStat } = await prepareTransfer(from, to, co.overwrite ?? false, 'copy');
        if (srcStat.isDirectory()) await copyTree(srcAbs, dstAbs);
        else await copyFileAtomic(srcAbs, dstAbs);
      } catch (e) {
        throw toVfsError(e, from, 'copy');
      }
    },

    async quota() {
      try {
        const s = await fs.statfs(await realRoot());
        return { used: (s.blocks - s.bfree) * s.bsize, available: s.bavail * s.bsize };
      } catch (e) {
        throw toVfsError(e, '', 'quota');
      }
    },
  };
  return backend;
}

/**
 * Removes our temp files (`.rdav-*.tmp`) older than `olderThanMs` anywhere under `root`
 * (left behind by a crash mid-upload). Symlinks are not followed. Returns how many were removed.
 * @throws VfsError when `root` cannot be read; unreadable subfolders are skipped.
 */
export async function sweepTempFiles(root: string, olderThanMs: number): Promise<number> {
  const cutoff = Date.now() - olderThanMs;
  let removed = 0;
  const walk = async (dir: string, isRoot: boolean): Promise<void> => {
    let entries;
    try {
      entries = await fs.readdir(dir, { withFileTypes: true });
    } catch (e) {
      if (isRoot) throw toVfsError(e, '', 'sweep');
      return;
    }
    for (const d of entries) {
      const abs = join(dir, d.name);
      if (d.isDirectory()) await walk(abs, false);
      else if (d.isFile() && TEMP_FILE_RE.test(d.name)) {
        const st = await fs.lstat(abs).catch(() => undefined);
        if (st && st.mtimeMs <= cutoff && (await fs.unlink(abs).then(() => true, () => false))) removed++;
      }
    }
  };
  await walk(root, true);
  return removed;
}
