/**
 * The WebDAV `If` header in front of every handler: parsed (400 when malformed), its lock tokens
 * recorded on the context, and evaluated against the resources it names (412 when no list holds).
 */
import { parseIfHeader, evaluateIf, submittedTokens, type IfResourceState } from './locks/if-header.ts';
import { normalizePath } from '../vfs/path.ts';
import { isVfsError } from '../vfs/errors.ts';
import type { Mount } from '../vfs/mount.ts';
import type { CoreContext } from './core-context.ts';
import { DavHttpError } from './http-error.ts';
import { ownHosts } from './target.ts';

const REQUEST = '\u0000request';

/**
 * Applies the If header of `ctx.req` (if any).
 * @throws DavHttpError 400 (malformed), 412 (no list holds); VfsError from storage
 */
export async function applyIfHeader(ctx: CoreContext): Promise<void> {
  const raw = ctx.req.headers.if;
  if (raw === undefined) return;
  let lists;
  try {
    lists = parseIfHeader(Array.isArray(raw) ? raw.join(" ") : raw);
  } catch (e) {
    throw new DavHttpError(400, isVfsError(e) ? e.message : 'malformed If header', { cause: e });
  }
  ctx.submittedTokens = submittedTokens(lists);
  // Tags naming any of our own host names (Host, X-Forwarded-Host, publicUrl) address this server.
  const own = ownHosts(ctx.req, ctx.state.config);
  const host = ctx.req.headers.host?.toLowerCase();
  lists = lists.map((l) => (l.resourceHost && own.includes(l.resourceHost) ? { ...l, resourceHost: host } : l));
  const stateOf = async (mount: Mount | undefined, path: string | undefined): Promise<IfResourceState> => {
    if (path === undefined) return { exists: false, lockTokens: [] };
    if (!mount) return { exists: true, lockTokens: [] };
    const found = await ctx.lookup.tryFind(mount, path);
    const locks = await ctx.locks.covering(mount.category.slug, found?.path ?? path);
    return { exists: !!found, etag: found?.entry.etag, lockTokens: locks.map((l) => l.token) };
  };
  const ok = await evaluateIf(lists, REQUEST, async (p) => {
    if (p === REQUEST) return stateOf(ctx.target.mount, ctx.target.path);
    let rel = p;
    if (ctx.prefix && (rel === ctx.prefix || rel.startsWith(ctx.prefix + '/'))) rel = rel.slice(ctx.prefix.length);
    let norm: string;
    try { norm = normalizePath(rel); } catch { return stateOf(undefined, undefined); }
    if (norm === '') return stateOf(undefined, '');
    const i = norm.indexOf('/');
    const mount = ctx.state.mounts.get(i < 0 ? norm : norm.slice(0, i));
    if (!mount) return stateOf(undefined, undefined);
    return stateOf(mount, i < 0 ? '' : norm.slice(i + 1));
  }, { host: ctx.req.headers.host });
  if (!ok) throw new DavHttpError(412, 'If header precondition failed');
}
