/**
 * Security headers, one rule per kind of answer, for both listeners:
 * - {@link pageHeaders}: our own HTML (downloads pages, WebDAV listings) and everything else the
 *   downloads site answers: nothing runs, nothing frames it, no Referer leaves it.
 * - {@link storedFileHeaders}: bytes users stored (WebDAV GET/HEAD): a browser opening an uploaded
 *   .html/.svg renders it in a sandbox (an opaque origin, no script), never with our origin's credentials.
 */
import { createHash } from 'node:crypto';
import type { ServerResponse } from 'node:http';

/** One year, the usual HSTS lifetime. */
const HSTS = 'max-age=31536000';

/** A CSP source for an inline `<style>` element with exactly this text (`'sha256-…'`). @throws never */
export function styleHash(css: string): string {
  return `'sha256-${createHash('sha256').update(css, 'utf8').digest('base64')}'`;
}

/** What {@link pageHeaders} needs to know. */
export interface PageHeaderOptions {
  /** CSP sources for the page's inline styles ({@link styleHash}); none → no styles at all. */
  styleSources?: readonly string[];
  /** Send Strict-Transport-Security (the listener serves TLS, or its public URL is https). */
  hsts: boolean;
}

/**
 * Headers for the HTML pages (and other answers) of a listener: a strict Content-Security-Policy
 * (`default-src 'none'`, the given styles, `frame-ancestors 'none'`, `form-action 'self'`),
 * `Referrer-Policy: no-referrer`, `X-Content-Type-Options: nosniff`, `X-Frame-Options: DENY` for old
 * browsers, and HSTS when asked. Compute once per configuration, not per request.
 * @throws never
 */
export function pageHeaders(o: PageHeaderOptions): Record<string, string> {
  const styles = o.styleSources?.length ? `; style-src ${o.styleSources.join(' ')}` : '';
  return {
    'Content-Security-Policy': `default-src 'none'${styles}; base-uri 'none'; frame-ancestors 'none'; form-action 'self'`,
    'Referrer-Policy': 'no-referrer',
    'X-Content-Type-Options': 'nosniff',
    'X-Frame-Options': 'DENY',
    ...(o.hsts ? { 'Strict-Transport-Security': HSTS } : {}),
  };
}

/**
 * Headers for every WebDAV GET/HEAD answer about a stored file: `Content-Security-Policy: sandbox`
 * and `X-Content-Type-Options: nosniff` (plus HSTS when asked). Mounting clients ignore them.
 * @throws never
 */
export function storedFileHeaders(o: { hsts: boolean }): Readonly<Record<string, string>> {
  return o.hsts ? STORED_HSTS : STORED;
}

const STORED = Object.freeze({ 'Content-Security-Policy': 'sandbox', 'X-Content-Type-Options': 'nosniff' });
const STORED_HSTS = Object.freeze({ ...STORED, 'Strict-Transport-Security': HSTS });

/** Sets every header of `headers` on a node:http response (replacing same-named ones). @throws never before headers are sent */
export function setHeaders(res: ServerResponse, headers: Readonly<Record<string, string>>): void {
  for (const k in headers) res.setHeader(k, headers[k]!);
}

/** Should this listener send HSTS: it serves TLS itself, or its public URL is https. @throws never */
export function wantsHsts(listener: { tls?: unknown; publicUrl?: string }): boolean {
  return !!listener.tls || /^https:/i.test(listener.publicUrl ?? '');
}
