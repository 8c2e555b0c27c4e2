/** UNLOCK (RFC 4918 §9.11): by token only; tokens with or without angle brackets. */
import { VfsError } from '../../vfs/errors.ts';
import type { DavHandler } from '../context.ts';
import { lockCovers, normalizeToken } from '../locks/lock-store.ts';
import { sendError } from '../xml/multistatus.ts';

/**
 * UNLOCK handler: 204 when the Lock-Token names a lock covering the request URL; 409 with
 * DAV:lock-token-matches-request-uri when the token is missing, unknown, expired or elsewhere.
 * Anyone with write permission who holds the token may unlock (litmus expects no owner check).
 * @throws VfsError EACCES (no write permission, the root).
 */
export const handleUnlock: DavHandler = async (ctx) => {
  const { mount, path } = ctx.target;
  if (!mount) throw new VfsError('EACCES', 'the root has no locks');
  const slug = mount.category.slug;
  if (!ctx.can(slug, 'write')) throw new VfsError('EACCES', 'no write permission');
  const header = ctx.req.headers['lock-token'];
  const token = typeof header === 'string' ? normalizeToken(header) : '';
  const lock = token ? await ctx.locks.get(token) : undefined;
  if (!lock || !lockCovers(lock, slug, path)) return sendError(ctx.res, 409, 'lock-token-matches-request-uri');
  await ctx.locks.remove(lock.token);
  ctx.res.writeHead(204);
  ctx.res.end();
};
