/**
 * Renders one `<D:response>` of a PROPFIND. The request is compiled once into a plan (which live
 * properties in which order, the sidecar keys and 404 elements of dead ones), so each entry of a
 * listing costs a few string concatenations: no per-entry arrays, escaping only where needed.
 */
import { DAV_NS } from '../xml/parse.ts';
import { propNameElement, statusLine } from '../xml/multistatus.ts';
import { deadPropNames, propKey } from '../props/index.ts';
import type { PropfindRequest } from './request.ts';
import { ALLPROP_LIVE, LIVE_DAV, liveProp, type ResourceInfo } from './live.ts';

const OK = `</D:prop><D:status>${statusLine(200)}</D:status></D:propstat>`;
const NOT_FOUND = `</D:prop><D:status>${statusLine(404)}</D:status></D:propstat>`;

type Step = { live: string; missing: string } | { dead: string; missing: string };

/** Renders `<D:response>` elements for one request. */
export interface ResponseRenderer {
  /** `hrefXml` must already be percent-encoded and XML-safe. @throws never */
  (hrefXml: string, r: ResourceInfo): string;
}

const propstats = (found: string, missing: string) =>
  (found ? `<D:propstat><D:prop>${found}${OK}` : '') + (missing ? `<D:propstat><D:prop>${missing}${NOT_FOUND}` : '');

/** Compiles `req` into a renderer. @throws never */
export function compileRenderer(req: PropfindRequest): ResponseRenderer {
  if (req.kind === 'propname') {
    const liveNames = [...ALLPROP_LIVE, 'quota-available-bytes', 'quota-used-bytes'];
    return (href, r) => {
      let names = '';
      for (const l of liveNames) if (liveProp(l, r) !== undefined) names += `<D:${l}/>`;
      for (const p of deadPropNames(r.meta)) names += propNameElement(p.ns, p.local);
      return `<D:response><D:href>${href}</D:href>${propstats(names, '')}</D:response>`;
    };
  }
  if (req.kind === 'allprop') {
    const extra = req.include
      .filter((n) => n.ns === DAV_NS && LIVE_DAV.has(n.local) && !(ALLPROP_LIVE as readonly string[]).includes(n.local))
      .map((n) => n.local);
    return (href, r) => {
      let found = '';
      for (const l of ALLPROP_LIVE) found += liveProp(l, r) ?? '';
      if (r.meta?.props) for (const v of Object.values(r.meta.props)) found += v;
      for (const l of extra) found += liveProp(l, r) ?? '';
      return `<D:response><D:href>${href}</D:href>${propstats(found, '')}</D:response>`;
    };
  }
  const steps: Step[] = req.names.map((n) => (n.ns === DAV_NS && LIVE_DAV.has(n.local)
    ? { live: n.local, missing: `<D:${n.local}/>` }
    : { dead: propKey(n.ns, n.local), missing: propNameElement(n.ns, n.local) }));
  return (href, r) => {
    let found = '';
    let missing = '';
    const props = r.meta?.props;
    for (const s of steps) {
      const x = 'live' in s ? liveProp(s.live, r) : props?.[s.dead];
      if (x !== undefined) found += x;
      else missing += s.missing;
    }
    return `<D:response><D:href>${href}</D:href>${propstats(found, missing)}</D:response>`;
  };
}
