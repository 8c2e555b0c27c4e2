/**
 * The shapes both front ends see: a category mounted on a backend, with its metadata sidecars,
 * and the runtime state (swapped whole on SIGHUP, so front ends always call `getState()` per request).
 */
import type { EventEmitter } from 'node:events';
import type { Config, CategoryConfig } from '../config/schema.ts';
import type { Backend, Entry } from './types.ts';

/**
 * Per-file metadata the storage cannot hold, kept in sidecars under the backend's hidden
 * `.releasedav/` folder and validated against the object's size+etag (files) before use.
 */
export interface FileMeta {
  /** Size and etag of the file when the sidecar was written; a mismatch makes the sidecar stale. */
  size: number;
  etag: string;
  /** Lowercase hex SHA-256 of the content. */
  sha256?: string;
  /** Lowercase hex SHA-384 and SHA-512 (computed in the same pass; absent in sidecars written before they existed). */
  sha384?: string;
  sha512?: string;
  /** Client-set modification time (PROPPATCH getlastmodified / Win32LastModifiedTime / X-OC-Mtime), ISO 8601. */
  mtime?: string;
  /** Dead properties: key `{namespaceURI}localName`, value = the whole property element as written by `serializeElement` (namespaces declared on itself). */
  props?: Record<string, string>;
}

/**
 * Sidecar store of one backend. All methods throw VfsError (EIO on storage failure).
 * Paths are VFS paths of the *described* file/folder, never of the sidecar.
 */
export interface MetaStore {
  /** Metadata of `path`, or undefined if none or stale (for files: size/etag differ from `current`). */
  get(path: string, current: Entry): Promise<FileMeta | undefined>;
  /** Replaces the metadata of `path` (size/etag taken from `current`). */
  put(path: string, current: Entry, meta: Omit<FileMeta, 'size' | 'etag'>): Promise<void>;
  /** Forgets `path` (and, recursively, everything beneath it). Missing sidecars are fine. */
  remove(path: string): Promise<void>;
  /** Carries sidecars along with a move/copy of a file or folder tree. */
  move(from: string, to: string): Promise<void>;
  copy(from: string, to: string): Promise<void>;
  /**
   * Which children of folder `dir` have metadata a PROPFIND shows (a client `mtime` or dead
   * `props`), from one paged listing of a marker folder the store keeps in step with every
   * `put`/`remove`/`move`/`copy`. A child not in the index has nothing visible, so a Depth 1
   * listing reads sidecars only for the children that are (and `get` still validates those).
   * Sidecars written before markers existed count as having nothing visible. Optional so
   * simple stores (test doubles) need not implement it: without it, callers read every sidecar.
   * @throws VfsError EIO when the marker folder cannot be listed (a missing one is an empty index)
   */
  withVisibleProps?(dir: string): Promise<VisiblePropsIndex>;
}

/** The children of one folder whose sidecars hold something a PROPFIND shows. */
export interface VisiblePropsIndex {
  /** How many children have markers. */
  readonly size: number;
  /** True if child `name` (of that kind) of the folder may have a client mtime or dead properties. @throws never */
  has(name: string, kind: Entry['kind']): boolean;
}

/** A change made through the daemon (WebDAV writes), so caches and the catalog refresh at once. */
export interface ChangeEvent {
  category: string;
  /** VFS path inside the category. */
  path: string;
  op: 'write' | 'mkdir' | 'remove' | 'move' | 'copy' | 'props';
  /** For move/copy: the source path inside `fromCategory` (defaults to `category`). */
  from?: string;
  fromCategory?: string;
  /** Made by another instance (relayed through Redis), not by this process. */
  remote?: boolean;
}

/** A category mounted on its backend. */
export interface Mount {
  readonly category: CategoryConfig;
  /** The backend, already wrapped in the metadata cache. Paths are relative to the category root. */
  readonly backend: Backend;
  readonly meta: MetaStore;
}

/** Everything a request needs that SIGHUP may replace. */
export interface RuntimeState {
  readonly config: Config;
  /** Category slug → mount, in config order. */
  readonly mounts: ReadonlyMap<string, Mount>;
}

/** Front ends call this per request; never cache its result across requests. */
export type StateProvider = () => RuntimeState;

/**
 * Emits `'change'` with a {@link ChangeEvent} after every successful write made through the daemon.
 * A listener that must finish something before the client hears back (the Redis relay's PUBLISH)
 * pushes a promise into the optional second argument; see announceChange.
 */
export type ChangeBus = EventEmitter<{ change: [ChangeEvent, Promise<unknown>[]?] }>;

/**
 * Emits `ev` and waits for what listeners asked to finish first (other instances told), so a
 * request on another instance right after this one's answer sees the change. @throws never
 */
export async function announceChange(bus: ChangeBus, ev: ChangeEvent): Promise<void> {
  const waits: Promise<unknown>[] = [];
  bus.emit('change', ev, waits);
  if (waits.length) await Promise.allSettled(waits);
}
