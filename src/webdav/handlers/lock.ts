/**
 * LOCK (RFC 4918 §9.10): new exclusive/shared locks, refresh (no body + If with the token),
 * lock-null resources (an unmapped URL becomes an empty file, 201).
 */
import { announceChange } from '../../vfs/mount.ts';
import { Readable } from 'node:stream';
import { VfsError, isVfsError } from '../../vfs/errors.ts';
import { isWithin, parentPath } from '../../vfs/path.ts';
import type { DavContext, DavHandler, DavLock } from '../context.ts';
import { lockCovers } from '../locks/lock-store.ts';
import { assertUnlocked } from '../locks/enforce.ts';
import { lockDiscoveryXml, lockRootHref } from '../locks/lock-xml.ts';
import { parseLockDepth, parseLockInfo, parseTimeout } from '../locks/lock-request.ts';
import { sendError, sendXml } from '../xml/multistatus.ts';

function hrefOf(ctx: DavContext) {
  return (l: DavLock) => {
    if (l.path === ctx.target.path) return ctx.target.href;
    // The core server's context carries the public URL path prefix; a lock root above the request URL is a collection.
    const prefix = (ctx as DavContext & { prefix?: unknown }).prefix;
    return lockRootHref(l, typeof prefix === 'string' ? prefix : '', isWithin(l.path, ctx.target.path));
  };
}

function answer(ctx: DavContext, status: number, lock: DavLock, withTokenHeader: boolean): void {
  const xml = '<?xml version="1.0" encoding="utf-8"?>\n<D:prop xmlns:D="DAV:"><D:lockdiscovery>' +
    lockDiscoveryXml([lock], hrefOf(ctx)) + '</D:lockdiscovery></D:prop>';
  sendXml(ctx.res, status, xml, withTokenHeader ? { 'Lock-Token': `<${lock.token}>` } : {});
}

/** Is there a usable parent folder for a new resource at `path`? */
async function parentIsFolder(ctx: DavContext, path: string): Promise<boolean> {
  try {
    return (await ctx.target.mount!.backend.stat(parentPath(path))).kind === 'dir';
  } catch (e) {
    if (isVfsError(e, 'ENOENT')) return false;
    throw e;
  }
}

/**
 * LOCK handler. Answers 200/201 with the lockdiscovery, 423 + DAV:no-conflicting-lock on a conflict,
 * 409 when an unmapped URL has no parent folder, 412 when a refresh names no lock of this resource.
 * @throws VfsError EACCES (no write permission, the root), EINVAL (bad XML/Depth), backend errors.
 */
export const handleLock: DavHandler = async (ctx) => {
  const { mount, path } = ctx.target;
  if (!mount) throw new VfsError('EACCES', 'the root cannot be locked');
  const slug = mount.category.slug;
  if (!ctx.can(slug, 'write')) throw new VfsError('EACCES', 'no write permission');
  const timeout = parseTimeout(ctx.req.headers['timeout'] as string | undefined);
  const body = await ctx.readXml();

  if (!body) {
    if (!ctx.submittedTokens.length) throw new VfsError('EINVAL', 'a LOCK refresh needs an If header with the lock token');
    const held = await Promise.all(ctx.submittedTokens.map((t) => ctx.locks.get(t)));
    const lock = held.find((l) => l && lockCovers(l, slug, path));
    if (!lock) return sendError(ctx.res, 412, 'lock-token-submitted');
    let refreshed: DavLock;
    try {
      refreshed = await ctx.locks.refresh(lock.token, timeout);
    } catch (e) {
      // It expired (or was released) between the two calls.
      if (isVfsError(e, 'EPRECOND')) return sendError(ctx.res, 412, 'lock-token-submitted');
      throw e;
    }
    return answer(ctx, 200, refreshed, false);
  }

  const info = parseLockInfo(body);
  const depth = parseLockDepth(ctx.req.headers['depth'] as string | undefined);
  let exists = true;
  try {
    await mount.backend.stat(path);
  } catch (e) {
    if (!isVfsError(e, 'ENOENT')) throw e;
    exists = false;
  }
  if (!exists && (path === '' || !(await parentIsFolder(ctx, path)))) {
    throw new VfsError('ENOTDIR', 'the parent folder does not exist');
  }
  let lock: DavLock;
  try {
    lock = await ctx.locks.create({
      category: slug, path, scope: info.scope, depth, ownerXml: info.ownerXml,
      principal: ctx.user?.name ?? '', timeoutSeconds: timeout, lockNull: !exists,
    });
  } catch (e) {
    if (isVfsError(e, 'ELOCKED')) return sendError(ctx.res, 423, 'no-conflicting-lock', [ctx.target.href]);
    throw e;
  }
  if (!exists) {
    try {
      // A new (lock-null) resource is a new member of its folder: a depth-0 lock there needs its token.
      await assertUnlocked(ctx, slug, parentPath(path));
      await mount.backend.write(path, Readable.from([]), { size: 0, ifNoneMatch: true });
    } catch (e) {
      await ctx.locks.remove(lock.token).catch(() => { /* it expires by its timeout */ });
      throw e;
    }
    await announceChange(ctx.bus, { category: slug, path, op: 'write' });
  }
  answer(ctx, exists ? 200 : 201, lock, true);
};
