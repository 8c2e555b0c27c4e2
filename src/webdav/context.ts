/**
 * What every WebDAV handler we own receives. The server (src/webdav/server.ts) builds one per
 * request after the pre-filter and authentication; handlers answer exactly once through `res`.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { Mount, RuntimeState, ChangeBus } from '../vfs/mount.ts';
import type { XmlElement } from './xml/parse.ts';

/** The authenticated caller (null = anonymous). */
export interface DavUser {
  name: string;
  groups: string[];
  admin: boolean;
}

/** A request URL or Destination resolved onto the mount table. */
export interface DavTarget {
  /** Undefined for the WebDAV root "/" (the list of categories). */
  mount?: Mount;
  /** VFS path inside the category ("" = the category root). */
  path: string;
  /** The raw path ended in "/". */
  trailingSlash: boolean;
  /** Path-absolute, fully percent-encoded href of this resource (collections end in "/" when known). */
  href: string;
}

/** A lock as stored by the lock store. */
export interface DavLock {
  token: string;           // "opaquelocktoken:<uuid>" / "urn:uuid:<uuid>"
  /** Category slug + VFS path of the lock root. */
  category: string;
  path: string;
  scope: 'exclusive' | 'shared';
  depth: '0' | 'infinity';
  /** Inner XML of DAV:owner as sent, if any. */
  ownerXml?: string;
  /** Principal that created it (user name or "" for anonymous). */
  principal: string;
  timeoutSeconds: number;
  expiresAt: number;       // ms since epoch
  /** The lock was taken on an unmapped URL (lock-null resource → an empty file was created). */
  lockNull?: boolean;
}

/**
 * Token-enforced locks. Shared by every handler; one instance per process (survives SIGHUP).
 * Two implementations behind this interface: memory (one process) and Redis (every instance of a
 * deployment). Every method may also reject with VfsError EUNAVAIL (503) when the shared store
 * cannot be reached; otherwise methods never throw except as documented.
 */
export interface LockStore {
  /** Active (unexpired) locks whose scope covers category/path (the path itself, or an ancestor with depth infinity, or — with `includeDescendants` — any lock beneath). */
  covering(category: string, path: string, includeDescendants?: boolean): Promise<DavLock[]>;
  /** @throws VfsError ELOCKED if it conflicts with an existing lock, ENOSPC when the cap on active locks is reached. */
  create(lock: Omit<DavLock, 'token' | 'expiresAt'>): Promise<DavLock>;
  /** @throws VfsError EPRECOND if unknown/expired. */
  refresh(token: string, timeoutSeconds: number): Promise<DavLock>;
  /** @returns false if no such lock. */
  remove(token: string): Promise<boolean>;
  get(token: string): Promise<DavLock | undefined>;
  /** Drops locks on a removed/moved tree. */
  removeTree(category: string, path: string): Promise<void>;
  /** Count of active locks (metrics). */
  size(): Promise<number>;
}

/** Per-request context handed to our handlers. */
export interface DavContext {
  req: IncomingMessage;
  res: ServerResponse;
  state: RuntimeState;
  user: DavUser | null;
  target: DavTarget;
  /** Lock tokens the client submitted (from the If header, angle brackets stripped). */
  submittedTokens: string[];
  locks: LockStore;
  bus: ChangeBus;
  log: Logger;
  /** May the user do this on that category? */
  can(slug: string, action: 'read' | 'write'): boolean;
  /** Resolves a Destination header value (absolute URL or path). @throws VfsError EINVAL (bad path), EACCES (other host) */
  resolveDestination(value: string): DavTarget;
  /** The request body as XML, or null if empty. Capped; @throws VfsError EINVAL (malformed), ETOOBIG → 413 via EINVAL? see server */
  readXml(): Promise<XmlElement | null>;
}

/** A handler for one method. Must answer exactly once; errors it throws are mapped by the server. */
export type DavHandler = (ctx: DavContext) => Promise<void>;
