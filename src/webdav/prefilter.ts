/**
 * Checks every request passes before a handler runs, in this order: method known, path strictly
 * decodable, non-PUT body within the cap, caller authenticated, access allowed, Overwrite and
 * Destination sane, the If header and the HTTP preconditions met.
 */
import { VfsError, isVfsError } from '../vfs/errors.ts';
import { RESERVED_DIR } from '../vfs/meta-store.ts';
import { DavHttpError } from './http-error.ts';
import { declaredLength } from './body.ts';
import { decideAccess, userCan } from './access.ts';
import { evaluatePreconditions, hasPreconditions } from './conditional.ts';
import { applyIfHeader } from './if-check.ts';
import { header } from './headers.ts';
import type { CoreContext } from './core-context.ts';
import type { Authenticator } from './authenticate.ts';

/**
 * Refuses what must never reach a handler (cheap checks, before authentication).
 * @throws DavHttpError 400 (malformed Content-Length), 413 (declared non-PUT body over the cap)
 */
export function checkBodyCap(ctx: Pick<CoreContext, 'req' | 'state'>, method: string): void {
  const n = declaredLength(ctx.req);
  if (method !== 'PUT' && n !== null && n > ctx.state.config.webdav.maxXmlBodyBytes) {
    throw new DavHttpError(413, 'request body too large', { headers: { Connection: 'close' } });
  }
}

/**
 * The access and header checks that need the caller's identity. Returns a promise only when the
 * If header or a precondition needs a lookup (undefined = all checks passed).
 * @throws DavHttpError 400/401/403/404/412/502, 304 (as DavHttpError for GET/HEAD), VfsError from storage
 */
export function checkRequest(ctx: CoreContext, method: string, auth: Authenticator): Promise<void> | undefined {
  const { req, state, target } = ctx;
  if (target.mount && firstSegment(target.path) === RESERVED_DIR) throw new DavHttpError(403, 'reserved name');
  const access = decideAccess(state, ctx.user, method, target);
  if (access === 'unauthenticated') throw auth.unauthorized(state.config);
  if (access === 'forbidden') throw new DavHttpError(403, 'no permission');

  const ow = header(req, 'overwrite');
  if (ow === undefined) req.headers.overwrite = 'T';
  else if (!/^\s*[TF]\s*$/i.test(ow)) throw new DavHttpError(400, 'Overwrite must be T or F');

  if (method === 'COPY' || method === 'MOVE') {
    const dest = header(req, 'destination');
    if (dest === undefined) throw new DavHttpError(400, 'Destination header required');
    let d;
    try {
      d = ctx.resolveDestination(dest);
    } catch (e) {
      if (isVfsError(e, 'EACCES')) throw new DavHttpError(502, 'Destination is on another server', { cause: e });
      if (isVfsError(e, 'EROFS')) throw new DavHttpError(403, e.message, { cause: e });
      throw e;
    }
    if (firstSegment(d.path) === RESERVED_DIR) throw new DavHttpError(403, 'reserved name');
    if (!userCan(state.config, ctx.user, d.mount!.category.slug, 'write')) {
      if (!ctx.user) throw auth.unauthorized(state.config);
      throw new DavHttpError(403, 'no permission on the destination');
    }
  }

  // Most requests carry neither an If header nor preconditions: then nothing is awaited.
  if (req.headers.if === undefined && !(target.mount && hasPreconditions(req))) return undefined;
  return checkHeaders(ctx);
}

/** The first segment of a VFS path. @throws never */
function firstSegment(path: string): string {
  const i = path.indexOf('/');
  return i < 0 ? path : path.slice(0, i);
}

/** The If header and the HTTP preconditions. @throws as {@link checkRequest} */
async function checkHeaders(ctx: CoreContext): Promise<void> {
  const { req, target } = ctx;
  await applyIfHeader(ctx);

  if (target.mount && hasPreconditions(req)) {
    const found = await ctx.lookup.tryFind(target.mount, target.path);
    const r = evaluatePreconditions(req, found?.entry);
    if (r === 'failed') throw new DavHttpError(412, 'precondition failed');
    if (r === 'not-modified') {
      const headers: Record<string, string> = {};
      if (found?.entry.etag) headers.ETag = `"${found.entry.etag}"`;
      throw new DavHttpError(304, 'not modified', { headers });
    }
  }
}

/** Maps a target-resolution failure: unknown category → 404 (403 for creating methods). @throws never */
export function targetError(e: unknown, method: string): unknown {
  if (isVfsError(e, 'ENOENT')) {
    return method === 'PUT' || method === 'MKCOL' ? new DavHttpError(403, 'categories are configured, not created') : new VfsError('ENOENT', 'no such category');
  }
  return e;
}
