/**
 * The Range request header for GET: one byte range (first-last, first-, -suffix). Several ranges
 * or syntax we do not understand are ignored (the whole file is sent), as RFC 9110 allows.
 */

/** A satisfiable range, both ends inclusive. */
export interface ResolvedRange { start: number; end: number }

/**
 * Resolves `Range` against a file of `size` bytes.
 * @returns undefined (no usable Range: send 200), 'unsatisfiable' (416) or the range. @throws never
 */
export function parseRange(header: string | undefined, size: number): ResolvedRange | 'unsatisfiable' | undefined {
  if (!header) return undefined;
  const m = /^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$/i.exec(header);
  if (!m) return undefined;
  const [, a, b] = m;
  if (a === '' && b === '') return undefined;
  if (a === '') {
    const n = Number(b);
    if (n === 0) return 'unsatisfiable';
    return size === 0 ? 'unsatisfiable' : { start: Math.max(0, size - n), end: size - 1 };
  }
  const start = Number(a);
  if (b !== '' && Number(b) < start) return undefined;
  if (start >= size) return 'unsatisfiable';
  const end = b === '' ? size - 1 : Math.min(Number(b), size - 1);
  return { start, end };
}
