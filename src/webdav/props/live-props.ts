/**
 * How PROPPATCH treats each property name: protected live properties are refused, the
 * modification-time properties set the sidecar `mtime`, the Win32 ones are also kept as dead
 * properties, everything else is a dead property.
 */
import { DAV_NS } from '../xml/parse.ts';

/** Namespace of the Windows Mini-Redirector's Win32 properties. */
export const WIN32_NS = 'urn:schemas-microsoft-com:';

/** DAV: properties the server computes; PROPPATCH answers 403 `DAV:cannot-modify-protected-property`. */
export const PROTECTED_DAV_PROPS: ReadonlySet<string> = new Set([
  'getetag', 'getcontentlength', 'getcontenttype', 'resourcetype', 'lockdiscovery', 'supportedlock',
  'creationdate', 'quota-available-bytes', 'quota-used-bytes', 'current-user-principal',
  'current-user-privilege-set', 'supported-report-set',
]);

/** The Win32 properties Windows sets after a save; stored as dead properties. */
export const WIN32_PROPS: ReadonlySet<string> = new Set([
  'Win32CreationTime', 'Win32LastAccessTime', 'Win32LastModifiedTime', 'Win32FileAttributes',
]);

/**
 * What a PROPPATCH of this name does:
 * `protected` (refused), `mtime` (sets the sidecar mtime only: DAV:getlastmodified, DAV:lastmodified),
 * `mtime+dead` (Win32LastModifiedTime: sets mtime and is stored), `dead` (stored as sent).
 * @throws never
 */
export function classifyProp(ns: string, local: string): 'protected' | 'mtime' | 'mtime+dead' | 'dead' {
  if (ns === DAV_NS) {
    if (PROTECTED_DAV_PROPS.has(local)) return 'protected';
    if (local === 'getlastmodified' || local === 'lastmodified') return 'mtime';
  }
  if (ns === WIN32_NS && local === 'Win32LastModifiedTime') return 'mtime+dead';
  return 'dead';
}

/**
 * Parses a client-supplied time (RFC 1123 as in getlastmodified and the Win32 properties,
 * or ISO 8601). @returns undefined if it is not a valid date. @throws never
 */
export function parseClientTime(text: string): Date | undefined {
  const t = text.trim();
  if (t === '' || t.length > 64) return undefined;
  const d = /^\d+$/.test(t) ? new Date(Number(t) * 1000) : new Date(t);
  return Number.isNaN(d.getTime()) ? undefined : d;
}
