/**
 * COPY and MOVE (RFC 4918 §9.8, §9.9). Overwrite defaults to T and F never overwrites; Depth
 * infinity by default (COPY also takes 0; MOVE only infinity). Within one category the backend's
 * own copy/move runs (server-side on S3, rename on disk); across categories files stream one by
 * one and failures come back as a 207. Sidecars travel along; a moved tree's locks are dropped.
 */
import { VfsError, isVfsError } from '../../vfs/errors.ts';
import { encodeUrlPath, isWithin, parentPath } from '../../vfs/path.ts';
import { announceChange, type Mount } from '../../vfs/mount.ts';
import type { Entry } from '../../vfs/types.ts';
import type { DavContext, DavHandler, DavTarget } from '../context.ts';
import { assertUnlocked, dropLocksOfRemovedTree } from '../locks/enforce.ts';
import { sendMultistatus, statusResponse } from '../xml/multistatus.ts';
import { carryMeta, transferAcross, type TransferFailure } from './copy-move-transfer.ts';

type Op = 'copy' | 'move';

const header = (ctx: DavContext, name: string) => {
  const v = ctx.req.headers[name];
  return Array.isArray(v) ? v[0] : v;
};

/** Overwrite header: T (default) or F. @throws VfsError EINVAL */
function parseOverwrite(v: string | undefined): boolean {
  const o = (v ?? 'T').trim().toUpperCase();
  if (o === 'T') return true;
  if (o === 'F') return false;
  throw new VfsError('EINVAL', 'Overwrite must be T or F');
}

/** Depth header: COPY 0|infinity, MOVE infinity only (default infinity). @throws VfsError EINVAL */
function parseDepth(v: string | undefined, op: Op): '0' | 'infinity' {
  const d = (v ?? 'infinity').trim().toLowerCase();
  if (d === 'infinity' || (d === '0' && op === 'copy')) return d;
  throw new VfsError('EINVAL', op === 'move' ? 'MOVE requires Depth: infinity' : 'COPY Depth must be 0 or infinity');
}

async function statOrUndefined(mount: Mount, path: string): Promise<Entry | undefined> {
  try {
    return await mount.backend.stat(path);
  } catch (e) {
    if (isVfsError(e, 'ENOENT')) return undefined;
    throw e;
  }
}

/** Sidecar operations are advisory: logged, never failing the request. */
async function quietly(ctx: DavContext, what: string, fn: () => Promise<void>): Promise<void> {
  try { await fn(); } catch (err) { ctx.log.warn({ err }, `sidecar ${what} failed`); }
}

/** Both ends of the request after every check. */
interface Plan { op: Op; src: Mount; srcPath: string; entry: Entry; dst: Mount; dstPath: string; dstHref: string; depth: '0' | 'infinity'; existed: Entry | undefined }

/**
 * Validates the request and clears nothing yet.
 * @throws VfsError EINVAL (headers), EACCES (permission, root, same resource, into itself),
 *   ENOENT (source), ENOTDIR (no destination parent → 409), EPRECOND (Overwrite F onto an existing
 *   resource → 412), ELOCKED (423).
 */
async function plan(ctx: DavContext, op: Op): Promise<Plan> {
  const src = ctx.target.mount;
  const srcPath = ctx.target.path;
  if (!src) throw new VfsError('EACCES', `cannot ${op} the root`);
  const destHeader = header(ctx, 'destination');
  if (!destHeader) throw new VfsError('EINVAL', 'a Destination header is required');
  const overwrite = parseOverwrite(header(ctx, 'overwrite'));
  const depth = parseDepth(header(ctx, 'depth'), op);
  const dest: DavTarget = ctx.resolveDestination(destHeader);
  const dst = dest.mount;
  const srcSlug = src.category.slug;
  if (!dst || dest.path === '') throw new VfsError('EACCES', 'a category cannot be replaced');
  if (op === 'move' && srcPath === '') throw new VfsError('EACCES', 'a category cannot be moved');
  if (!ctx.can(srcSlug, op === 'move' ? 'write' : 'read') || !ctx.can(dst.category.slug, 'write')) {
    throw new VfsError('EACCES', 'no permission');
  }
  const sameCategory = dst.category.slug === srcSlug;
  if (sameCategory && isWithin(srcPath, dest.path)) {
    throw new VfsError('EACCES', srcPath === dest.path ? 'source and destination are the same' : 'cannot copy or move into itself');
  }
  const entry = await src.backend.stat(srcPath);
  const parent = await statOrUndefined(dst, parentPath(dest.path));
  if (!parent || parent.kind !== 'dir') throw new VfsError('ENOTDIR', 'the destination folder does not exist');
  const existed = await statOrUndefined(dst, dest.path);
  if (existed && !overwrite) throw new VfsError('EPRECOND', 'the destination exists and Overwrite is F');
  if (existed && sameCategory && isWithin(dest.path, srcPath)) throw new VfsError('EACCES', 'cannot overwrite an ancestor of the source');
  if (op === 'move') await assertUnlocked(ctx, srcSlug, srcPath, { descendants: true, member: true });
  await assertUnlocked(ctx, dst.category.slug, dest.path, { descendants: true, member: !existed });
  const dstHref = dest.href.endsWith('/') || entry.kind !== 'dir' ? dest.href : dest.href + '/';
  return { op, src, srcPath, entry, dst, dstPath: dest.path, dstHref, depth, existed };
}

/** Same category: the backend's own copy/move (server-side on S3). */
async function withinMount(ctx: DavContext, p: Plan): Promise<void> {
  const { src, srcPath, dstPath, entry } = p;
  if (p.existed) await quietly(ctx, 'remove', () => src.meta.remove(dstPath));
  if (p.depth === '0' && entry.kind === 'dir') {
    if (p.existed) await src.backend.remove(dstPath, { recursive: true });
    await src.backend.mkdir(dstPath);
    await carryMeta(src, srcPath, entry, src, dstPath, await src.backend.stat(dstPath), ctx.log);
    return;
  }
  await src.backend[p.op](srcPath, dstPath, { overwrite: true });
  await quietly(ctx, p.op, () => src.meta[p.op](srcPath, dstPath));
}

/** Across categories: stream file by file. @returns the failures (empty = complete). */
async function acrossMounts(ctx: DavContext, p: Plan): Promise<TransferFailure[]> {
  const { src, srcPath, dst, dstPath, entry } = p;
  if (p.existed && (p.existed.kind === 'dir' || entry.kind === 'dir')) {
    await dst.backend.remove(dstPath, { recursive: true });
  }
  if (p.existed) await quietly(ctx, 'remove', () => dst.meta.remove(dstPath));
  const r = await transferAcross(src, srcPath, entry, dst, dstPath, p.depth, ctx.log);
  if (p.op === 'move') {
    if (!r.failures.length) {
      await src.backend.remove(srcPath, { recursive: true });
      await quietly(ctx, 'remove', () => src.meta.remove(srcPath));
    } else {
      for (const f of r.copiedFiles) {
        try {
          await src.backend.remove(f);
          await quietly(ctx, 'remove', () => src.meta.remove(f));
        } catch (err) {
          ctx.log.warn({ err, path: f }, 'MOVE could not remove a copied source file');
        }
      }
    }
  }
  return r.failures;
}

function handler(op: Op): DavHandler {
  return async (ctx) => {
    const p = await plan(ctx, op);
    const sameMount = p.dst.category.slug === p.src.category.slug;
    const failures = sameMount ? (await withinMount(ctx, p), []) : await acrossMounts(ctx, p);
    if (op === 'move') await dropLocksOfRemovedTree(ctx, p.src.category.slug, p.srcPath);
    await announceChange(ctx.bus, { category: p.dst.category.slug, path: p.dstPath, op, from: p.srcPath, fromCategory: p.src.category.slug });
    if (failures.length) {
      const base = p.dstHref.endsWith('/') ? p.dstHref : p.dstHref + '/';
      return sendMultistatus(ctx.res, failures.map((f) => statusResponse(f.rel ? base + encodeUrlPath(f.rel) : p.dstHref, f.status)));
    }
    ctx.res.writeHead(p.existed ? 204 : 201, p.existed ? {} : { Location: p.dstHref, 'Content-Length': '0' });
    ctx.res.end();
  };
}

/**
 * COPY handler. @throws VfsError EINVAL, EACCES, ENOENT, ENOTDIR (409), EPRECOND (412), ELOCKED,
 * backend errors of a same-category copy.
 */
export const handleCopy: DavHandler = handler('copy');

/** MOVE handler; same errors as {@link handleCopy}. */
export const handleMove: DavHandler = handler('move');
