/**
 * GET and HEAD: files with real backend ranges (206/416), ETag, Last-Modified, If-Range;
 * collections as a small HTML listing. Conditional headers were evaluated by the pre-filter.
 */
import type { ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import type { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { TLSSocket } from 'node:tls';
import type { Entry } from '../../vfs/types.ts';
import { baseName, joinPath } from '../../vfs/path.ts';
import type { CoreContext, CoreHandler } from '../core-context.ts';
import { etagOf } from '../conditional.ts';
import { contentTypeFor } from '../mime.ts';
import { parseRange } from '../range.ts';
import { readableCategories } from '../access.ts';
import { hrefOf } from '../target.ts';
import { DavHttpError } from '../http-error.ts';
import { writeChunk } from '../stream-write.ts';
import { escapeXml } from '../xml/write.ts';
import { header } from '../headers.ts';
import { pageHeaders, setHeaders, wantsHsts } from '../../security/headers.ts';

/** Does If-Range allow the range (validator still current)? @throws never */
function ifRangeHolds(value: string | undefined, entry: Entry): boolean {
  if (value === undefined) return true;
  const v = value.trim();
  if (v.startsWith('"') || v.startsWith('W/')) return !v.startsWith('W/') && v === etagOf(entry);
  const t = Date.parse(v);
  return !Number.isNaN(t) && Math.floor(entry.mtime.getTime() / 1000) === Math.floor(t / 1000);
}

/** A body that can write itself straight into a socket (the S3 raw reader), skipping the response stream. */
interface SocketSender { sendTo(out: Writable): Promise<void> }

const canSendTo = (body: Readable): body is Readable & SocketSender => typeof (body as Partial<SocketSender>).sendTo === 'function';

/**
 * The plain TCP socket this response is the current answer on, or undefined (a pipelined answer
 * still queued, TLS, or a closed socket): only then may body bytes bypass the response stream.
 */
function directSocket(res: ServerResponse): Socket | undefined {
  const s = res.socket;
  return s instanceof Socket && !(s instanceof TLSSocket) && !s.destroyed && s.writable ? s : undefined;
}

/** Sends the body after the headers: straight from the reader into the socket when both allow it. */
async function sendBody(res: ServerResponse, body: Readable): Promise<void> {
  const socket = directSocket(res);
  if (!socket || !canSendTo(body)) return pipeline(body, res);
  res.flushHeaders();
  await body.sendTo(socket);
  res.end();
}

function backendKind(ctx: CoreContext): string {
  return ctx.target.mount?.backend.description.split(':')[0] ?? 'none';
}

async function sendFile(ctx: CoreContext, entry: Entry, path: string): Promise<void> {
  const { req, res } = ctx;
  const head = req.method === 'HEAD';
  const tag = etagOf(entry);
  res.setHeader('Accept-Ranges', 'bytes');
  if (tag) res.setHeader('ETag', tag);
  res.setHeader('Last-Modified', entry.mtime.toUTCString());
  res.setHeader('Content-Type', entry.contentType && entry.contentType !== 'application/octet-stream' ? entry.contentType : contentTypeFor(baseName(path)));
  let range = ifRangeHolds(header(req, 'if-range'), entry) ? parseRange(req.headers.range, entry.size) : undefined;
  if (range === 'unsatisfiable') {
    throw new DavHttpError(416, 'range not satisfiable', { headers: { 'Content-Range': `bytes */${entry.size}` } });
  }
  if (range && range.start === 0 && range.end === entry.size - 1 && req.headers.range === undefined) range = undefined;
  const length = range ? range.end - range.start + 1 : entry.size;
  res.statusCode = range ? 206 : 200;
  if (range) res.setHeader('Content-Range', `bytes ${range.start}-${range.end}/${entry.size}`);
  res.setHeader('Content-Length', length);
  if (head || length === 0) { res.end(); return; }
  const mount = ctx.target.mount!;
  const body = await mount.backend.read(path, { range: range ? { start: range.start, end: range.end } : undefined, signal: ctx.signal, sizeHint: length });
  const kind = backendKind(ctx);
  const stop = ctx.metrics.transferSeconds.startTimer({ direction: 'download', backend: kind });
  ctx.metrics.activeTransfers.inc({ direction: 'download' });
  try {
    await sendBody(res, body);
  } finally {
    ctx.metrics.activeTransfers.dec({ direction: 'download' });
    stop();
  }
}

async function sendListing(ctx: CoreContext, title: string, children: AsyncIterable<{ name: string; href: string; dir: boolean; size: number }>): Promise<void> {
  const { res } = ctx;
  res.statusCode = 200;
  res.setHeader('Content-Type', 'text/html; charset=utf-8');
  setHeaders(res, pageHeaders({ hsts: wantsHsts(ctx.state.config.webdav) }));
  if (ctx.req.method === 'HEAD') { res.end(); return; }
  const t = escapeXml(title);
  await writeChunk(ctx, `<!doctype html>\n<html><head><meta charset="utf-8"><title>${t}</title></head><body><h1>${t}</h1><ul>\n`);
  for await (const c of children) {
    await writeChunk(ctx, `<li><a href="${escapeXml(c.href)}">${escapeXml(c.name)}${c.dir ? '/' : ''}</a>${c.dir ? '' : ` (${c.size} bytes)`}</li>\n`);
  }
  await writeChunk(ctx, '</ul></body></html>\n');
  res.end();
}

/** GET and HEAD. @throws VfsError ENOENT (404) and storage errors; DavHttpError 416 */
export const handleGetHead: CoreHandler = async (ctx) => {
  const { mount } = ctx.target;
  if (!mount) {
    const slugs = readableCategories(ctx.state, ctx.user);
    const prefix = ctx.prefix;
    await sendListing(ctx, 'ReleaseDAV', (async function* () {
      for (const s of slugs) yield { name: s, href: hrefOf(prefix, s, '', true), dir: true, size: 0 };
    })());
    return;
  }
  const found = await ctx.lookup.find(mount, ctx.target.path);
  if (found.entry.kind === 'file') { await sendFile(ctx, found.entry, found.path); return; }
  const slug = mount.category.slug;
  const prefix = ctx.prefix;
  const signal = ctx.signal;
  await sendListing(ctx, `/${slug}/${found.path}`, (async function* () {
    for await (const e of mount.backend.list(found.path, { signal })) {
      const name = baseName(e.path);
      yield { name, href: hrefOf(prefix, slug, joinPath(found.path, name), e.kind === 'dir'), dir: e.kind === 'dir', size: e.size };
    }
  })());
};
