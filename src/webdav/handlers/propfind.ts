/**
 * PROPFIND, Depth 0 or 1 (infinity → 403 propfind-finite-depth). The multistatus is streamed:
 * each `<D:response>` is written as the listing pages in, in batches, so a folder of 100,000
 * entries never becomes one string. A listing costs one walk of the folder plus one listing of
 * its visibility markers: sidecars are read only for the children the meta store says have a
 * client mtime or dead properties (in parallel per batch), locks are looked up once per folder.
 */
import type { FileMeta, Mount, VisiblePropsIndex } from '../../vfs/mount.ts';
import type { Entry } from '../../vfs/types.ts';
import { baseName, encodeUrlPath, isWithin, joinPath, parentPath } from '../../vfs/path.ts';
import type { CoreContext, CoreHandler } from '../core-context.ts';
import { DAV_NS } from '../xml/parse.ts';
import { MULTISTATUS_OPEN, MULTISTATUS_CLOSE, propNameElement, propstatResponse, type PropstatGroup } from '../xml/multistatus.ts';
import { deadPropNames, deadPropsXml, type PropName } from '../props/index.ts';
import { parsePropfind, propfindDepth, type PropfindRequest } from '../propfind/request.ts';
import { ALLPROP_LIVE, LIVE_DAV, liveProp, type ResourceInfo } from '../propfind/live.ts';
import { readableCategories } from '../access.ts';
import { hrefOf } from '../target.ts';
import { writeChunk } from '../stream-write.ts';
import type { DavLock } from '../context.ts';

const BATCH = 64;
const PROCESS_START = new Date();

interface Item { entry: Entry; path: string; name: string; mount?: Mount }

/** Does answering `req` need the sidecar (client mtime, dead properties)? */
function needsMeta(req: PropfindRequest): boolean {
  if (req.kind !== 'prop') return true;
  return req.names.some((n) => n.ns !== DAV_NS || n.local === 'getlastmodified' || n.local === 'creationdate' || !LIVE_DAV.has(n.local));
}

function needsQuota(req: PropfindRequest): boolean {
  return req.kind === 'prop' && req.names.some((n) => n.ns === DAV_NS && n.local.startsWith('quota-'));
}

/** One resource's `<D:response>`. */
function render(req: PropfindRequest, href: string, r: ResourceInfo): string {
  if (req.kind === 'propname') {
    const live = [...ALLPROP_LIVE, 'quota-available-bytes', 'quota-used-bytes'].filter((l) => liveProp(l, r) !== undefined);
    const names = [...live.map((l) => `<D:${l}/>`), ...deadPropNames(r.meta).map((p) => propNameElement(p.ns, p.local))];
    return propstatResponse(href, [{ status: 200, props: names }]);
  }
  const found: string[] = [];
  const missing: PropName[] = [];
  if (req.kind === 'allprop') {
    for (const l of ALLPROP_LIVE) { const x = liveProp(l, r); if (x) found.push(x); }
    found.push(...deadPropsXml(r.meta).found);
    for (const n of req.include) {
      if (n.ns === DAV_NS && LIVE_DAV.has(n.local) && !(ALLPROP_LIVE as readonly string[]).includes(n.local)) {
        const x = liveProp(n.local, r); if (x) found.push(x);
      }
    }
  } else {
    const dead: PropName[] = [];
    for (const n of req.names) {
      if (n.ns === DAV_NS && LIVE_DAV.has(n.local)) {
        const x = liveProp(n.local, r);
        if (x) found.push(x); else missing.push(n);
      } else dead.push(n);
    }
    const d = deadPropsXml(r.meta, dead);
    found.push(...d.found);
    missing.push(...d.missing);
  }
  const groups: PropstatGroup[] = [{ status: 200, props: found }, { status: 404, props: missing.map((m) => (m.ns === DAV_NS ? `<D:${m.local}/>` : propNameElement(m.ns, m.local))) }];
  return propstatResponse(href, groups);
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
function childLocks(ctx: CoreContext, slug: string, dir: string): (path: string) => DavLock[] {
  const all = ctx.locks.covering(slug, dir, true);
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

/** @throws DavHttpError 400/403, VfsError ENOENT (404) and storage errors before the 207 started */
export const handlePropfind: CoreHandler = async (ctx) => {
  const depth = propfindDepth(ctx.req);
  const request = parsePropfind(await ctx.readXml());
  const { mount } = ctx.target;
  const prefix = ctx.prefix;
  const slug = mount?.category.slug;
  const lockHref = (l: DavLock) => hrefOf(prefix, l.category, l.path, false);

  let self: Item;
  if (!mount) self = { entry: { path: '', kind: 'dir', size: 0, mtime: PROCESS_START }, path: '', name: '' };
  else if (ctx.target.path === '') {
    const f = await ctx.lookup.tryFind(mount, '');
    self = { entry: f?.entry ?? { path: '', kind: 'dir', size: 0, mtime: PROCESS_START }, path: '', name: slug! };
  } else {
    const f = await ctx.lookup.find(mount, ctx.target.path);
    self = { entry: f.entry, path: f.path, name: baseName(f.path) };
  }
  const withMeta = needsMeta(request);
  const listing = depth === 1 && self.entry.kind === 'dir';
  // Started now, so the marker listing overlaps the first response and the first listing page.
  const visible = mount && withMeta && listing ? visibleIndex(ctx, mount, self.path) : undefined;
  const quota = mount && needsQuota(request) && mount.backend.quota ? await mount.backend.quota().catch(() => undefined) : undefined;

  const resource = (it: Item, meta: FileMeta | undefined, locks: DavLock[], href: string): string =>
    render(request, href, { entry: it.entry, name: it.name, meta, locks, lockHref, quota: it.entry.kind === 'dir' ? quota : undefined });
  /** A resource on its own (the target, a category root): its sidecar and locks looked up directly. */
  const single = async (it: Item): Promise<string> => {
    const m = it.mount ?? mount;
    const s = m?.category.slug;
    const meta = withMeta ? await metaOf(ctx, m, it) : undefined;
    return resource(it, meta, s !== undefined ? ctx.locks.covering(s, it.path) : [], hrefOf(prefix, s, it.path, it.entry.kind === 'dir'));
  };

  // The first response is computed before the 207 goes out, so early errors still get their status.
  const first = await single(self);
  ctx.res.statusCode = 207;
  ctx.res.setHeader('Content-Type', 'application/xml; charset="utf-8"');
  await writeChunk(ctx, MULTISTATUS_OPEN + first);
  if (listing && !mount) {
    const parts: string[] = [];
    for (const s of readableCategories(ctx.state, ctx.user)) {
      parts.push(await single({ entry: { path: '', kind: 'dir', size: 0, mtime: PROCESS_START }, path: '', name: s, mount: ctx.state.mounts.get(s)! }));
    }
    await writeChunk(ctx, parts.join(''));
  } else if (listing && mount) {
    const base = hrefOf(prefix, slug, self.path, true);
    const locksOf = childLocks(ctx, slug!, self.path);
    const index = await visible;
    const needs = (it: Item) => withMeta && (!index || index.has(it.name, it.entry.kind));
    let batch: Item[] = [];
    const flush = async () => {
      const metas = await Promise.all(batch.map((it) => (needs(it) ? metaOf(ctx, mount, it) : undefined)));
      const parts = batch.map((it, i) => resource(it, metas[i], locksOf(it.path), base + encodeUrlPath(it.name) + (it.entry.kind === 'dir' ? '/' : '')));
      batch = [];
      await writeChunk(ctx, parts.join(''));
    };
    for await (const e of mount.backend.list(self.path, { signal: ctx.signal })) {
      const name = baseName(e.path);
      batch.push({ entry: e, path: joinPath(self.path, name), name });
      if (batch.length >= BATCH) await flush();
    }
    if (batch.length) await flush();
  }
  await writeChunk(ctx, MULTISTATUS_CLOSE);
  ctx.res.end();
};
