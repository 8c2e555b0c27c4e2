/**
 * Metadata sidecars: small JSON files under the backend's hidden `.releasedav/meta/` folder, in a
 * tree that mirrors the data tree but cannot collide with itself: folder `x` → `d.x`, file `f` →
 * `f.f`, a folder's own metadata → `.dir.json` in its mirror, and a segment too long for a name →
 * `h.<sha256 of the encoded segment>`. File sidecars are trusted only while size+etag match.
 *
 * Visibility markers: most sidecars hold only {size, etag, sha256}, which a PROPFIND never shows.
 * When a child's sidecar holds something it does (a client `mtime` or dead `props`), a zero-byte
 * marker named like the sidecar's segment (`f.<name>` / `d.<name>` / `h.<hash>`) sits in the
 * `.props/` folder of its parent's mirror, so a Depth 1 listing finds every such child with one
 * (usually empty) listing instead of one sidecar read per entry. Markers err towards existing: one
 * is written before a sidecar that needs it and removed only after a sidecar that no longer does.
 */
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { VfsError, isVfsError } from './errors.ts';
import { MAX_NAME_BYTES, baseName, joinPath, parentPath } from './path.ts';
import type { FileMeta, MetaStore, VisiblePropsIndex } from './mount.ts';
import type { Backend, Entry } from './types.ts';

/** The reserved top-level folder of every backend (hidden from clients by the mount table). */
export const RESERVED_DIR = '.releasedav';
/** Where sidecars live. */
export const META_ROOT = `${RESERVED_DIR}/meta`;
/** Largest sidecar we read (dead properties included). */
const MAX_SIDECAR_BYTES = 1024 * 1024;
const DIR_SIDECAR = '.dir.json';
/** Folder of visibility markers inside each mirror folder (cannot collide: data names are `d.`/`f.`/`h.`). */
const MARKER_DIR = '.props';

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

/** Folder holding the visibility markers of the children of data folder `dir`. @throws never */
export function markerDir(dir: string): string {
  return joinPath(mirrorDir(dir), MARKER_DIR);
}

/** Visibility marker of a data file or folder (the root has none). @throws never */
export function visibilityMarker(path: string, kind: Entry['kind']): string {
  return joinPath(markerDir(parentPath(path)), encodeSegment(kind === 'file' ? 'f' : 'd', baseName(path)));
}

/** True when a (raw or parsed) sidecar holds something PROPFIND shows: a client mtime or a dead property. @throws never */
export function hasVisibleProps(raw: FileMeta | Record<string, unknown>): boolean {
  if (typeof raw.mtime === 'string') return true;
  const p = raw.props;
  return !!p && typeof p === 'object' && !Array.isArray(p) && Object.keys(p).length > 0;
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
      stream = await backend.read(sidecar, { folderAsMissing: true });
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

  async function writeMarker(marker: string): Promise<void> {
    await withParents(marker, () => backend.write(marker, Readable.from([]), { size: 0 }));
  }

  /**
   * Writes the sidecar of `path` and keeps its visibility marker in step: a marker that is
   * needed is written first, one that is not is removed last (a leftover marker only costs a read).
   */
  async function persist(path: string, kind: Entry['kind'], value: FileMeta | Record<string, unknown>): Promise<void> {
    const sidecar = sidecarOf(path, kind);
    if (path === '') return writeJson(sidecar, value);
    const marker = visibilityMarker(path, kind);
    if (hasVisibleProps(value)) {
      await writeMarker(marker);
      await writeJson(sidecar, value);
    } else {
      await writeJson(sidecar, value);
      await removeQuietly(marker, false);
    }
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
    if (typeof raw.sha384 === 'string' && /^[0-9a-f]{96}$/.test(raw.sha384)) meta.sha384 = raw.sha384;
    if (typeof raw.sha512 === 'string' && /^[0-9a-f]{128}$/.test(raw.sha512)) meta.sha512 = raw.sha512;
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
    if (meta) await persist(to, 'file', { ...meta, size: dst.size, etag: dst.etag ?? '' });
  }

  /** Walks the (already copied) data tree at `to` and carries each sidecar from `from`. */
  async function copyTreeMeta(from: string, to: string): Promise<void> {
    const dirMeta = await readJson(dirSidecar(from));
    if (dirMeta) await persist(to, 'dir', dirMeta);
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
      await persist(path, current.kind, value);
    },

    async remove(path) {
      if (path === '') return removeQuietly(mirrorDir(path), true);
      await Promise.all([
        removeQuietly(fileSidecar(path), false),
        removeQuietly(mirrorDir(path), true),
        removeQuietly(visibilityMarker(path, 'file'), false),
        removeQuietly(visibilityMarker(path, 'dir'), false),
      ]);
    },

    async move(from, to) {
      if (from === '' || to === '') throw new VfsError('EINVAL', 'cannot move the root');
      await store.remove(to);
      // Markers first: a marker without its sidecar is harmless, a sidecar without its marker is not.
      const pairs = [
        [visibilityMarker(from, 'file'), visibilityMarker(to, 'file')],
        [visibilityMarker(from, 'dir'), visibilityMarker(to, 'dir')],
        [fileSidecar(from), fileSidecar(to)],
        [mirrorDir(from), mirrorDir(to)],
      ] as const;
      const present = await Promise.all(pairs.map(([src]) => exists(src)));
      for (const [i, [src, dst]] of pairs.entries()) {
        if (present[i]) await withParents(dst, () => backend.move(src, dst, { overwrite: true }));
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

    async withVisibleProps(dir) {
      const found = new Set<string>();
      try {
        for await (const e of backend.list(markerDir(dir))) if (e.kind === 'file') found.add(baseName(e.path));
      } catch (e) {
        if (!missing(e)) throw e;
      }
      const index: VisiblePropsIndex = {
        size: found.size,
        has: (name, kind) => found.size > 0 && found.has(encodeSegment(kind === 'file' ? 'f' : 'd', name)),
      };
      return index;
    },
  };
  return store;
}
