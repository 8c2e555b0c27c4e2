/**
 * Live properties of a resource as complete XML elements (the enclosing document declares `D:`).
 * `undefined` = the property does not apply to this resource (answered 404).
 */
import { escapeXml } from '../xml/write.ts';
import { lockDiscoveryXml, SUPPORTED_LOCK_XML } from '../locks/lock-xml.ts';
import type { DavLock } from '../context.ts';
import type { FileMeta } from '../../vfs/mount.ts';
import type { Entry } from '../../vfs/types.ts';
import { contentTypeFor } from '../mime.ts';

/** DAV: live properties in the order allprop lists them (quota ones only when asked, RFC 4331). */
export const ALLPROP_LIVE = ['creationdate', 'displayname', 'getcontentlength', 'getcontenttype', 'getetag', 'getlastmodified', 'resourcetype', 'supportedlock', 'lockdiscovery'] as const;
/** Every DAV: live property we compute. */
export const LIVE_DAV: ReadonlySet<string> = new Set([...ALLPROP_LIVE, 'quota-available-bytes', 'quota-used-bytes']);

/** Everything needed to render the live properties of one resource. */
export interface ResourceInfo {
  entry: Entry;
  name: string;
  meta?: FileMeta;
  locks: DavLock[];
  lockHref: (l: DavLock) => string;
  quota?: { used?: number; available?: number };
}

/** The client-visible modification time: the sidecar's client mtime wins. @throws never */
export function effectiveMtime(r: Pick<ResourceInfo, 'entry' | 'meta'>): Date {
  if (r.meta?.mtime) {
    const d = new Date(r.meta.mtime);
    if (!Number.isNaN(d.getTime())) return d;
  }
  return r.entry.mtime;
}

// eslint-disable-next-line no-control-regex
const NEEDS_ESCAPE = /[&<>"'\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/;
/** escapeXml, skipped for the common text that needs none. */
const esc = (s: string) => (NEEDS_ESCAPE.test(s) ? escapeXml(s) : s);

const el = (local: string, inner: string) => (inner === '' ? `<D:${local}/>` : `<D:${local}>${inner}</D:${local}>`);

/**
 * Both date formats of one second, remembered for the next call: entries of a listing often
 * share their second, and formatting is a large part of rendering one.
 */
let lastSecond = NaN;
let lastDates = { iso: '', http: '' };
function datesOf(d: Date): { iso: string; http: string } {
  const second = Math.floor(d.getTime() / 1000);
  if (second !== lastSecond) {
    lastDates = { iso: d.toISOString().slice(0, -5) + 'Z', http: d.toUTCString() }; // ISO without milliseconds
    lastSecond = second;
  }
  return lastDates;
}

const SUPPORTED_LOCK = el('supportedlock', SUPPORTED_LOCK_XML);
const NO_LOCKS = el('lockdiscovery', '');
const COLLECTION = el('resourcetype', '<D:collection/>');
const NOT_COLLECTION = el('resourcetype', '');

/** Renders DAV:`local` for `r`, or undefined when it does not apply. @throws never */
export function liveProp(local: string, r: ResourceInfo): string | undefined {
  const dir = r.entry.kind === 'dir';
  switch (local) {
    case 'creationdate': return `<D:creationdate>${datesOf(effectiveMtime(r)).iso}</D:creationdate>`;
    case 'displayname': return el(local, esc(r.name));
    case 'getcontentlength': return dir ? undefined : `<D:getcontentlength>${r.entry.size}</D:getcontentlength>`;
    case 'getcontenttype': return dir ? undefined : el(local, esc(r.entry.contentType && r.entry.contentType !== 'application/octet-stream' ? r.entry.contentType : contentTypeFor(r.name)));
    // The strong validator in quotes (as etagOf in ../conditional.ts), the quotes escaped.
    case 'getetag': return r.entry.etag ? el(local, `&quot;${esc(r.entry.etag.replace(/"/g, ''))}&quot;`) : undefined;
    case 'getlastmodified': return `<D:getlastmodified>${datesOf(effectiveMtime(r)).http}</D:getlastmodified>`;
    case 'resourcetype': return dir ? COLLECTION : NOT_COLLECTION;
    case 'supportedlock': return SUPPORTED_LOCK;
    case 'lockdiscovery': return r.locks.length ? el(local, lockDiscoveryXml(r.locks, r.lockHref)) : NO_LOCKS;
    case 'quota-available-bytes': return dir && r.quota?.available !== undefined ? el(local, String(r.quota.available)) : undefined;
    case 'quota-used-bytes': return dir && r.quota?.used !== undefined ? el(local, String(r.quota.used)) : undefined;
    default: return undefined;
  }
}
