/**
 * Writers for 207 Multi-Status bodies and DAV:error bodies. Every fragment uses the `D:` prefix
 * and is escaped through ../xml/write.ts; hrefs passed in are already percent-encoded.
 */
import { STATUS_CODES, type ServerResponse } from 'node:http';
import { escapeXml, serializeElement } from './write.ts';

/** XML declaration + the opening `<D:multistatus xmlns:D="DAV:">`. */
export const MULTISTATUS_OPEN = '<?xml version="1.0" encoding="utf-8"?>\n<D:multistatus xmlns:D="DAV:">';
/** Closing tag of {@link MULTISTATUS_OPEN}. */
export const MULTISTATUS_CLOSE = '</D:multistatus>';

/** `HTTP/1.1 424 Failed Dependency`. @throws never */
export function statusLine(code: number): string {
  return `HTTP/1.1 ${code} ${STATUS_CODES[code] ?? 'Unknown'}`;
}

/** `<D:error><D:condition/></D:error>` for a DAV: precondition name, optionally with hrefs inside the condition. */
export function errorElement(condition: string, hrefs: string[] = []): string {
  const inner = hrefs.map((h) => `<D:href>${escapeXml(h)}</D:href>`).join('');
  return `<D:error><D:${condition}${inner ? `>${inner}</D:${condition}>` : '/>'}</D:error>`;
}

/** An empty element naming a property (`<ns0:x xmlns:ns0="…"/>`), usable anywhere. */
export function propNameElement(ns: string, local: string): string {
  return serializeElement({ ns, local, attrs: [], children: [] });
}

/** One `<D:response>` with a single status (COPY/MOVE/DELETE member failures). */
export function statusResponse(href: string, status: number, condition?: string): string {
  return `<D:response><D:href>${escapeXml(href)}</D:href><D:status>${statusLine(status)}</D:status>` +
    (condition ? errorElement(condition) : '') + '</D:response>';
}

/** A group of properties sharing one status; `props` are complete XML elements. */
export interface PropstatGroup { status: number; props: string[]; condition?: string }

/** One `<D:response>` with propstat groups (PROPFIND, PROPPATCH). Empty groups are left out. */
export function propstatResponse(href: string, groups: PropstatGroup[]): string {
  const body = groups.filter((g) => g.props.length).map((g) =>
    `<D:propstat><D:prop>${g.props.join('')}</D:prop><D:status>${statusLine(g.status)}</D:status>` +
    (g.condition ? errorElement(g.condition) : '') + '</D:propstat>').join('');
  return `<D:response><D:href>${escapeXml(href)}</D:href>${body}</D:response>`;
}

/**
 * Sends a complete XML body with the given status (once; does nothing if headers were sent).
 * @throws never
 */
export function sendXml(res: ServerResponse, status: number, xml: string, headers: Record<string, string> = {}): void {
  if (res.headersSent) return;
  const body = Buffer.from(xml, 'utf8');
  res.writeHead(status, { ...headers, 'Content-Type': 'application/xml; charset=utf-8', 'Content-Length': String(body.length) });
  res.end(body);
}

/** Sends a 207 with the given `<D:response>` fragments. @throws never */
export function sendMultistatus(res: ServerResponse, responses: string[]): void {
  sendXml(res, 207, MULTISTATUS_OPEN + responses.join('') + MULTISTATUS_CLOSE);
}

/** Sends `status` with a `<D:error>` body naming a DAV: precondition (423 no-conflicting-lock, 409 …). @throws never */
export function sendError(res: ServerResponse, status: number, condition: string, hrefs: string[] = []): void {
  sendXml(res, status, '<?xml version="1.0" encoding="utf-8"?>\n' + errorElement(condition, hrefs).replace('<D:error>', '<D:error xmlns:D="DAV:">'));
}
