/**
 * Dead properties: stored in the file's sidecar (`FileMeta.props`), keyed `{namespaceURI}localName`,
 * the value being the whole property element serialised by `serializeElement` (namespaces
 * declared on the element itself, so it can be pasted into any response unchanged).
 */
import type { FileMeta } from '../../vfs/mount.ts';

/** A property name. */
export interface PropName { ns: string; local: string }

/** Sidecar key of a property: `{ns}local`. @throws never */
export function propKey(ns: string, local: string): string {
  return `{${ns}}${local}`;
}

/** Inverse of {@link propKey}; undefined for a malformed key. @throws never */
export function parsePropKey(key: string): PropName | undefined {
  const m = /^\{([^}]*)\}(.+)$/s.exec(key);
  return m ? { ns: m[1]!, local: m[2]! } : undefined;
}

/** Names of every dead property of a resource (PROPFIND `propname`). @throws never */
export function deadPropNames(meta: FileMeta | undefined): PropName[] {
  return Object.keys(meta?.props ?? {}).map(parsePropKey).filter((p): p is PropName => !!p);
}

/**
 * Dead properties for a PROPFIND answer.
 * - `wanted` undefined (allprop): `found` holds every stored property, `missing` is empty.
 * - `wanted` given (prop): `found` holds those stored, `missing` the names not stored — the
 *   caller reports them 404 unless they are live properties it answers itself.
 * Each `found` string is a complete, self-contained XML element (`<ns0:x xmlns:ns0="…">…</ns0:x>`).
 * @throws never
 */
export function deadPropsXml(meta: FileMeta | undefined, wanted?: PropName[]): { found: string[]; missing: PropName[] } {
  const props = meta?.props ?? {};
  if (!wanted) return { found: Object.values(props), missing: [] };
  const found: string[] = [];
  const missing: PropName[] = [];
  for (const w of wanted) {
    const v = props[propKey(w.ns, w.local)];
    if (v !== undefined) found.push(v);
    else missing.push(w);
  }
  return { found, missing };
}
