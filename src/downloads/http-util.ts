/** Small HTTP helpers for downloads: Content-Disposition, Range, conditional requests. Pure. */

/** `attachment; filename="<ascii fallback>"; filename*=UTF-8''<percent-encoded>` (RFC 6266/8187). @throws never */
export function contentDisposition(name: string): string {
  const fallback = name.replace(/[^\x20-\x7e]/g, '_').replace(/["\\%]/g, '_');
  const star = encodeURIComponent(name).replace(/['()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());
  return `attachment; filename="${fallback}"; filename*=UTF-8''${star}`;
}

/** A satisfiable byte range (inclusive). */
export interface Range { start: number; end: number }

/**
 * Parses a Range header against a size. Returns undefined when the header is absent, not
 * `bytes=`, malformed or asks for several ranges (the whole file is then sent, as RFC 9110
 * allows); 'unsatisfiable' when no byte of it exists (answer 416). @throws never
 */
export function parseRange(header: string | undefined, size: number): Range | 'unsatisfiable' | undefined {
  if (!header) return undefined;
  const m = /^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$/i.exec(header);
  if (!m) return undefined;
  const [, a, b] = m as unknown as [string, string, string];
  if (a === '' && b === '') return undefined;
  if (a === '') {
    const n = Number(b);
    if (n === 0 || size === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - n), end: size - 1 };
  }
  const start = Number(a);
  let end = b === '' ? size - 1 : Number(b);
  if (b !== '' && end < start) return undefined;
  if (start >= size) return 'unsatisfiable';
  if (end >= size) end = size - 1;
  return { start, end };
}

/** Does an If-None-Match list match the strong etag (weak comparison, `*` matches)? @throws never */
export function etagMatches(header: string, etag: string): boolean {
  const want = etag.replace(/^W\//, '');
  return header.split(',').some((t) => {
    const v = t.trim();
    return v === '*' || v.replace(/^W\//, '') === want;
  });
}

/**
 * True if a conditional GET/HEAD may be answered 304: If-None-Match wins over If-Modified-Since.
 * @throws never
 */
export function notModified(h: { ifNoneMatch?: string; ifModifiedSince?: string }, etag: string | undefined, mtime: Date): boolean {
  if (h.ifNoneMatch) return etag !== undefined && etagMatches(h.ifNoneMatch, etag);
  if (h.ifModifiedSince) {
    const since = Date.parse(h.ifModifiedSince);
    if (Number.isNaN(since)) return false;
    return Math.floor(mtime.getTime() / 1000) * 1000 <= since;
  }
  return false;
}

/** If-Range: keep the range only if the validator still matches (strong etag or exact date). @throws never */
export function ifRangeHolds(ifRange: string | undefined, etag: string | undefined, mtime: Date): boolean {
  if (!ifRange) return true;
  const v = ifRange.trim();
  if (v.startsWith('"')) return etag !== undefined && v === etag;
  const d = Date.parse(v);
  return !Number.isNaN(d) && Math.floor(mtime.getTime() / 1000) * 1000 === d;
}

/** Human readable size: 1.5 MB (SI units, as download pages usually show). @throws never */
export function humanSize(bytes: number): string {
  if (bytes < 1000) return `${bytes} B`;
  const units = ['kB', 'MB', 'GB', 'TB', 'PB'];
  let v = bytes;
  let u = -1;
  while (v >= 1000 && u < units.length - 1) { v /= 1000; u++; }
  return `${v >= 100 ? v.toFixed(0) : v.toFixed(1)} ${units[u]}`;
}
