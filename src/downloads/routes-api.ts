/** /api/v1 routes: categories, releases, latest (update stream), POST links (admins mint signed links). */
import { isVisible } from '../catalog/visible.ts';
import type { Context } from 'koa';
import { parseBasic } from '../auth/basic.ts';
import { principalOf } from '../auth/permissions.ts';
import { VfsError, isVfsError } from '../vfs/errors.ts';
import { encodeUrlPath, normalizePath } from '../vfs/path.ts';
import type { RuntimeState } from '../vfs/mount.ts';
import { mayDownload, visibleCategories } from './access.ts';
import { categoryJson, latest, parseMaturity, releaseJson } from './api.ts';
import { parseTtl } from './links.ts';
import { baseUrl, queryValue, signerFor, visitor, type ServerParts } from './request-context.ts';

const MAX_BODY = 16 * 1024;

function json(ctx: Context, status: number, body: unknown) {
  ctx.status = status;
  ctx.set('Cache-Control', 'no-store');
  ctx.type = 'application/json; charset=utf-8';
  ctx.body = JSON.stringify(body);
}

/**
 * Serves `/api/v1/<rest…>` (segments after "v1"). Access failures answer 401/403 JSON.
 * @throws VfsError EIO when the catalog cannot be built.
 */
export async function serveApi(ctx: Context, rest: string[], state: RuntimeState, parts: ServerParts): Promise<void> {
  if (rest.length === 1 && rest[0] === 'links') return mintLink(ctx, state, parts);
  if (ctx.method !== 'GET' && ctx.method !== 'HEAD') return json(ctx, 405, { error: 'method not allowed' });
  const id = await visitor(ctx, state, parts);
  if (id.failed) return json(ctx, id.failed === 'basic' ? 401 : 403, { error: id.failed === 'basic' ? 'wrong user name or password' : 'unknown download key' });
  const base = baseUrl(ctx, state.config);
  if (rest.length === 1 && rest[0] === 'categories') {
    return json(ctx, 200, { categories: visibleCategories(state.config, id).map((c) => categoryJson(c, base)) });
  }
  if (rest.length !== 3 || rest[0] !== 'categories') return json(ctx, 404, { error: 'not found' });
  const mount = state.mounts.get(rest[1]!);
  if (!mount) return json(ctx, 404, { error: 'no such category' });
  if (!mayDownload(id, mount.category)) {
    if (!id.principal) ctx.set('WWW-Authenticate', `Basic realm="${state.config.auth.realm.replace(/["\\]/g, '')}", charset="UTF-8"`);
    return json(ctx, id.principal ? 403 : 401, { error: 'access denied' });
  }
  const releases = ((await parts.catalog.releases(mount.category.slug)) ?? []).filter(isVisible);
  if (rest[2] === 'releases') {
    return json(ctx, 200, { category: mount.category.slug, releases: releases.map((r) => releaseJson(r, base, id.dlid)) });
  }
  if (rest[2] === 'latest') {
    const min = parseMaturity(queryValue(ctx, 'maturity'));
    if (!min) return json(ctx, 400, { error: 'maturity must be alpha, beta, rc or stable' });
    const r = latest(releases, min);
    if (!r) return json(ctx, 404, { error: 'no release at this maturity' });
    return json(ctx, 200, releaseJson(r, base, id.dlid));
  }
  return json(ctx, 404, { error: 'not found' });
}

async function readJsonBody(ctx: Context): Promise<unknown> {
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const c of ctx.req) {
    n += (c as Buffer).length;
    if (n > MAX_BODY) throw new VfsError('EINVAL', 'request body too large');
    chunks.push(c as Buffer);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new VfsError('EINVAL', 'the body must be JSON');
  }
}

/** POST /api/v1/links {path, ttl} → {url, expires, expiresAt}: admins only (Basic). */
async function mintLink(ctx: Context, state: RuntimeState, parts: ServerParts): Promise<void> {
  if (ctx.method !== 'POST') return json(ctx, 405, { error: 'use POST' });
  const creds = parseBasic(ctx.get('Authorization') || undefined);
  const who = creds ? principalOf(state.config, await parts.verifier.verify(creds, state.config.auth.users)) : null;
  if (!who) {
    ctx.set('WWW-Authenticate', `Basic realm="${state.config.auth.realm.replace(/["\\]/g, '')}", charset="UTF-8"`);
    return json(ctx, 401, { error: 'sign in as an admin' });
  }
  if (!who.admin) return json(ctx, 403, { error: 'only admins may mint links' });
  const signer = signerFor(parts, state.config);
  if (!signer) return json(ctx, 501, { error: 'links.secret is not configured' });
  try {
    const body = (await readJsonBody(ctx)) as { path?: unknown; ttl?: unknown };
    if (typeof body?.path !== 'string') throw new VfsError('EINVAL', 'path is required');
    const path = normalizePath(body.path.replace(/^\/?dl\//, ''));
    const segs = path.split('/');
    if (segs.length !== 3) throw new VfsError('EINVAL', 'path must be <category>/<release>/<file>');
    const rel = state.mounts.has(segs[0]!) ? await parts.catalog.release(segs[0]!, segs[1]!) : undefined;
    if (!rel || !isVisible(rel) || !rel.items.some((i) => i.name === segs[2])) throw new VfsError('ENOENT', 'no such file');
    const ttl = typeof body.ttl === 'number' ? body.ttl : typeof body.ttl === 'string' ? parseTtl(body.ttl) : 86400;
    const link = signer.sign(`/dl/${path}`, ttl);
    parts.log.info({ admin: who.name, path: `/dl/${path}`, expires: link.expires }, 'minted a signed link');
    return json(ctx, 201, {
      url: `${baseUrl(ctx, state.config)}/dl/${encodeUrlPath(path)}?${link.query}`,
      expires: link.expires, expiresAt: new Date(link.expires * 1000).toISOString(),
    });
  } catch (err) {
    if (isVfsError(err, 'EINVAL') || isVfsError(err, 'ENOENT')) return json(ctx, err.code === 'ENOENT' ? 404 : 400, { error: err.message });
    throw err;
  }
}
