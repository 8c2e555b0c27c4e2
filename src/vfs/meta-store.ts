/**
 * Metadata sidecars: small JSON files under the backend's hidden `.releasedav/meta/` folder, in a
 * tree that mirrors the data tree but cannot collide with itself: folder `x` → `d.x`, file `f` →
 * `f.f`, a folder's own metadata → `.dir.json` in its mirror, and a segment too long for a name →
 * `h.<sha256 of the encoded segment>`. File sidecars are trusted only while size+etag match.
 */
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { VfsError, isVfsError } from './errors.ts';
import { MAX_NAME_BYTES, baseName, joinPath, parentPath } from './path.ts';
import type { FileMeta, MetaStore } from './mount.ts';
import type { Backend, Entry } from './types.ts';

/** The reserved top-level folder of every backend (hidden from clients by the mount table). */
export const RESERVED_DIR = '.releasedav';
/** Where sidecars live. */
export const META_ROOT = `${RESERVED_DIR}/meta`;
/** Largest sidecar we read (dead properties included). */
const MAX_SIDECAR_BYTES = 1024 * 1024;
const DIR_SIDECAR = '.dir.json';

function encodeSegment(kind: 'd' | 'f', name: string): string {
  const s = `${kind}.${name}`;
  return Buffer.byteLength(s) <= MAX_NAME_BYTES ? s : `h.${createHash('sha256').update(s).digest('hex')}`;
}

/** Mirror folder of a data folder ("" → the meta root). @throws never */
export function mirrorDir(path: string): string {
  return path === '' ? META_ROOT : joinPath(META_ROOT, ...path.split('/').map((s) => encodeSegment('d', s)));
}

/** Sidecar file of a data file. @throws never */
export function fileSidecar(path: string): string {
  return joinPath(mirrorDir(parentPath(path)), encodeSegment('f', baseName(path)));
}

/** Sidecar file of a data folder's own metadata. @throws never */
export function dirSidecar(path: string): string {
  return joinPath(mirrorDir(path), DIR_SIDECAR);
}

const missing = (e: unknown) => isVfsError(e, 'ENOENT') || isVfsError(e, 'ENOTDIR');

/**
 * Creates the sidecar store of `backend` (the raw backend, not the one that hides `.releasedav`).
 * All methods throw VfsError (EIO etc. from the backend); missing sidecars are never an error.
 * @throws never
 */
export function createMetaStore(backend: Backend): MetaStore {
  async function readJson(sidecar: string): Promise<Record<string, unknown> | undefined> {
    let stream: Readable;
    try {
      stream = await backend.read(sidecar);
    } catch (e) {
      if (missing(e) || isVfsError(e, 'EISDIR')) return undefined;
      throw e;
    }
    const chunks: Buffer[] = [];
    let bytes = 0;
    for await (const c of stream) {
      bytes += (c as Buffer).length;
      if (bytes > MAX_SIDECAR_BYTES) {
        stream.destroy();
        return undefined;
      }
      chunks.push(c as Buffer);
    }
    try {
      const v: unknown = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
    } catch {
      return undefined; // a corrupt sidecar is as good as none
    }
  }

  /** Creates the mirror folders down to `dir` (each may exist already). */
  async function ensureDirs(dir: string): Promise<void> {
    const segs = dir.split('/');
    for (let i = 1; i <= segs.length; i++) {
      await backend.mkdir(segs.slice(0, i).join('/')).catch((e) => {
        if (!isVfsError(e, 'EEXIST')) throw e;
      });
    }
  }

  /** Runs `op`; if the target's mirror folder is missing, creates it and runs `op` again. */
  async function withParents<T>(target: string, op: () => Promise<T>): Promise<T> {
    try {
      return await op();
    } catch (e) {
      if (!isVfsError(e, 'ENOENT')) throw e;
      await ensureDirs(parentPath(target));
      return op();
    }
  }

  async function writeJson(sidecar: string, value: object): Promise<void> {
    const body = Buffer.from(JSON.stringify(value));
    await withParents(sidecar, () => backend.write(sidecar, Readable.from([body]), { size: body.length, contentType: 'application/json' }));
  }

  const removeQuietly = async (p: string, recursive: boolean) => {
    await backend.remove(p, { recursive }).catch((e) => {
      if (!missing(e)) throw e;
    });
  };

  const exists = async (p: string) => backend.stat(p).then(() => true, (e) => {
    if (missing(e)) return false;
    throw e;
  });

  /** Parses a sidecar; for files, only if it still describes `current`. */
  function validate(raw: Record<string, unknown> | undefined, current: Entry): FileMeta | undefined {
    if (!raw || typeof raw.size !== 'number' || typeof raw.etag !== 'string') return undefined;
    if (current.kind === 'file' && (raw.size !== current.size || raw.etag !== (current.etag ?? ''))) return undefined;
    const meta: FileMeta = { size: raw.size, etag: raw.etag };
    if (typeof raw.sha256 === 'string' && /^[0-9a-f]{64}$/.test(raw.sha256)) meta.sha256 = raw.sha256;
    if (typeof raw.mtime === 'string') meta.mtime = raw.mtime;
    if (raw.props && typeof raw.props === 'object' && !Array.isArray(raw.props)) {
      meta.props = Object.fromEntries(Object.entries(raw.props as Record<string, unknown>).filter(([, v]) => typeof v === 'string')) as Record<string, string>;
    }
    return meta;
  }

  const sidecarOf = (path: string, kind: Entry['kind']) => (kind === 'file' ? fileSidecar(path) : dirSidecar(path));

  /** Copies one file's sidecar, re-keyed to the copy's size+etag if it was valid for the source. */
  async function copyFileMeta(from: string, to: string): Promise<void> {
    const raw = await readJson(fileSidecar(from));
    if (!raw) return;
    const [src, dst] = await Promise.all([backend.stat(from).catch(() => undefined), backend.stat(to).catch(() => undefined)]);
    if (!src || !dst || src.kind !== 'file' || dst.kind !== 'file' || dst.size !== src.size) return;
    const meta = validate(raw, src);
    if (meta) await writeJson(fileSidecar(to), { ...meta, size: dst.size, etag: dst.etag ?? '' });
  }

  /** Walks the (already copied) data tree at `to` and carries each sidecar from `from`. */
  async function copyTreeMeta(from: string, to: string): Promise<void> {
    const dirMeta = await readJson(dirSidecar(from));
    if (dirMeta) await writeJson(dirSidecar(to), dirMeta);
    for await (const e of backend.list(to)) {
      const rel = e.path.slice(to.length + 1);
      if (e.kind === 'dir') await copyTreeMeta(joinPath(from, rel), e.path);
      else await copyFileMeta(joinPath(from, rel), e.path);
    }
  }

  const store: MetaStore = {
    async get(path, current) {
      return validate(await readJson(sidecarOf(path, current.kind)), current);
    },

    async put(path, current, meta) {
      const value: FileMeta = { ...meta, size: current.size, etag: current.etag ?? '' };
      await writeJson(sidecarOf(path, current.kind), value);
    },

    async remove(path) {
      if (path !== '') await removeQuietly(fileSidecar(path), false);
      await removeQuietly(mirrorDir(path), true);
    },

    async move(from, to) {
      if (from === '' || to === '') throw new VfsError('EINVAL', 'cannot move the root');
      await store.remove(to);
      for (const [src, dst] of [[fileSidecar(from), fileSidecar(to)], [mirrorDir(from), mirrorDir(to)]] as const) {
        if (!(await exists(src))) continue;
        await withParents(dst, () => backend.move(src, dst, { overwrite: true }));
      }
    },

    async copy(from, to) {
      if (from === '' || to === '') throw new VfsError('EINVAL', 'cannot copy the root');
      await store.remove(to);
      const target = await backend.stat(to).catch((e) => {
        if (missing(e)) return undefined;
        throw e;
      });
      if (target?.kind === 'file') await copyFileMeta(from, to);
      else if (target?.kind === 'dir') await copyTreeMeta(from, to);
    },
  };
  return store;
}
