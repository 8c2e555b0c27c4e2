/**
 * Request-body XML (PROPFIND, PROPPATCH, LOCK) parsed into a small namespace-aware tree.
 * DOCTYPEs are refused outright: no entity expansion, no external entities.
 */
import { SaxesParser } from 'saxes';
import { VfsError } from '../../vfs/errors.ts';

export const DAV_NS = 'DAV:';

/** An element; `ns` is the resolved namespace URI ("" for none). */
export interface XmlElement {
  ns: string;
  local: string;
  attrs: { ns: string; local: string; value: string }[];
  children: XmlNode[];
}
/** Text (already unescaped) or an element. */
export type XmlNode = XmlElement | string;

/** Deepest nesting accepted (guards the recursive consumers). */
export const MAX_DEPTH = 64;

/**
 * Parses a complete XML document.
 * @throws VfsError EINVAL for malformed XML, a DOCTYPE, or nesting deeper than {@link MAX_DEPTH}.
 */
export function parseXml(text: string): XmlElement {
  const parser = new SaxesParser({ xmlns: true, position: false });
  const stack: XmlElement[] = [];
  let root: XmlElement | undefined;
  let failure: Error | undefined;
  parser.on('error', (e) => { failure ??= e; });
  parser.on('doctype', () => { failure ??= new Error('DOCTYPE is not allowed'); });
  parser.on('opentag', (tag) => {
    const el: XmlElement = {
      ns: tag.uri ?? '',
      local: tag.local ?? tag.name,
      attrs: Object.values(tag.attributes)
        .filter((a) => a.prefix !== 'xmlns' && a.name !== 'xmlns')
        .map((a) => ({ ns: a.uri ?? '', local: a.local ?? a.name, value: a.value })),
      children: [],
    };
    if (stack.length >= MAX_DEPTH) failure ??= new Error('XML nested too deeply');
    if (stack.length) stack[stack.length - 1]!.children.push(el);
    else if (root) failure ??= new Error('more than one root element');
    else root = el;
    stack.push(el);
  });
  parser.on('closetag', () => { stack.pop(); });
  const onText = (t: string) => { if (stack.length) stack[stack.length - 1]!.children.push(t); };
  parser.on('text', onText);
  parser.on('cdata', onText);
  try {
    parser.write(text).close();
  } catch (e) {
    failure ??= e as Error;
  }
  if (failure || !root) {
    throw new VfsError('EINVAL', `malformed XML request body${failure ? ': ' + failure.message.split('\n')[0] : ''}`, { cause: failure });
  }
  return root;
}

/** Child elements only (whitespace and text skipped). */
export function elements(el: XmlElement): XmlElement[] {
  return el.children.filter((c): c is XmlElement => typeof c !== 'string');
}

/** First child element with this namespace and local name. */
export function child(el: XmlElement, ns: string, local: string): XmlElement | undefined {
  return elements(el).find((c) => c.ns === ns && c.local === local);
}

/** Concatenated text content of an element and its descendants. */
export function textOf(el: XmlElement): string {
  return el.children.map((c) => (typeof c === 'string' ? c : textOf(c))).join('');
}

/** Is this the element `{ns}local`? */
export function isElement(el: XmlElement | undefined, ns: string, local: string): boolean {
  return !!el && el.ns === ns && el.local === local;
}
