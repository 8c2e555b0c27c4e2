/**
 * PROPFIND, Depth 0 or 1 (infinity → 403 propfind-finite-depth). The multistatus is streamed:
 * each `<D:response>` is written as the listing pages in, in batches, so a folder of 100,000
 * entries never becomes one string. A listing costs one walk of the folder plus one listing of
 * its visibility markers: sidecars are read only for the children the meta store says have a
 * client mtime or dead properties (in parallel per batch), locks are looked up once per folder.
 */
import type { FileMeta, Mount, VisiblePropsIndex } from '../../vfs/mount.ts';
import type { Entry } from '../../vfs/types.ts';
import { baseName, encodeUrlPath, isWithin, parentPath } from '../../vfs/path.ts';
import { isVfsError } from '../../vfs/errors.ts';
import type { CoreContext, CoreHandler } from '../core-context.ts';
import { DAV_NS } from '../xml/parse.ts';
import { MULTISTATUS_OPEN, MULTISTATUS_CLOSE } from '../xml/multistatus.ts';
import { escapeXml } from '../xml/write.ts';
import { propfindDepth, type PropfindRequest } from '../propfind/request.ts';
import { propfindFromBody } from '../propfind/request-cache.ts';
import { LIVE_DAV } from '../propfind/live.ts';
import { readAhead } from '../propfind/read-ahead.ts';
import { listPages } from '../../vfs/list-pages.ts';
import { readableCategories } from '../access.ts';
import { hrefOf } from '../target.ts';
import { writeChunk } from '../stream-write.ts';
import { writeText } from '../text-chunks.ts';
import { readCappedBody } from '../body.ts';
import type { DavLock } from '../context.ts';

/** Entries rendered and written per chunk. */
const BATCH = 256;
/** Most listing entries read ahead of the rendering. */
const READ_AHEAD = 4096;
const PROCESS_START = new Date();

interface Item { entry: Entry; path: string; name: string; mount?: Mount }

/** Does answering `req` need the sidecar (client mtime, dead properties)? */
function needsMeta(req: PropfindRequest): boolean {
  if (req.kind !== 'prop') return true;
  return req.names.some((n) => n.ns !== DAV_NS || n.local === 'getlastmodified' || n.local === 'creationdate' || !LIVE_DAV.has(n.local));
}

/** Does answering `req` show DAV:lockdiscovery (so the lock store must be asked)? */
function needsLocks(req: PropfindRequest): boolean {
  if (req.kind === 'allprop') return true;
  return req.kind === 'prop' && req.names.some((n) => n.ns === DAV_NS && n.local === 'lockdiscovery');
}

/**
 * Locks for lockdiscovery. While the shared lock store is unreachable (EUNAVAIL) a PROPFIND still
 * answers, showing no locks (writes are refused meanwhile, so none can slip past an unseen lock).
 */
async function locksForView(ctx: CoreContext, slug: string, path: string, descendants = false): Promise<DavLock[]> {
  try {
    return await ctx.locks.covering(slug, path, descendants);
  } catch (e) {
    if (!isVfsError(e, 'EUNAVAIL')) throw e;
    return [];
  }
}

function needsQuota(req: PropfindRequest): boolean {
  return req.kind === 'prop' && req.names.some((n) => n.ns === DAV_NS && n.local.startsWith('quota-'));
}

async function metaOf(ctx: CoreContext, mount: Mount | undefined, item: Item): Promise<FileMeta | undefined> {
  if (!mount) return undefined;
  try {
    return await ctx.metaCache.get(mount, item.path, item.entry);
  } catch (e) {
    ctx.log.debug({ err: e, path: item.path }, 'webdav: sidecar unreadable, ignored');
    return undefined;
  }
}

/** One path segment percent-encoded as encodeUrlPath does, without its split/join for the common name. */
const encodeName = (name: string) => (/[!'()*]/.test(name) ? encodeUrlPath(name) : encodeURIComponent(name));

/** The folder's visible-properties index, or undefined (read every sidecar) when the store cannot say. */
async function visibleIndex(ctx: CoreContext, mount: Mount, dir: string): Promise<VisiblePropsIndex | undefined> {
  try {
    return await ctx.metaCache.visibleProps(mount, dir);
  } catch (e) {
    ctx.log.warn({ err: e, category: mount.category.slug, path: dir }, 'webdav: visibility markers unreadable; reading every sidecar');
    return undefined;
  }
}

/**
 * Locks covering each child of `dir`, from one lock-store lookup: the depth-infinity locks
 * covering the folder plus those rooted at the child itself.
 */
async function childLocks(ctx: CoreContext, slug: string, dir: string): Promise<(path: string) => DavLock[]> {
  const all = await locksForView(ctx, slug, dir, true);
  if (!all.length) return () => [];
  const inherited = all.filter((l) => l.depth === 'infinity' && isWithin(l.path, dir));
  const rooted = new Map<string, DavLock[]>();
  for (const l of all) {
    if (l.path !== dir && parentPath(l.path) === dir) rooted.set(l.path, [...(rooted.get(l.path) ?? []), l]);
  }
  return (path) => {
    const own = rooted.get(path);
    return own ? [...inherited, ...own] : inherited;
  };
}

/** Starts reading folder `path` (and, when sidecars matter, which children have visible ones). */
function startListing(ctx: CoreContext, mount: Mount, path: string, withMeta: boolean) {
  return {
    children: readAhead(listPages(mount.backend, path, { signal: ctx.signal }), READ_AHEAD),
    visible: withMeta ? visibleIndex(ctx, mount, path) : Promise.resolve(undefined),
  };
}

/** @throws DavHttpError 400/403, VfsError ENOENT (404) and storage errors before the 207 started */
export const handlePropfind: CoreHandler = async (ctx) => {
  const depth = propfindDepth(ctx.req);
  const body = await readCappedBody(ctx.req, ctx.state.config.webdav.maxXmlBodyBytes, ctx.res);
  const { request, render } = propfindFromBody(body.length ? body.toString('utf8') : '');
  const { mount } = ctx.target;
  const prefix = ctx.prefix;
  const slug = mount?.category.slug;
  const lockHref = (l: DavLock) => hrefOf(prefix, l.category, l.path, false);

  const withMeta = needsMeta(request);
  const withLocks = needsLocks(request);
  // Depth 1: the listing (and its marker listing) start before the target is even stat'ed, on the
  // path as sent; dropped if the target turns out to be a file or another normalisation of it.
  let started = mount && depth === 1 ? startListing(ctx, mount, ctx.target.path, withMeta) : undefined;
  let self: Item;
  try {
    if (!mount) self = { entry: { path: '', kind: 'dir', size: 0, mtime: PROCESS_START }, path: '', name: '' };
    else if (ctx.target.path === '') {
      const f = await ctx.lookup.tryFind(mount, '');
      self = { entry: f?.entry ?? { path: '', kind: 'dir', size: 0, mtime: PROCESS_START }, path: '', name: slug! };
    } else {
      const f = await ctx.lookup.find(mount, ctx.target.path);
      self = { entry: f.entry, path: f.path, name: baseName(f.path) };
    }
  } catch (e) {
    started?.children.stop();
    throw e;
  }
  const listing = depth === 1 && self.entry.kind === 'dir';
  if (started && (!listing || self.path !== ctx.target.path)) {
    started.children.stop();
    started = undefined;
  }
  if (!started && mount && listing) started = startListing(ctx, mount, self.path, withMeta);
  const quota = mount && needsQuota(request) && mount.backend.quota ? await mount.backend.quota().catch(() => undefined) : undefined;

  /** `href` percent-encoded and XML-escaped. */
  const resource = (it: Item, meta: FileMeta | undefined, locks: DavLock[], href: string): string =>
    render(href, { entry: it.entry, name: it.name, meta, locks, lockHref, quota: it.entry.kind === 'dir' ? quota : undefined });
  /** A resource on its own (the target, a category root): its sidecar and locks looked up directly. */
  const single = async (it: Item): Promise<string> => {
    const m = it.mount ?? mount;
    const s = m?.category.slug;
    const meta = withMeta ? await metaOf(ctx, m, it) : undefined;
    return resource(it, meta, s !== undefined && withLocks ? await locksForView(ctx, s, it.path) : [], escapeXml(hrefOf(prefix, s, it.path, it.entry.kind === 'dir')));
  };

  const children = started?.children;
  // The first response is computed before the 207 goes out, so early errors still get their status.
  let first: string;
  try {
    first = await single(self);
  } catch (e) {
    children?.stop();
    throw e;
  }
  ctx.res.statusCode = 207;
  ctx.res.setHeader('Content-Type', 'application/xml; charset="utf-8"');
  if (!listing) {
    // One resource: the whole body with its length, so headers and body leave in one write.
    const whole = MULTISTATUS_OPEN + first + MULTISTATUS_CLOSE;
    ctx.res.setHeader('Content-Length', Buffer.byteLength(whole));
    ctx.res.end(whole);
    return;
  }
  await writeChunk(ctx, MULTISTATUS_OPEN + first);
  if (listing && !mount) {
    const parts: string[] = [];
    for (const s of readableCategories(ctx.state, ctx.user)) {
      parts.push(await single({ entry: { path: '', kind: 'dir', size: 0, mtime: PROCESS_START }, path: '', name: s, mount: ctx.state.mounts.get(s)! }));
    }
    await writeChunk(ctx, parts.join(''));
  } else if (children && mount) {
    // Percent-encoded names hold no XML-special character: only the base needs escaping.
    const base = escapeXml(hrefOf(prefix, slug, self.path, true));
    const locksOf = withLocks ? await childLocks(ctx, slug!, self.path) : () => [];
    const index = await started!.visible;
    const needs = (it: Item) => withMeta && (!index || index.has(it.name, it.entry.kind));
    const write = async (entries: readonly Entry[]) => {
      const batch: Item[] = entries.map((e) => {
        const name = baseName(e.path);
        return { entry: e, path: self.path === '' ? name : `${self.path}/${name}`, name };
      });
      const metas = await Promise.all(batch.map((it) => (needs(it) ? metaOf(ctx, mount, it) : undefined)));
      let out = '';
      for (let i = 0; i < batch.length; i++) {
        const it = batch[i]!;
        out += resource(it, metas[i], locksOf(it.path), base + encodeName(it.name) + (it.entry.kind === 'dir' ? '/' : ''));
      }
      await writeText(ctx, out); // encoded once, into a reused buffer
    };
    for await (const chunk of children) {
      for (let i = 0; i < chunk.length; i += BATCH) await write(chunk.slice(i, i + BATCH));
    }
  }
  await writeChunk(ctx, MULTISTATUS_CLOSE);
  ctx.res.end();
};
