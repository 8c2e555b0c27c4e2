/**
 * `/feeds/<category>/…`: the update feeds applications poll, under the category's download rules
 * (public; Basic; `?dlid=`, which then rides along in every file URL; or a signed link for the feed's
 * path, whose expiry the file URLs inherit). Answers carry a strong ETag and Last-Modified and
 * honour If-None-Match / If-Modified-Since with 304. Rendered answers are cached per catalog
 * generation (feeds/cache.ts), so a repeated request costs no storage call.
 *
 * | path                                        | type                          |
 * |---------------------------------------------|-------------------------------|
 * | `joomla.xml`                                | application/xml               |
 * | `electron/{latest,beta,alpha}{,-mac,-linux,-linux-arm64,-linux-ia32}.yml` | application/yaml |
 * | `appcast.xml`                               | application/rss+xml           |
 * | `tauri/latest.json` (`?channel=beta`)       | application/json              |
 * | `tauri/{target}/{arch}/{current_version}`   | application/json, or 204      |
 */
import type { Context } from 'koa';
import { isVisible } from '../catalog/visible.ts';
import type { Catalog, Release } from '../catalog/types.ts';
import type { CategoryConfig } from '../config/schema.ts';
import type { RuntimeState } from '../vfs/mount.ts';
import { encodeUrlPath } from '../vfs/path.ts';
import { mayDownload } from './access.ts';
import { deny, plain } from './deny.ts';
import { etagMatches } from './http-util.ts';
import type { LinkSigner } from './links.ts';
import { withDlid } from './pages/views.ts';
import { baseUrl, queryValue, signerFor, visitor, type ServerParts } from './request-context.ts';
import { bodyEtag, createFeedCache, type FeedCache, type RenderedFeed } from './feeds/cache.ts';
import { electronYaml, parseElectronName } from './feeds/electron.ts';
import { joomlaXml } from './feeds/joomla.ts';
import { parseChannel, type FeedLinks } from './feeds/select.ts';
import { appcastXml } from './feeds/sparkle.ts';
import { tauriDynamicJson, tauriLatestJson } from './feeds/tauri.ts';

const caches = new WeakMap<Catalog, FeedCache>();
const cacheOf = (c: Catalog): FeedCache => {
  let f = caches.get(c);
  if (!f) caches.set(c, (f = createFeedCache()));
  return f;
};

const TYPES = {
  xml: 'application/xml; charset=utf-8',
  yaml: 'application/yaml; charset=utf-8',
  rss: 'application/rss+xml; charset=utf-8',
  json: 'application/json; charset=utf-8',
} as const;

const notFound = (what: string): RenderedFeed => ({ status: 404, body: `${what}\n`, type: 'text/plain; charset=utf-8' });

/** How the visitor proved access, carried into file URLs. */
type Carry = { dlid?: string; signed?: { signer: LinkSigner; expires: number } };

/**
 * Serves `/feeds/<rest…>` (decoded segments after "feeds").
 * @throws VfsError EIO when the catalog cannot be built (mapped by the error middleware)
 */
export async function serveFeed(ctx: Context, rest: string[], state: RuntimeState, parts: ServerParts): Promise<void> {
  if (ctx.method !== 'GET' && ctx.method !== 'HEAD') {
    ctx.set('Allow', 'GET, HEAD');
    return plain(ctx, 405, 'Method not allowed.');
  }
  const mount = rest.length >= 2 ? state.mounts.get(rest[0]!) : undefined;
  if (!mount) return plain(ctx, 404, 'No such feed.');
  const cat = mount.category;
  const carry: Carry = {};
  const expires = queryValue(ctx, 'expires');
  const sig = queryValue(ctx, 'sig');
  if (expires !== undefined || sig !== undefined) {
    const signer = signerFor(parts, state.config);
    const verdict = signer ? signer.verify(`/feeds/${rest.join('/')}`, expires, sig) : 'bad';
    if (verdict !== 'ok') return plain(ctx, 403, verdict === 'expired' ? 'This feed link has expired.' : 'This feed link is not valid.');
    carry.signed = { signer: signer!, expires: Number(expires) };
  } else {
    const id = await visitor(ctx, state, parts);
    if (!mayDownload(id, cat) || id.failed) return void deny(ctx, cat, id, state.config.auth.realm);
    carry.dlid = id.dlid;
  }
  const channelParam = queryValue(ctx, 'channel');
  const channel = parseChannel(channelParam);
  const base = baseUrl(ctx, state.config);
  const generation = await parts.catalog.generation(cat.slug);
  const key = [cat.slug, generation, rest.join('/'), channelParam ?? '', base, carry.dlid ?? '', carry.signed?.expires ?? ''].join('\0');
  const feed = await cacheOf(parts.catalog).get(key, async () => {
    if (!channel) return notFound('Unknown channel: use latest, beta or alpha.');
    const releases = ((await parts.catalog.releases(cat.slug)) ?? []).filter(isVisible);
    return render(cat, rest.slice(1), releases, channel, base, carry);
  });
  send(ctx, feed, cat);
}

function linksFor(cat: CategoryConfig, base: string, carry: Carry): FeedLinks {
  const catUrl = `${base}/${encodeUrlPath(cat.slug)}/`;
  return {
    category: withDlid(catUrl, carry.dlid),
    page: (r) => withDlid(`${catUrl}${encodeUrlPath(r.version)}/`, carry.dlid),
    file(r, name) {
      const path = `/dl/${encodeUrlPath(cat.slug)}/${encodeUrlPath(r.version)}/${encodeUrlPath(name)}`;
      if (carry.signed) {
        const now = Date.now();
        const link = carry.signed.signer.sign(`/dl/${cat.slug}/${r.version}/${name}`, Math.max(1, carry.signed.expires - Math.floor(now / 1000)), now);
        return `${base}${path}?${link.query}`;
      }
      return withDlid(`${base}${path}`, carry.dlid);
    },
  };
}

/** Renders one feed (pure but for the clock of signed links). */
function render(cat: CategoryConfig, path: string[], releases: Release[], channel: NonNullable<ReturnType<typeof parseChannel>>, base: string, carry: Carry): RenderedFeed {
  const links = linksFor(cat, base, carry);
  const title = cat.title ?? cat.slug;
  const ok = (body: string, type: string): RenderedFeed => ({ status: 200, body, type, etag: bodyEtag(body), lastModified: newest(releases) });
  const [first, ...more] = path;
  if (first === 'joomla.xml' && more.length === 0) {
    if (!cat.feeds.joomla) return notFound('This category has no Joomla update stream (set feeds.joomla in its config).');
    return ok(joomlaXml(cat.feeds.joomla, title, cat.description, releases, links), TYPES.xml);
  }
  if (first === 'appcast.xml' && more.length === 0) return ok(appcastXml(title, releases, links), TYPES.rss);
  if (first === 'electron' && more.length === 1) {
    const f = parseElectronName(more[0]!);
    if (!f) return notFound('No such electron-updater channel file.');
    const yml = electronYaml(f, releases, carry.dlid);
    return yml === undefined ? notFound(`No release of this channel has files for ${f.platform}.`) : ok(yml, TYPES.yaml);
  }
  if (first === 'tauri' && more.length === 1 && more[0] === 'latest.json') {
    const json = tauriLatestJson(releases, channel, links);
    return json === undefined ? notFound('No release of this channel has a signed build.') : ok(json, TYPES.json);
  }
  if (first === 'tauri' && more.length === 3) {
    const json = tauriDynamicJson(releases, channel, more[0]!, more[1]!, more[2]!, links);
    return json === undefined ? { status: 204, body: '', type: TYPES.json } : ok(json, TYPES.json);
  }
  return notFound('No such feed.');
}

/** Newest date a feed can reflect: release dates and item times. */
function newest(releases: Release[]): Date | undefined {
  let t = 0;
  for (const r of releases) {
    t = Math.max(t, r.date.getTime());
    for (const i of r.items) t = Math.max(t, i.mtime.getTime());
  }
  return t > 0 ? new Date(t) : undefined;
}

function send(ctx: Context, f: RenderedFeed, cat: CategoryConfig): void {
  ctx.set('Cache-Control', cat.access.download === 'public' ? 'no-cache' : 'private, no-cache');
  ctx.set('X-Content-Type-Options', 'nosniff');
  if (f.status !== 200) {
    ctx.status = f.status;
    if (f.status === 204) return;
    ctx.type = f.type;
    ctx.body = f.body;
    return;
  }
  ctx.set('ETag', f.etag!);
  if (f.lastModified) ctx.set('Last-Modified', f.lastModified.toUTCString());
  const inm = ctx.get('If-None-Match');
  const ims = ctx.get('If-Modified-Since');
  const fresh = inm ? etagMatches(inm, f.etag!)
    : !!ims && !!f.lastModified && !Number.isNaN(Date.parse(ims)) && Math.floor(f.lastModified.getTime() / 1000) * 1000 <= Date.parse(ims);
  if (fresh) {
    ctx.status = 304;
    return;
  }
  ctx.status = 200;
  ctx.type = f.type;
  ctx.body = f.body;
}
