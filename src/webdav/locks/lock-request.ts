/** Parsing of LOCK request parts: the lockinfo body, the Timeout and Depth headers. */
import { VfsError } from '../../vfs/errors.ts';
import { DAV_NS, child, elements, type XmlElement } from '../xml/parse.ts';
import { escapeXml, serializeElement } from '../xml/write.ts';

/** What a LOCK body asks for. */
export interface LockInfo { scope: 'exclusive' | 'shared'; ownerXml?: string }

/**
 * Reads a DAV:lockinfo body: scope (exclusive|shared), write type, owner (kept as
 * self-contained inner XML so it can be echoed in any lockdiscovery).
 * @throws VfsError EINVAL for anything else.
 */
export function parseLockInfo(root: XmlElement): LockInfo {
  if (root.ns !== DAV_NS || root.local !== 'lockinfo') throw new VfsError('EINVAL', 'LOCK needs a DAV:lockinfo body');
  const scopeEl = child(root, DAV_NS, 'lockscope');
  const scope = scopeEl && elements(scopeEl)[0];
  if (!scope || scope.ns !== DAV_NS || (scope.local !== 'exclusive' && scope.local !== 'shared')) {
    throw new VfsError('EINVAL', 'DAV:lockscope must be exclusive or shared');
  }
  const typeEl = child(root, DAV_NS, 'locktype');
  const type = typeEl && elements(typeEl)[0];
  if (!type || type.ns !== DAV_NS || type.local !== 'write') throw new VfsError('EINVAL', 'DAV:locktype must be write');
  const owner = child(root, DAV_NS, 'owner');
  const ownerXml = owner ? owner.children.map((c) => (typeof c === 'string' ? escapeXml(c) : serializeElement(c))).join('') : undefined;
  return { scope: scope.local, ownerXml };
}

/**
 * Timeout header (`Second-N`, `Infinite`, a comma list: the first understood one wins).
 * @returns seconds (Infinity for `Infinite` or a missing header; the store caps it). @throws never
 */
export function parseTimeout(header: string | undefined): number {
  if (!header) return Infinity;
  for (const part of header.split(',')) {
    const p = part.trim();
    if (/^infinite$/i.test(p)) return Infinity;
    const m = /^second-(\d{1,12})$/i.exec(p);
    if (m) return Math.max(1, Number(m[1]));
  }
  return Infinity;
}

/** Depth header of LOCK: `0` or `infinity` (default). @throws VfsError EINVAL for anything else. */
export function parseLockDepth(header: string | undefined): '0' | 'infinity' {
  const d = (header ?? 'infinity').trim().toLowerCase();
  if (d === '0' || d === 'infinity') return d;
  throw new VfsError('EINVAL', 'LOCK Depth must be 0 or infinity');
}
