/**
 * XML fragments for locks. They use the `D:` prefix: the enclosing document must declare
 * `xmlns:D="DAV:"` (every body we write does).
 */
import { escapeXml } from '../xml/write.ts';
import { encodeUrlPath, joinPath } from '../../vfs/path.ts';
import type { DavLock } from '../context.ts';

/** Inner XML of DAV:supportedlock: exclusive and shared write locks. */
export const SUPPORTED_LOCK_XML =
  '<D:lockentry><D:lockscope><D:exclusive/></D:lockscope><D:locktype><D:write/></D:locktype></D:lockentry>' +
  '<D:lockentry><D:lockscope><D:shared/></D:lockscope><D:locktype><D:write/></D:locktype></D:lockentry>';

/**
 * Path-absolute href of a lock root: `prefix` (public URL path, "" by default) + `/category/path`,
 * with a trailing "/" when `isDir`. @throws never
 */
export function lockRootHref(lock: DavLock, prefix = '', isDir = false): string {
  return `${prefix}/${encodeUrlPath(joinPath(lock.category, lock.path))}${isDir || lock.path === '' ? '/' : ''}`;
}

/**
 * Inner XML of DAV:lockdiscovery: one DAV:activelock per lock, with the remaining timeout,
 * the owner as sent, the token and the lock root (`hrefOf`, already percent-encoded).
 * @throws never
 */
export function lockDiscoveryXml(locks: DavLock[], hrefOf: (l: DavLock) => string, now: number = Date.now()): string {
  return locks.map((l) => {
    const left = Math.max(0, Math.min(l.timeoutSeconds, Math.ceil((l.expiresAt - now) / 1000)));
    return '<D:activelock>' +
      '<D:locktype><D:write/></D:locktype>' +
      `<D:lockscope><D:${l.scope}/></D:lockscope>` +
      `<D:depth>${l.depth}</D:depth>` +
      (l.ownerXml !== undefined ? `<D:owner>${l.ownerXml}</D:owner>` : '') +
      `<D:timeout>Second-${left}</D:timeout>` +
      `<D:locktoken><D:href>${escapeXml(l.token)}</D:href></D:locktoken>` +
      `<D:lockroot><D:href>${escapeXml(hrefOf(l))}</D:href></D:lockroot>` +
      '</D:activelock>';
  }).join('');
}
