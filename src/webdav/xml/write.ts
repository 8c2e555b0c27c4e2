/**
 * XML output helpers. All XML the daemon sends is written with these (never the engine's builder).
 */
import type { XmlElement } from './parse.ts';

/** The namespace of the predeclared `xml:` prefix. */
export const XML_NS = 'http://www.w3.org/XML/1998/namespace';

const ESC: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };

// eslint-disable-next-line no-control-regex
const NEEDS_ESCAPE = /[&<>"'\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/;

/** Escapes text or attribute content. Characters invalid in XML 1.0 are dropped. */
export function escapeXml(s: string): string {
  if (!NEEDS_ESCAPE.test(s)) return s;
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, '').replace(/[&<>"']/g, (c) => ESC[c]!);
}

/**
 * Serialises an element with every namespace it uses declared on itself, so the result can
 * stand alone anywhere (dead-property values keep their namespaces). Prefixes are generated.
 */
export function serializeElement(el: XmlElement): string {
  const prefixes = new Map<string, string>();
  const prefixFor = (ns: string): string => {
    if (ns === '') return '';
    // The xml: prefix (xml:lang, xml:space) is predeclared and may not be bound to another prefix.
    if (ns === XML_NS) return 'xml';
    let p = prefixes.get(ns);
    if (!p) { p = ns === 'DAV:' ? 'D' : `ns${prefixes.size}`; prefixes.set(ns, p); }
    return p;
  };
  const body = (e: XmlElement): string => {
    const p = prefixFor(e.ns);
    const name = p ? `${p}:${e.local}` : e.local;
    const attrs = e.attrs.map((a) => {
      const ap = a.ns ? prefixFor(a.ns) : '';
      return ` ${ap ? ap + ':' : ''}${a.local}="${escapeXml(a.value)}"`;
    }).join('');
    const inner = e.children.map((c) => (typeof c === 'string' ? escapeXml(c) : body(c))).join('');
    return inner === '' ? `<${name}${attrs}/>` : `<${name}${attrs}>${inner}</${name}>`;
  };
  const out = body(el);
  const decls = [...prefixes].filter(([ns]) => ns !== XML_NS).map(([ns, p]) => ` xmlns:${p}="${escapeXml(ns)}"`).join('');
  // Elements without a namespace must not inherit a default namespace from where they are inserted.
  const defaultReset = el.ns === '' ? ' xmlns=""' : '';
  const firstEnd = out.search(/[ />]/);
  return out.slice(0, firstEnd) + decls + defaultReset + out.slice(firstEnd);
}
