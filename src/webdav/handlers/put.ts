/**
 * PUT: streams the body to the backend (atomic there; a cut body leaves the old file intact),
 * records SHA-256 and the client's X-OC-Mtime in the sidecar, and answers 201/204 only after the
 * write resolved (durable).
 */
import { announceChange } from '../../vfs/mount.ts';
import { VfsError, isVfsError } from '../../vfs/errors.ts';
import { baseName, parentPath } from '../../vfs/path.ts';
import type { CoreHandler } from '../core-context.ts';
import { assertUnlocked } from '../locks/enforce.ts';
import { unquoteEtag } from '../locks/if-header.ts';
import { DavHttpError } from '../http-error.ts';
import { etagOf } from '../conditional.ts';
import { contentTypeFor } from '../mime.ts';
import { header } from '../headers.ts';
import { sendStatus } from '../respond.ts';
import { storeUpload } from '../store-upload.ts';
import { continueIfExpected, detachableBody } from '../body.ts';

/** Parses X-OC-Mtime (seconds since the epoch, possibly fractional). @throws never */
export function parseOcMtime(v: string | undefined): Date | undefined {
  if (!v || !/^\d{1,12}(\.\d+)?$/.test(v.trim())) return undefined;
  const d = new Date(Number(v.trim()) * 1000);
  return Number.isNaN(d.getTime()) ? undefined : d;
}

function declaredSize(h: (n: string) => string | undefined): number | undefined {
  for (const name of ['content-length', 'x-expected-entity-length']) {
    const v = h(name);
    if (v !== undefined && /^\d{1,16}$/.test(v.trim())) return Number(v.trim());
  }
  return undefined;
}

/** @throws VfsError (ELOCKED 423, storage), DavHttpError 405/409 */
export const handlePut: CoreHandler = async (ctx) => {
  const { mount } = ctx.target;
  if (!mount || ctx.target.path === '' || ctx.target.trailingSlash) throw new DavHttpError(405, 'cannot PUT to a collection', { headers: { Allow: 'OPTIONS, GET, HEAD, PROPFIND, MKCOL, DELETE' } });
  const slug = mount.category.slug;
  const existing = await ctx.lookup.tryFind(mount, ctx.target.path);
  const path = existing?.path ?? ctx.target.path;
  if (existing?.entry.kind === 'dir') throw new DavHttpError(405, 'cannot PUT to a collection');
  await assertUnlocked(ctx, slug, path);
  const parent = parentPath(path);
  if (parent !== '') {
    const p = await ctx.lookup.tryFind(mount, parent);
    if (!p || p.entry.kind !== 'dir') throw new DavHttpError(409, 'the parent collection does not exist');
  }
  const h = (n: string) => header(ctx.req, n);
  const sentType = h('content-type');
  const contentType = sentType && !/^application\/octet-stream\b/i.test(sentType) ? sentType : contentTypeFor(baseName(path));
  const ifMatch = h('if-match');
  const single = ifMatch && ifMatch.trim() !== '*' && !ifMatch.includes(',') ? unquoteEtag(ifMatch) : undefined;
  const mtime = parseOcMtime(h('x-oc-mtime'));
  continueIfExpected(ctx.req, ctx.res);
  const kind = mount.backend.description.split(':')[0] ?? 'unknown';
  const stop = ctx.metrics.transferSeconds.startTimer({ direction: 'upload', backend: kind });
  ctx.metrics.activeTransfers.inc({ direction: 'upload' });
  let entry;
  try {
    entry = await storeUpload(mount, path, detachableBody(ctx.req), {
      size: declaredSize(h),
      contentType,
      ifMatch: single,
      ifNoneMatch: h('if-none-match')?.trim() === '*' || undefined,
      signal: ctx.signal,
      mtime,
      log: ctx.log,
    });
  } catch (e) {
    if (isVfsError(e, 'ENOENT') || isVfsError(e, 'ENOTDIR')) throw new DavHttpError(409, 'the parent collection does not exist', { cause: e });
    if (ctx.signal.aborted && !isVfsError(e)) throw new VfsError('EIO', 'upload aborted by the client', { cause: e });
    throw e;
  } finally {
    ctx.metrics.activeTransfers.dec({ direction: 'upload' });
    stop();
  }
  await announceChange(ctx.bus, { category: slug, path, op: 'write' });
  const headers: Record<string, string> = {};
  const tag = etagOf(entry);
  if (tag) headers.ETag = tag;
  if (mtime) headers['X-OC-Mtime'] = 'accepted';
  sendStatus(ctx.res, existing ? 204 : 201, headers);
};
