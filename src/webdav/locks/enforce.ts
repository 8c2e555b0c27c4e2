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
 * @throws VfsError ELOCKED (423)
 */
export function assertUnlocked(ctx: DavContext, category: string, path: string, o: { descendants?: boolean; member?: boolean } = {}): void {
  const locks = ctx.locks.covering(category, path, o.descendants ?? false);
  if (o.member && path !== '') {
    const parent = parentPath(path);
    for (const l of ctx.locks.covering(category, parent)) if (l.path === parent && l.depth === '0') locks.push(l);
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
