/** DELETE: files and whole trees (recursive), honouring locks on the target and beneath it. */
import { announceChange } from '../../vfs/mount.ts';
import type { CoreHandler } from '../core-context.ts';
import { assertUnlocked, dropLocksOfRemovedTree } from '../locks/enforce.ts';
import { DavHttpError } from '../http-error.ts';
import { header } from '../headers.ts';
import { sendStatus } from '../respond.ts';

/** @throws VfsError ENOENT (404), ELOCKED (423), storage errors; DavHttpError 400/403 */
export const handleDelete: CoreHandler = async (ctx) => {
  const { mount } = ctx.target;
  if (!mount || ctx.target.path === '') throw new DavHttpError(403, 'the root and categories cannot be deleted');
  const found = await ctx.lookup.find(mount, ctx.target.path);
  const depth = header(ctx.req, 'depth');
  if (found.entry.kind === 'dir' && depth !== undefined && depth.trim().toLowerCase() !== 'infinity') {
    throw new DavHttpError(400, 'DELETE of a collection needs Depth: infinity');
  }
  const slug = mount.category.slug;
  await assertUnlocked(ctx, slug, found.path, { descendants: true });
  await mount.backend.remove(found.path, { recursive: true });
  try {
    await mount.meta.remove(found.path);
  } catch (e) {
    ctx.log.warn({ err: e, path: found.path }, 'webdav: could not remove sidecars after DELETE');
  }
  await dropLocksOfRemovedTree(ctx, slug, found.path);
  await announceChange(ctx.bus, { category: slug, path: found.path, op: 'remove' });
  sendStatus(ctx.res, 204);
};
