/** Token-based lock enforcement for every modifying method (PUT, DELETE, MOVE, COPY, PROPPATCH, …). */
import { VfsError } from '../../vfs/errors.ts';
import type { DavContext } from '../context.ts';
import { normalizeToken } from './lock-store.ts';
import { parentPath } from '../../vfs/path.ts';

/**
 * Throws unless `ctx.submittedTokens` holds a token of every lock (by any user, admins included)
 * that covers category/path. With `descendants: true` locks beneath the path count too (DELETE or
 * MOVE of a folder, the destination of COPY/MOVE). With `member: true` the request adds or removes
 * `path` as a member of its folder, so a depth-0 lock on that folder counts as well (RFC 4918 §7.4).
 * Shared locks on one root: holding one suffices.
 * @throws VfsError ELOCKED (423), EUNAVAIL (503: the shared lock store is unreachable, so the write must not go ahead)
 */
export async function assertUnlocked(ctx: Pick<DavContext, 'locks' | 'submittedTokens'>, category: string, path: string, o: { descendants?: boolean; member?: boolean } = {}): Promise<void> {
  const locks = await ctx.locks.covering(category, path, o.descendants ?? false);
  if (o.member && path !== '') {
    const parent = parentPath(path);
    for (const l of await ctx.locks.covering(category, parent)) if (l.path === parent && l.depth === '0') locks.push(l);
  }
  if (!locks.length) return;
  const held = new Set(ctx.submittedTokens.map(normalizeToken));
  const sharedRoots = new Map<string, boolean>();
  for (const l of locks) {
    if (l.scope === 'exclusive') {
      if (!held.has(l.token)) throw new VfsError('ELOCKED', 'the resource is locked');
    } else {
      sharedRoots.set(l.path, (sharedRoots.get(l.path) ?? false) || held.has(l.token));
    }
  }
  for (const ok of sharedRoots.values()) if (!ok) throw new VfsError('ELOCKED', 'the resource is locked');
}

/**
 * Drops the locks of a tree that a DELETE or MOVE already removed. The change itself is done, so a
 * lock store that fails now must not turn it into an error: the locks then simply run to their
 * timeout (they cover nothing that exists). @throws never
 */
export async function dropLocksOfRemovedTree(ctx: Pick<DavContext, 'locks' | 'log'>, category: string, path: string): Promise<void> {
  try {
    await ctx.locks.removeTree(category, path);
  } catch (e) {
    ctx.log.warn({ err: e, category, path }, 'webdav: could not drop the locks of a removed tree; they expire by their timeout');
  }
}
