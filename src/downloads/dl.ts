/**
 * GET|HEAD /dl/<category>/<release>/<file>: published? → access (public, Basic, dlid, signed
 * link) → one log line and one metric per attempt → S3: 302 to a presigned URL; disk: a stream
 * with Range, ETag, Last-Modified and conditional GET. The hot path reads only the catalog cache.
 */
import { isVisible } from '../catalog/visible.ts';
import type { Context } from 'koa';
import type { BasicVerifier } from '../auth/basic.ts';
import { createHash } from 'node:crypto';
import type { Catalog, Item, Release } from '../catalog/types.ts';
import { generatedSums, isSumsName } from '../catalog/sums.ts';
import type { Logger } from '../log.ts';
import type { Metrics } from '../metrics.ts';
import type { Mount, RuntimeState } from '../vfs/mount.ts';
import { isVfsError, toHttpStatus } from '../vfs/errors.ts';
import { decodeUrlPath } from '../vfs/path.ts';
import { checkDlAccess, type Attempt } from './dl-access.ts';
import { queryValue, type ServerParts } from './request-context.ts';
import { applyReply, plain } from './deny.ts';
import { contentDisposition, etagMatches, ifRangeHolds, notModified, parseRange } from './http-util.ts';
import type { LinkSigner } from './links.ts';
import { multipartByteranges, parseMultiRange } from './byteranges.ts';

/** What the /dl route needs. */
export type DlDeps = ServerParts & { signer?: LinkSigner };

/** How a /dl attempt ended (the `outcome` label of the downloads metric). */
export type Outcome = 'redirect' | 'stream' | 'notmodified' | 'denied' | 'notfound' | 'badrequest' | 'error';

/** Handles one /dl request; never throws (every failure becomes a response and a log line). */
export async function handleDownload(ctx: Context, state: RuntimeState, deps: DlDeps): Promise<void> {
  const a: Attempt = { authorized: false };
  const done = (outcome: Outcome) => {
    deps.metrics.downloads.inc({ category: a.category ?? '-', outcome });
    deps.log.info({
      download: true, method: ctx.method, category: a.category, release: a.release, file: a.file,
      user: a.user ?? null, via: a.via ?? 'anonymous', ip: ctx.ip, authorized: a.authorized, status: ctx.status,
    }, 'download');
  };
  try {
    if (ctx.method !== 'GET' && ctx.method !== 'HEAD') {
      ctx.set('Allow', 'GET, HEAD');
      plain(ctx, 405, 'Method not allowed.');
      return done('badrequest');
    }
    let path: string;
    try {
      path = decodeUrlPath(ctx.req.url ?? '/').path;
    } catch {
      plain(ctx, 400, 'Bad download path.');
      return done('badrequest');
    }
    const segs = path.split('/');
    [, a.category, a.release, a.file] = segs;
    const mount = a.category !== undefined ? state.mounts.get(a.category) : undefined;
    const release = segs.length === 4 && mount ? await deps.catalog.release(a.category!, a.release!) : undefined;
    const visible = release && isVisible(release) ? release : undefined;
    const item = visible ? findServed(visible, a.file!) : undefined;
    const sums = visible && !item && isSumsName(a.file!) ? generatedSums(visible, a.file) : undefined;
    if (!mount || (!item && sums === undefined)) {
      plain(ctx, 404, 'No such download.');
      return done('notfound');
    }

    const q = ctx.query;
    const one = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);
    const refused = await checkDlAccess({
      path, expires: one(q.expires), sig: one(q.sig),
      creds: { ip: ctx.ip, authorization: ctx.get('Authorization') || undefined, dlid: queryValue(ctx, 'dlid') },
    }, mount, state, deps, deps.signer, a);
    if (refused) {
      applyReply(ctx, refused);
      return done('denied');
    }

    if (!item) return done(sendText(ctx, sums ?? ''));
    // Several ranges in one request (electron's differential download): S3 serves one range per
    // request, so a redirect cannot answer it; the stream path answers multipart/byteranges itself.
    const multiRange = ctx.method === 'GET' && ctx.get('Range').includes(',');
    if (mount.backend.caps.presign && mount.backend.presignGet && !multiRange) {
      const url = await mount.backend.presignGet(item.path, {
        expiresIn: state.config.storage.s3?.presignSeconds ?? 60, filename: item.name,
        method: ctx.method === 'HEAD' ? 'HEAD' : 'GET',
      });
      ctx.status = 302;
      ctx.set('Location', url.href);
      ctx.set('Cache-Control', 'no-store');
      ctx.type = 'text/plain; charset=utf-8';
      ctx.body = 'Redirecting to the file\n'; // a null body would turn the 302 into a 204
      return done('redirect');
    }
    return done(await stream(ctx, mount, item));
  } catch (err) {
    const status = isVfsError(err, 'ENOENT') ? 404 : toHttpStatus(err);
    deps.log.warn({ category: a.category, release: a.release, file: a.file, err: err instanceof Error ? err.message : String(err) }, 'download failed');
    if (!ctx.headerSent) plain(ctx, status, status === 404 ? 'No such download.' : 'The download is not available right now.');
    return done(status === 404 ? 'notfound' : 'error');
  }
}

/** An item or an attachment (signature, blockmap) of the release, by file name. @throws never */
export function findServed(release: Release, name: string): Item | undefined {
  return release.items.find((i) => i.name === name) ?? release.attachments.find((i) => i.name === name);
}

/** A generated checksum file: small text with a strong ETag of its content and conditional GET. */
function sendText(ctx: Context, text: string): Outcome {
  const etag = `"${createHash('sha256').update(text).digest('base64url').slice(0, 27)}"`;
  ctx.set('ETag', etag);
  ctx.set('Cache-Control', 'private, no-cache');
  if (ctx.get('If-None-Match') && etagMatches(ctx.get('If-None-Match'), etag)) {
    ctx.status = 304;
    return 'notmodified';
  }
  ctx.status = 200;
  ctx.type = 'text/plain; charset=utf-8';
  ctx.body = text;
  return 'stream';
}

async function stream(ctx: Context, mount: Mount, item: Item): Promise<Outcome> {
  const entry = await mount.backend.stat(item.path); // fresh: size and validators must match the bytes
  const etag = entry.etag ? `"${entry.etag}"` : undefined;
  ctx.set('Accept-Ranges', 'bytes');
  if (etag) ctx.set('ETag', etag);
  ctx.set('Last-Modified', entry.mtime.toUTCString());
  ctx.set('Cache-Control', 'private, no-cache');
  ctx.set('Content-Disposition', contentDisposition(item.name));
  ctx.set('X-Content-Type-Options', 'nosniff');
  const h = { ifNoneMatch: ctx.get('If-None-Match') || undefined, ifModifiedSince: ctx.get('If-Modified-Since') || undefined };
  if (notModified(h, etag, entry.mtime)) {
    ctx.status = 304;
    return 'notmodified';
  }
  const rangeHolds = ifRangeHolds(ctx.get('If-Range') || undefined, etag, entry.mtime);
  const multi = rangeHolds ? parseMultiRange(ctx.get('Range') || undefined, entry.size) : undefined;
  if (Array.isArray(multi)) {
    const type = item.contentType ?? 'application/octet-stream';
    const answer = multipartByteranges(multi, entry.size, type, (r, signal) =>
      mount.backend.read(item.path, { range: { start: r.start, end: r.end }, signal, sizeHint: r.end - r.start + 1 }));
    ctx.status = 206;
    ctx.type = answer.contentType;
    if (ctx.method === 'HEAD') {
      answer.body.destroy();
      ctx.set('Content-Length', String(answer.length));
      return 'stream';
    }
    ctx.body = answer.body;
    ctx.length = answer.length;
    return 'stream';
  }
  let range = multi === 'unsatisfiable' ? 'unsatisfiable' as const : parseRange(ctx.get('Range') || undefined, entry.size);
  if (range && !rangeHolds) range = undefined;
  if (range === 'unsatisfiable') {
    ctx.set('Content-Range', `bytes */${entry.size}`);
    plain(ctx, 416, 'Range not satisfiable.');
    return 'stream';
  }
  ctx.type = item.contentType ?? 'application/octet-stream';
  const length = range ? range.end - range.start + 1 : entry.size;
  ctx.status = range ? 206 : 200;
  if (range) ctx.set('Content-Range', `bytes ${range.start}-${range.end}/${entry.size}`);
  if (ctx.method === 'HEAD' || length === 0) {
    ctx.set('Content-Length', String(length));
    if (length === 0 && ctx.method !== 'HEAD') ctx.body = '';
    return 'stream';
  }
  const body = await mount.backend.read(item.path, range ? { range: { start: range.start, end: range.end } } : {});
  ctx.body = body;
  ctx.length = length;
  return 'stream';
}
