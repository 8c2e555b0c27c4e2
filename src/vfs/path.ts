/**
 * The one place where client-supplied paths become VFS paths. Pure functions, no I/O.
 * Everything that reaches a backend has passed {@link normalizePath}.
 */
import { VfsError } from './errors.ts';

/** Longest single name in bytes (as ext4, S3 keys allow more but disks do not). */
export const MAX_NAME_BYTES = 255;
/** Longest whole path in bytes. */
export const MAX_PATH_BYTES = 1024;

// C0 controls (incl. NUL) and DEL are never valid in a name.
// eslint-disable-next-line no-control-regex
const FORBIDDEN = /[\u0000-\u001f\u007f\\]/;

/**
 * Normalises a decoded path ("/a//b/", "a/b") into the VFS form "a/b".
 * Empty segments collapse; the root is "".
 * @throws VfsError EINVAL for `.`/`..` segments, backslashes, NUL or control characters,
 *   names over {@link MAX_NAME_BYTES} or paths over {@link MAX_PATH_BYTES} bytes.
 */
export function normalizePath(input: string): string {
  if (typeof input !== 'string') throw new VfsError('EINVAL', 'path must be a string');
  const parts: string[] = [];
  for (const seg of input.split('/')) {
    if (seg === '') continue;
    if (seg === '.' || seg === '..') throw new VfsError('EINVAL', 'path traversal is not allowed');
    if (FORBIDDEN.test(seg)) throw new VfsError('EINVAL', 'path contains a forbidden character');
    if (Buffer.byteLength(seg) > MAX_NAME_BYTES) throw new VfsError('EINVAL', 'name too long');
    parts.push(seg);
  }
  const out = parts.join('/');
  if (Buffer.byteLength(out) > MAX_PATH_BYTES) throw new VfsError('EINVAL', 'path too long');
  return out;
}

/** Result of {@link decodeUrlPath}. */
export interface DecodedUrlPath {
  /** Normalised VFS path ("" for "/"). */
  path: string;
  /** The raw path ended in "/" (a collection was addressed explicitly). */
  trailingSlash: boolean;
}

/**
 * Decodes the path part of a request URL (no query) strictly, segment by segment.
 * `%2F` inside a segment is refused (it would otherwise become a separator),
 * as are malformed escapes and everything {@link normalizePath} refuses.
 * @throws VfsError EINVAL
 */
export function decodeUrlPath(raw: string): DecodedUrlPath {
  const q = raw.indexOf('?');
  if (q >= 0) raw = raw.slice(0, q);
  if (!raw.startsWith('/')) throw new VfsError('EINVAL', 'path must start with /');
  const segs: string[] = [];
  for (const seg of raw.split('/')) {
    let dec: string;
    try {
      dec = decodeURIComponent(seg);
    } catch (cause) {
      throw new VfsError('EINVAL', 'invalid percent-encoding in path', { cause });
    }
    if (dec.includes('/')) throw new VfsError('EINVAL', 'encoded slash in path');
    if (dec === '.' || dec === '..') throw new VfsError('EINVAL', 'path traversal is not allowed');
    segs.push(dec);
  }
  return { path: normalizePath(segs.join('/')), trailingSlash: raw.length > 1 && raw.endsWith('/') };
}

/** Percent-encodes a VFS path for an href: every byte but unreserved characters and "/". */
export function encodeUrlPath(path: string): string {
  return path
    .split('/')
    .map((s) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase()))
    .join('/');
}

/** Joins normalised VFS paths. */
export function joinPath(...parts: string[]): string {
  return parts.filter((p) => p !== '').join('/');
}

/** Parent folder of a VFS path ("" for top-level names and for the root). */
export function parentPath(path: string): string {
  const i = path.lastIndexOf('/');
  return i < 0 ? '' : path.slice(0, i);
}

/** Last segment of a VFS path. */
export function baseName(path: string): string {
  const i = path.lastIndexOf('/');
  return i < 0 ? path : path.slice(i + 1);
}

/** True if `inner` equals `outer` or lies beneath it. */
export function isWithin(outer: string, inner: string): boolean {
  return outer === '' || inner === outer || inner.startsWith(outer + '/');
}
