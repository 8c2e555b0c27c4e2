/**
 * The /dl redirect without Koa: `GET|HEAD /dl/<category>/<release>/<file>` on a category whose
 * storage presigns (S3) is answered straight on node:http — catalog cache, access check
 * (dl-access.ts), presigned URL, one attempt log line and the same metrics as the Koa route —
 * with the whole 302 written at once. Everything else (other methods, disk categories, unknown
 * categories, malformed paths, IPs locked out by the brute-force guard) is left to the Koa app,
 * which answers it exactly as before.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isVisible } from '../catalog/visible.ts';
import { isVfsError, toHttpStatus } from '../vfs/errors.ts';
import type { Mount, RuntimeState, StateProvider } from '../vfs/mount.ts';
import { decodeUrlPath } from '../vfs/path.ts';
import { checkDlAccess, type Attempt } from './dl-access.ts';
import { findServed, type Outcome } from './dl.ts';
import { isSumsName } from '../catalog/sums.ts';
import { plainReply, sendReply, type Reply } from './deny.ts';
import { clientAddress } from '../security/addresses.ts';
import { signerFor, type ServerParts } from './request-context.ts';
import { REDACT_PATHS, type Logger } from '../log.ts';

/**
 * The logger of the attempt line: the server's, with redaction limited to its top-level keys. The
 * line is flat (no nested objects), so the wildcard paths of the process logger can never match
 * in it, yet walking them was most of the cost of logging a redirect.
 */
function attemptLogger(log: Logger): Logger {
  return log.child({}, { redact: { paths: REDACT_PATHS.filter((p) => !p.includes('.') && !p.includes('*')), censor: '[redacted]' } });
}

/** Takes a request if the fast path serves it (true), else leaves it untouched (false). @throws never */
export type FastPath = (req: IncomingMessage, res: ServerResponse) => boolean;

/** A /dl path taken apart: the decoded path ("dl/cat/rel/file") and its segments; null when malformed. */
interface DlPath { path: string; segs: string[] }

const PATH_CACHE_MAX = 4096;
const PATH_CACHE_KEY_MAX = 512; // longer paths are decoded every time: the cache stays under ~2 MiB

/** Decodes the path part of a raw /dl URL, remembering recent answers (the same links are asked for again and again). */
function dlPathDecoder(): (url: string) => DlPath | null {
  const cache = new Map<string, DlPath | null>();
  return (url) => {
    const qAt = url.indexOf('?');
    const raw = qAt >= 0 ? url.slice(0, qAt) : url;
    let hit = cache.get(raw);
    if (hit !== undefined) return hit;
    try {
      const path = decodeUrlPath(raw).path;
      hit = { path, segs: path.split('/') };
    } catch {
      hit = null;
    }
    if (raw.length > PATH_CACHE_KEY_MAX) return hit;
    if (cache.size >= PATH_CACHE_MAX) cache.clear();
    cache.set(raw, hit);
    return hit;
  };
}

const REDIRECT_BODY = 'Redirecting to the file\n'; // the Koa route's body: a 302 keeps a short text body
const REDIRECT_LENGTH = String(Buffer.byteLength(REDIRECT_BODY));

/** Builds the /dl fast path over the server's collaborators. @throws never */
export function createDlFastPath(getState: StateProvider, parts: ServerParts): FastPath {
  const decode = dlPathDecoder();
  const attempts = attemptLogger(parts.log);
  return (req, res) => {
    const method = req.method;
    if (method !== 'GET' && method !== 'HEAD') return false;
    const url = req.url ?? '/';
    try {
      const state = getState();
      const dp = decode(url);
      if (!dp || dp.segs.length !== 4) return false;
      const { path, segs } = dp;
      if (isSumsName(segs[3]!)) return false; // may be generated: the Koa route serves it
      if (method === 'GET' && req.headers.range?.includes(',')) return false; // several ranges: answered by the Koa route, not redirected
      const mount = state.mounts.get(segs[1]!);
      if (!mount || !mount.backend.caps.presign || !mount.backend.presignGet) return false;
      const qAt = url.indexOf('?');
      const query = qAt >= 0 ? new URLSearchParams(url.slice(qAt + 1)) : undefined;
      const authorization = req.headers.authorization || undefined;
      const dlid = query?.get('dlid') ?? undefined;
      const ip = clientAddress(req, state.config.downloads);
      // A locked-out IP offering credentials gets Koa's 429 answer and log line.
      if ((authorization || dlid !== undefined) && parts.guard.retryAfter(ip) > 0) return false;
      const a: Attempt = { category: segs[1], release: segs[2], file: segs[3], authorized: false };
      const request = { path, expires: query?.get('expires') ?? undefined, sig: query?.get('sig') ?? undefined, creds: { ip, authorization, dlid } };
      redirect(request, method, mount, state, parts, a)
        .then(([reply, outcome]) => finish(res, reply, outcome, method, ip, a, parts, attempts))
        .catch((err: unknown) => {
          parts.log.error({ err: err instanceof Error ? err.message : String(err), path: a.category }, 'download fast path failed');
          if (!res.headersSent) res.destroy();
        });
      return true;
    } catch {
      return false; // the Koa route answers (400 for a bad path) and logs it
    }
  };
}

async function redirect(
  request: Parameters<typeof checkDlAccess>[0], method: string, mount: Mount, state: RuntimeState, parts: ServerParts, a: Attempt,
): Promise<[Reply, Outcome]> {
  try {
    const release = await parts.catalog.release(a.category!, a.release!);
    const item = release && isVisible(release) ? findServed(release, a.file!) : undefined;
    if (!item) return [plainReply(404, 'No such download.'), 'notfound'];
    const refused = await checkDlAccess(request, mount, state, parts, signerFor(parts, state.config), a);
    if (refused) return [refused, 'denied'];
    const url = await mount.backend.presignGet!(item.path, {
      expiresIn: state.config.storage.s3?.presignSeconds ?? 60, filename: item.name, method: method === 'HEAD' ? 'HEAD' : 'GET',
    });
    return [{ status: 302, headers: { Location: url.href, 'Cache-Control': 'no-store' }, body: REDIRECT_BODY }, 'redirect'];
  } catch (err) {
    const status = isVfsError(err, 'ENOENT') ? 404 : toHttpStatus(err);
    parts.log.warn({ category: a.category, release: a.release, file: a.file, err: err instanceof Error ? err.message : String(err) }, 'download failed');
    return [plainReply(status, status === 404 ? 'No such download.' : 'The download is not available right now.'), status === 404 ? 'notfound' : 'error'];
  }
}

function finish(res: ServerResponse, reply: Reply, outcome: Outcome, method: string, ip: string, a: Attempt, parts: ServerParts, log: Logger): void {
  if (outcome === 'redirect') {
    res.writeHead(302, { Location: reply.headers.Location!, 'Cache-Control': 'no-store', 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': REDIRECT_LENGTH });
    res.end(REDIRECT_BODY);
  } else {
    sendReply(res, reply);
  }
  parts.metrics.downloads.inc({ category: a.category ?? '-', outcome });
  if (log.isLevelEnabled('info')) log.info({
    download: true, method, category: a.category, release: a.release, file: a.file,
    user: a.user ?? null, via: a.via ?? 'anonymous', ip, authorized: a.authorized, status: reply.status,
  }, 'download');
  parts.metrics.httpRequests.inc({ route: 'dl', status: String(reply.status) });
}
