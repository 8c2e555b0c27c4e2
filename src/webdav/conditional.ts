/**
 * HTTP preconditions (RFC 9110 §13) against the target's current state: If-Match,
 * If-Unmodified-Since, If-None-Match, If-Modified-Since. The If header (WebDAV) is separate.
 */
import type { IncomingMessage } from 'node:http';
import type { Entry } from '../vfs/types.ts';

/** Quoted strong ETag of an entry, or undefined for entries without a validator. @throws never */
export function etagOf(e: Entry): string | undefined {
  return e.etag ? `"${e.etag.replace(/"/g, '')}"` : undefined;
}

function tagList(v: string): string[] {
  return v.split(',').map((s) => s.trim()).filter(Boolean).map((s) => s.replace(/^W\//, ''));
}

function dateOf(v: string | undefined): number | undefined {
  if (!v) return undefined;
  const t = Date.parse(v);
  return Number.isNaN(t) ? undefined : t;
}

/** Whole seconds, as HTTP dates carry. */
const secs = (d: Date) => Math.floor(d.getTime() / 1000);

/**
 * Evaluates the conditional headers. `entry` undefined = nothing at the target.
 * @returns 'ok', 'not-modified' (GET/HEAD: 304) or 'failed' (412). @throws never
 */
export function evaluatePreconditions(req: IncomingMessage, entry: Entry | undefined): 'ok' | 'not-modified' | 'failed' {
  const read = req.method === 'GET' || req.method === 'HEAD';
  const tag = entry ? etagOf(entry) : undefined;
  const ifMatch = req.headers['if-match'];
  if (ifMatch !== undefined) {
    if (!entry) return 'failed';
    if (ifMatch.trim() !== '*' && !(tag && tagList(ifMatch).includes(tag))) return 'failed';
  } else {
    const ius = dateOf(req.headers['if-unmodified-since']);
    if (ius !== undefined && entry && secs(entry.mtime) > Math.floor(ius / 1000)) return 'failed';
  }
  const inm = req.headers['if-none-match'];
  if (inm !== undefined) {
    const hit = inm.trim() === '*' ? !!entry : !!tag && tagList(inm).includes(tag);
    if (hit) return read ? 'not-modified' : 'failed';
  } else if (read) {
    const ims = dateOf(req.headers['if-modified-since']);
    if (ims !== undefined && entry && secs(entry.mtime) <= Math.floor(ims / 1000)) return 'not-modified';
  }
  return 'ok';
}

/** True if any header evaluated by {@link evaluatePreconditions} is present. @throws never */
export function hasPreconditions(req: IncomingMessage): boolean {
  const h = req.headers;
  return h['if-match'] !== undefined || h['if-none-match'] !== undefined || h['if-modified-since'] !== undefined || h['if-unmodified-since'] !== undefined;
}
