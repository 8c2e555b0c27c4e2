/** Token-based lock enforcement for every modifying method (PUT, DELETE, MOVE, COPY, PROPPATCH, …). */
import { VfsError } from '../../vfs/errors.ts';
import type { DavContext } from '../context.ts';
import { normalizeToken } from './lock-store.ts';

/**
 * Throws unless `ctx.submittedTokens` holds a token of every lock (by any user, admins included)
 * that covers category/path. With `descendants: true` locks beneath the path count too (DELETE or
 * MOVE of a folder, the destination of COPY/MOVE). Shared locks on one root: holding one suffices.
 * @throws VfsError ELOCKED (423)
 */
export function assertUnlocked(ctx: DavContext, category: string, path: string, o: { descendants?: boolean } = {}): void {
  const locks = ctx.locks.covering(category, path, o.descendants ?? false);
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
