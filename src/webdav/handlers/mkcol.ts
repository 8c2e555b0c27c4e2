/** MKCOL: 201 new, 405 existing, 409 missing parent, 415 with a body. */
import { announceChange } from '../../vfs/mount.ts';
import type { CoreHandler } from '../core-context.ts';
import { isVfsError } from '../../vfs/errors.ts';
import { parentPath } from '../../vfs/path.ts';
import { assertUnlocked } from '../locks/enforce.ts';
import { DavHttpError } from '../http-error.ts';
import { hasBody } from '../body.ts';
import { sendStatus } from '../respond.ts';

/** @throws DavHttpError 405/409/415, VfsError ELOCKED (423) and storage errors */
export const handleMkcol: CoreHandler = async (ctx) => {
  const { mount } = ctx.target;
  if (hasBody(ctx.req)) throw new DavHttpError(415, 'MKCOL with a body is not supported');
  if (!mount || ctx.target.path === '') throw new DavHttpError(405, 'the collection exists', { headers: { Allow: 'OPTIONS, GET, HEAD, PROPFIND' } });
  const path = ctx.target.path;
  if (await ctx.lookup.tryFind(mount, path)) throw new DavHttpError(405, 'something exists at this URL');
  const parent = parentPath(path);
  if (parent !== '') {
    const p = await ctx.lookup.tryFind(mount, parent);
    if (!p || p.entry.kind !== 'dir') throw new DavHttpError(409, 'the parent collection does not exist');
  }
  const slug = mount.category.slug;
  await assertUnlocked(ctx, slug, path);
  try {
    await mount.backend.mkdir(path);
  } catch (e) {
    if (isVfsError(e, 'ENOENT') || isVfsError(e, 'ENOTDIR')) throw new DavHttpError(409, 'the parent collection does not exist', { cause: e });
    if (isVfsError(e, 'EEXIST')) throw new DavHttpError(405, 'something exists at this URL', { cause: e });
    throw e;
  }
  await announceChange(ctx.bus, { category: slug, path, op: 'mkdir' });
  sendStatus(ctx.res, 201);
};
