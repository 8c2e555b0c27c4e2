/**
 * Several byte ranges in one answer (`multipart/byteranges`, RFC 9110 §14.6), as electron-updater's
 * differential download asks for them. Parts come in the order asked for (the client maps them back
 * by position); each part's bytes are a ranged backend read, streamed one after the other, never
 * buffered. S3 serves one range per request, so a redirect cannot answer these: /dl answers them
 * itself on every backend, and redirects plain and single-range requests as before.
 */
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import type { Range } from './http-util.ts';

/** Most ranges served in one multipart answer (electron-updater asks for up to 1,000). */
export const MAX_RANGES = 1000;

/**
 * Parses a `Range: bytes=a-b, c-d, -n` header with two or more ranges against `size`. Returns
 * undefined for anything else — absent, one range, malformed, more than {@link MAX_RANGES}, or
 * ranges that together ask for more than twice the file (an amplification guard) — so the caller
 * answers as for one range or none; 'unsatisfiable' when no range has a byte in the file.
 * Unsatisfiable members are dropped, as RFC 9110 says. @throws never
 */
export function parseMultiRange(header: string | undefined, size: number): Range[] | 'unsatisfiable' | undefined {
  if (!header || !header.includes(',')) return undefined;
  const m = /^\s*bytes\s*=\s*(.+)$/i.exec(header);
  if (!m) return undefined;
  const specs = m[1]!.split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (specs.length < 2 || specs.length > MAX_RANGES) return undefined;
  const out: Range[] = [];
  let total = 0;
  for (const spec of specs) {
    const r = /^(\d*)\s*-\s*(\d*)$/.exec(spec);
    if (!r || (r[1] === '' && r[2] === '')) return undefined;
    let start: number;
    let end: number;
    if (r[1] === '') {
      const n = Number(r[2]);
      if (n === 0 || size === 0) continue;
      start = Math.max(0, size - n);
      end = size - 1;
    } else {
      start = Number(r[1]);
      end = r[2] === '' ? size - 1 : Math.min(Number(r[2]), size - 1);
      if (r[2] !== '' && Number(r[2]) < start) return undefined;
      if (start >= size) continue;
    }
    out.push({ start, end });
    total += end - start + 1;
  }
  if (out.length === 0) return 'unsatisfiable';
  if (total > 2 * size + 1024) return undefined;
  return out;
}

/** A multipart/byteranges answer: its Content-Type, exact Content-Length and body. */
export interface MultipartAnswer { contentType: string; length: number; body: Readable }

/**
 * Builds the answer for `ranges` of a file of `size` bytes and type `type`; `read(range)` opens a
 * ranged read (called lazily, one part at a time; an error ends the body with that error). @throws never
 */
export function multipartByteranges(ranges: Range[], size: number, type: string, read: (r: Range, signal: AbortSignal) => Promise<Readable>): MultipartAnswer {
  const boundary = randomBytes(12).toString('hex');
  // The first delimiter opens the body without a CRLF (no preamble); the others follow part data.
  const head = (r: Range, first: boolean) => Buffer.from(`${first ? '' : '\r\n'}--${boundary}\r\nContent-Type: ${type}\r\nContent-Range: bytes ${r.start}-${r.end}/${size}\r\n\r\n`);
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  const length = ranges.reduce((n, r, i) => n + head(r, i === 0).length + (r.end - r.start + 1), 0) + tail.length;
  const ctl = new AbortController();
  let current: Readable | undefined;
  async function* parts(): AsyncGenerator<Buffer> {
    try {
      for (const [i, r] of ranges.entries()) {
        yield head(r, i === 0);
        const part = await read(r, ctl.signal);
        current = part;
        if (ctl.signal.aborted) part.destroy();
        try {
          for await (const chunk of part) yield chunk as Buffer;
        } finally {
          part.destroy();
        }
      }
      yield tail;
    } finally {
      ctl.abort(); // the receiver went away mid-part: stop the backend read
    }
  }
  const body = Readable.from(parts(), { objectMode: false });
  // Readable.from's destroy waits for the generator to return, which a generator waiting on a
  // stalled read never does: destroying the body first aborts and destroys that read.
  const destroyGenerator = body._destroy.bind(body);
  body._destroy = (err, cb) => {
    ctl.abort();
    current?.destroy();
    destroyGenerator(err, cb);
  };
  return { contentType: `multipart/byteranges; boundary=${boundary}`, length, body };
}
