/**
 * Where a request URL or a Destination header points: the mount table entry and VFS path,
 * plus the href we write back. The public prefix (from `webdav.publicUrl`) is stripped from
 * incoming paths and prepended to every href.
 */
import type { IncomingMessage } from 'node:http';
import type { Config } from '../config/schema.ts';
import { decodeUrlPath, encodeUrlPath } from '../vfs/path.ts';
import { VfsError } from '../vfs/errors.ts';
import type { RuntimeState } from '../vfs/mount.ts';
import type { DavTarget } from './context.ts';
import { fromTrustedProxy } from '../security/addresses.ts';

/** Path prefix of `webdav.publicUrl` without a trailing slash ("" when none). @throws never */
export function publicPrefix(config: Config): string {
  if (!config.webdav.publicUrl) return '';
  let p = prefixes.get(config);
  if (p === undefined) prefixes.set(config, (p = new URL(config.webdav.publicUrl).pathname.replace(/\/+$/, '')));
  return p;
}

const prefixes = new WeakMap<Config, string>();

/** Most hrefs and resolved request paths remembered (clients repeat the same few URLs). */
const REMEMBERED = 512;
/** Longest raw path remembered. */
const REMEMBER_MAX_CHARS = 1024;

/** Adds to a bounded insertion-ordered map, dropping the oldest entry when full. @throws never */
function remember<V>(map: Map<string, V>, key: string, value: V): void {
  if (key.length > REMEMBER_MAX_CHARS) return;
  if (map.size >= REMEMBERED) map.delete(map.keys().next().value!);
  map.set(key, value);
}

/**
 * Href of a resource: path-absolute, every reserved character escaped, collections end in "/".
 * `slug` undefined = the WebDAV root. @throws never
 */
export function hrefOf(prefix: string, slug: string | undefined, path: string, isDir: boolean): string {
  if (slug === undefined) return `${prefix}/`;
  const key = `${isDir || path === '' ? '/' : ''}\0${prefix}\0${slug}\0${path}`;
  let href = hrefs.get(key);
  if (href === undefined) {
    const tail = path === '' ? '' : '/' + encodeUrlPath(path);
    href = `${prefix}/${encodeUrlPath(slug)}${tail}${isDir || path === '' ? '/' : ''}`;
    remember(hrefs, key, href);
  }
  return href;
}

const hrefs = new Map<string, string>();

/** Strips the public prefix (if the proxy kept it) and the query. @throws never */
function stripPrefix(rawPath: string, prefix: string): string {
  if (prefix && (rawPath === prefix || rawPath.startsWith(prefix + '/'))) return rawPath.slice(prefix.length) || '/';
  return rawPath;
}

/**
 * Resolves a raw request path (origin-form, may carry a query) onto the mount table.
 * @throws VfsError EINVAL (bad escapes, traversal, %2F, NUL, backslash), ENOENT (unknown category)
 */
export function resolvePath(state: RuntimeState, rawPath: string): DavTarget {
  let known = resolved.get(state);
  const hit = known?.get(rawPath);
  if (hit) return hit;
  const t = Object.freeze(resolveFresh(state, rawPath));
  if (!known) resolved.set(state, (known = new Map()));
  remember(known, rawPath, t);
  return t;
}

/** Successful resolutions per runtime state (a reload brings a new state and so a fresh map). */
const resolved = new WeakMap<RuntimeState, Map<string, DavTarget>>();

/** {@link resolvePath} without the memory. @throws as resolvePath */
function resolveFresh(state: RuntimeState, rawPath: string): DavTarget {
  const prefix = publicPrefix(state.config);
  const q = rawPath.indexOf('?');
  const clean = q >= 0 ? rawPath.slice(0, q) : rawPath;
  // A fragment never belongs in a request target; stripping it would act on the parent.
  if (clean.includes('#')) throw new VfsError('EINVAL', 'fragment in request path');
  const dec = decodeUrlPath(stripPrefix(clean, prefix));
  if (dec.path === '') return { path: '', trailingSlash: true, href: hrefOf(prefix, undefined, '', true) };
  const i = dec.path.indexOf('/');
  const slug = i < 0 ? dec.path : dec.path.slice(0, i);
  const path = i < 0 ? '' : dec.path.slice(i + 1);
  const mount = state.mounts.get(slug);
  if (!mount) throw new VfsError('ENOENT', 'no such category');
  return { mount, path, trailingSlash: dec.trailingSlash, href: hrefOf(prefix, slug, path, dec.trailingSlash) };
}

/** The request target in origin-form, also when a client sent absolute-form (`GET http://h/x`). @throws never */
export function requestPath(url: string | undefined): string {
  const u = url ?? '/';
  if (u.charCodeAt(0) === 47 /* "/" */) return u;
  const m = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*(.*)$/i.exec(u);
  return m ? (m[1] || '/') : u;
}

/** Host names (lowercase, with port) this server answers to for this request. @throws never */
export function ownHosts(req: IncomingMessage, config: Config): string[] {
  const hosts: string[] = [];
  if (req.headers.host) hosts.push(req.headers.host.toLowerCase());
  if (fromTrustedProxy(req, config.webdav)) {
    const fwd = req.headers['x-forwarded-host'];
    const v = Array.isArray(fwd) ? fwd[0] : fwd;
    if (v) hosts.push(v.split(',')[0]!.trim().toLowerCase());
  }
  if (config.webdav.publicUrl) hosts.push(new URL(config.webdav.publicUrl).host.toLowerCase());
  return hosts;
}

const DEFAULT_PORT: Record<string, string> = { http: '80', https: '443' };

/**
 * Resolves a Destination header (absolute URL or path-absolute) without any URL normalisation
 * (so `..` and `%2e%2e` are seen and refused, not silently resolved).
 * @throws VfsError EINVAL (malformed, traversal), EACCES (another host), EROFS (the root or an unknown category)
 */
export function resolveDestination(req: IncomingMessage, state: RuntimeState, value: string): DavTarget {
  let raw = value.trim();
  const m = /^([a-z][a-z0-9+.-]*):\/\/([^/?#]*)(.*)$/i.exec(raw);
  if (m) {
    const scheme = m[1]!.toLowerCase();
    let host = m[2]!.toLowerCase();
    if (host.includes('@')) throw new VfsError('EINVAL', 'credentials in Destination');
    const port = DEFAULT_PORT[scheme];
    const hosts = ownHosts(req, state.config).map((h) => (port && h.endsWith(':' + port) ? h.slice(0, -port.length - 1) : h));
    if (port && host.endsWith(':' + port)) host = host.slice(0, -port.length - 1);
    if (!hosts.includes(host)) throw new VfsError('EACCES', 'Destination is on another server');
    raw = m[3] || '/';
  } else if (!raw.startsWith('/')) {
    throw new VfsError('EINVAL', 'Destination must be an absolute URL or path');
  }
  let t: DavTarget;
  try {
    t = resolvePath(state, raw);
  } catch (e) {
    if (e instanceof VfsError && e.code === 'ENOENT') throw new VfsError('EROFS', 'Destination category does not exist');
    throw e;
  }
  if (!t.mount || t.path === '') throw new VfsError('EROFS', 'Destination cannot be a category or the root');
  return t;
}
