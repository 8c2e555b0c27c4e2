/**
 * The storage contract every backend implements (local disk, S3).
 *
 * Paths are VFS paths: normalised by {@link normalizePath}, relative, no leading or
 * trailing slash, `""` is the backend root. Backends never see an unnormalised path.
 * Every method rejects with a {@link VfsError}; never with a raw fs/AWS error.
 */
import type { Readable } from 'node:stream';

/** A file or a folder as the backend sees it. */
export interface Entry {
  /** VFS path relative to the backend root ("" for the root). */
  path: string;
  kind: 'file' | 'dir';
  /** Bytes for files, 0 for folders. */
  size: number;
  mtime: Date;
  /** Strong validator without quotes (S3 ETag, or size-mtime-inode hash for disk). */
  etag?: string;
  contentType?: string;
}

/** What a backend can do natively; the front ends adapt to these, not to the backend's type. */
export interface Capabilities {
  /** Empty folders exist on their own (local: yes; S3: via `dir/` markers). */
  emptyDirs: boolean;
  /** `move` is one atomic operation (local rename). */
  atomicRename: boolean;
  /** `copy` runs without streaming bytes through us. */
  serverSideCopy: boolean;
  /** `presignGet` is available. */
  presign: boolean;
}

/** A byte range, inclusive on both ends; `end` omitted means "to the end of the file". */
export interface ByteRange { start: number; end?: number }

export interface ReadOptions {
  range?: ByteRange; signal?: AbortSignal;
  /** Bytes the caller expects to read (e.g. the stat size): a large read may take a faster path. */
  sizeHint?: number;
  /**
   * The caller treats a folder at the path like a missing file: a backend may answer ENOENT for
   * both (on S3 this spares the listing that tells them apart, one request per miss).
   */
  folderAsMissing?: boolean;
}

export interface WriteOptions {
  /** Declared size (Content-Length or X-Expected-Entity-Length); sizes the S3 parts. */
  size?: number;
  contentType?: string;
  /** Only write if the current etag equals this (unquoted); EPRECOND otherwise. */
  ifMatch?: string;
  /** Only write if nothing exists at the path; EPRECOND otherwise. */
  ifNoneMatch?: boolean;
  signal?: AbortSignal;
  /** Called with every chunk as it streams (e.g. SHA-256 computation). */
  onChunk?: (chunk: Buffer) => void;
}

export interface ListOptions {
  signal?: AbortSignal;
  /** Read the store itself, not a cached listing (the result still refreshes caches). Scanners use it. */
  fresh?: boolean;
}

export interface PresignOptions {
  /** Lifetime in seconds (1..604800). */
  expiresIn: number;
  /** File name for `response-content-disposition: attachment`. */
  filename?: string;
  method?: 'GET' | 'HEAD';
}

/**
 * One storage root. All methods throw {@link VfsError}:
 * ENOENT (missing), EEXIST, ENOTDIR, EISDIR, ENOTEMPTY, EPRECOND (ifMatch/ifNoneMatch),
 * EACCES (denied by the store or containment), ENOSPC, EIO (store unreachable/failed), EINVAL.
 */
export interface Backend {
  readonly caps: Readonly<Capabilities>;
  /**
   * Drops what a cache in front of the store knows about `path` (and, with `tree`, everything
   * beneath it): another instance changed it. Absent on uncached backends. @throws never
   */
  forget?(path: string, tree: boolean): void;
  /** Human readable description for logs (`local:/srv/x`, `s3://bucket/prefix/`); never secrets. */
  readonly description: string;
  /** @throws VfsError ENOENT if nothing is at `path`. */
  stat(path: string): Promise<Entry>;
  /** Direct children of a folder, paged internally. @throws ENOENT, ENOTDIR */
  list(path: string, o?: ListOptions): AsyncIterable<Entry>;
  /**
   * The same listing as `list`, a page (non-empty array, never to be mutated by the caller) at a
   * time, for consumers that take many entries at once (PROPFIND): one step of the async
   * iteration per page instead of per entry. Optional; `listPages` in ./list-pages.ts falls back
   * to `list`. A wrapper that overrides `list` must override this too (or leave it undefined).
   * @throws ENOENT, ENOTDIR (as `list`)
   */
  listPages?(path: string, o?: ListOptions): AsyncIterable<readonly Entry[]>;
  /** @throws ENOENT, EISDIR; a range starting at or beyond the size throws ERANGE (caller answers 416); an end beyond the size is clamped. */
  read(path: string, o?: ReadOptions): Promise<Readable>;
  /**
   * Streams `body` to `path`, atomically: resolves only when durable; on any failure
   * (body error, abort, store error) the previous content is intact and nothing partial remains.
   * @throws ENOENT (parent missing), EISDIR, EPRECOND, ENOSPC, EIO
   */
  write(path: string, body: Readable, o?: WriteOptions): Promise<Entry>;
  /** @throws EEXIST, ENOENT (parent missing) */
  mkdir(path: string): Promise<void>;
  /** @throws ENOENT, ENOTEMPTY (folder without recursive) */
  remove(path: string, o?: { recursive?: boolean }): Promise<void>;
  /** Moves a file or a whole folder; `overwrite` (default false) replaces the whole target. @throws ENOENT, EEXIST (target exists, overwrite false), EINVAL (into itself) */
  move(from: string, to: string, o?: { overwrite?: boolean }): Promise<void>;
  /** Copies a file or a whole folder; `overwrite` as for move. @throws ENOENT, EEXIST, EINVAL (into itself) */
  copy(from: string, to: string, o?: { overwrite?: boolean }): Promise<void>;
  /** Only where caps.presign. @throws ENOENT is NOT checked here (callers stat first). */
  presignGet?(path: string, o: PresignOptions): Promise<URL>;
  /** Bytes used / available where the store knows them (local: statfs). */
  quota?(): Promise<{ used?: number; available?: number }>;
  /** Releases sockets, timers. */
  close?(): Promise<void>;
}
