/** HTML pages and the Atom feed: `/`, `/login`, `/<category>/`, `/<category>/feed.atom`, `/<category>/<release>/`. */
import { isVisible } from '../catalog/visible.ts';
import type { Context } from 'koa';
import { encodeUrlPath } from '../vfs/path.ts';
import type { RuntimeState } from '../vfs/mount.ts';
import { mayDownload, visibleCategories } from './access.ts';
import { deny } from './deny.ts';
import { atomFeed } from './feed.ts';
import { feedUrls } from './feeds/urls.ts';
import { categoryPage, errorPage, indexPage, releasePage } from './pages/views.ts';
import { baseUrl, visitor, type ServerParts } from './request-context.ts';

/** Sends the HTML 404 page. @throws never */
export function notFoundPage(ctx: Context): void {
  ctx.status = 404;
  ctx.type = 'text/html; charset=utf-8';
  ctx.body = errorPage(404, 'Not found');
}

function html(ctx: Context, body: string) {
  ctx.status = 200;
  ctx.type = 'text/html; charset=utf-8';
  ctx.set('Cache-Control', 'private, no-cache');
  ctx.body = body;
}

/**
 * Serves a page for the decoded path segments (already validated), or the 404 page.
 * @throws VfsError EIO when the catalog cannot be built (mapped by the error middleware).
 */
export async function servePage(ctx: Context, segs: string[], trailingSlash: boolean, state: RuntimeState, parts: ServerParts): Promise<void> {
  if (ctx.method !== 'GET' && ctx.method !== 'HEAD') {
    ctx.set('Allow', 'GET, HEAD');
    ctx.status = 405;
    ctx.body = 'Method not allowed\n';
    return;
  }
  const id = await visitor(ctx, state, parts);
  if (segs.length === 0) {
    if (id.failed) return void deny(ctx, undefined, id, state.config.auth.realm);
    return html(ctx, indexPage(visibleCategories(state.config, id), { dlid: id.dlid, signedIn: id.principal !== null }));
  }
  if (segs.length === 1 && segs[0] === 'login' && !state.mounts.has('login')) {
    if (id.principal) {
      ctx.status = 302;
      ctx.set('Location', '/');
      ctx.body = 'Signed in\n';
      return;
    }
    return void deny(ctx, undefined, { principal: null, via: 'anonymous' }, state.config.auth.realm);
  }
  const mount = state.mounts.get(segs[0]!);
  if (!mount || segs.length > 2) return notFoundPage(ctx);
  const cat = mount.category;
  const isFeed = segs.length === 2 && segs[1] === 'feed.atom' && !trailingSlash;
  if (!trailingSlash && !isFeed) {
    ctx.status = 301;
    ctx.set('Location', `/${segs.map(encodeUrlPath).join('/')}/${ctx.querystring ? `?${ctx.querystring}` : ''}`);
    ctx.body = 'Moved\n';
    return;
  }
  if (!mayDownload(id, cat) || id.failed) return void deny(ctx, cat, id, state.config.auth.realm);
  const releases = ((await parts.catalog.releases(cat.slug)) ?? []).filter(isVisible);
  if (isFeed) {
    ctx.status = 200;
    ctx.type = 'application/atom+xml; charset=utf-8';
    ctx.body = atomFeed(cat, releases, baseUrl(ctx, state.config));
    return;
  }
  if (segs.length === 1) return html(ctx, categoryPage(cat, releases, id.dlid, feedUrls(cat, baseUrl(ctx, state.config))));
  const release = releases.find((r) => r.version === segs[1]);
  if (!release) return notFoundPage(ctx);
  return html(ctx, releasePage(cat, release, id.dlid));
}
