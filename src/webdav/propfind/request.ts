/** The PROPFIND request: Depth and the body (allprop / propname / prop). */
import type { IncomingMessage } from 'node:http';
import { DAV_NS, elements, isElement, type XmlElement } from '../xml/parse.ts';
import { DavHttpError } from '../http-error.ts';
import { header } from '../headers.ts';
import type { PropName } from '../props/index.ts';

/** What the client asked for. `include` = extra names with allprop (RFC 4918 DAV:include). */
export type PropfindRequest =
  | { kind: 'allprop'; include: PropName[] }
  | { kind: 'propname' }
  | { kind: 'prop'; names: PropName[] };

/**
 * Depth of a PROPFIND: "0" or "1"; a missing header is served as "1" (capped).
 * @throws DavHttpError 403 `DAV:propfind-finite-depth` for infinity, 400 for anything else
 */
export function propfindDepth(req: IncomingMessage): 0 | 1 {
  const d = header(req, 'depth')?.trim().toLowerCase();
  if (d === undefined || d === '1') return 1;
  if (d === '0') return 0;
  if (d === 'infinity') throw new DavHttpError(403, 'Depth: infinity is not supported', { errorXml: '<D:propfind-finite-depth/>' });
  throw new DavHttpError(400, 'invalid Depth header');
}

const names = (el: XmlElement): PropName[] => elements(el).map((e) => ({ ns: e.ns, local: e.local }));

/**
 * Interprets the parsed body (null = empty body = allprop).
 * @throws DavHttpError 400 if it is not a DAV:propfind with exactly one of allprop/propname/prop
 */
export function parsePropfind(root: XmlElement | null): PropfindRequest {
  if (!root) return { kind: 'allprop', include: [] };
  if (!isElement(root, DAV_NS, 'propfind')) throw new DavHttpError(400, 'PROPFIND body must be DAV:propfind');
  const kids = elements(root).filter((e) => e.ns === DAV_NS);
  const prop = kids.find((e) => e.local === 'prop');
  const all = kids.find((e) => e.local === 'allprop');
  const pn = kids.find((e) => e.local === 'propname');
  if ([prop, all, pn].filter(Boolean).length !== 1) throw new DavHttpError(400, 'PROPFIND needs exactly one of prop, allprop, propname');
  if (pn) return { kind: 'propname' };
  if (all) {
    const inc = kids.find((e) => e.local === 'include');
    return { kind: 'allprop', include: inc ? names(inc) : [] };
  }
  return { kind: 'prop', names: names(prop!) };
}
