/**
 * Presigned S3 URLs at the rate of a plain redirect. One signer is built at start-up (no SDK
 * middleware stack per call), and one URL serves a whole time window: it is signed with the
 * time rounded down to the window W and lives `expiresIn + W` seconds, so every visitor gets at
 * least `expiresIn` seconds, and an lru-cache hands the same URL to everyone in that window.
 */
import { createHash, createHmac, type BinaryLike } from 'node:crypto';
import { S3RequestPresigner } from '@aws-sdk/s3-request-presigner';
import { LRUCache } from 'lru-cache';
import { SIGV4_MAX_SECONDS, type S3Config } from '../config/schema.ts';
import { VfsError } from '../vfs/errors.ts';
import { rfc3986 } from './s3-upload.ts';

/** How a URL is to be signed. */
export interface PresignRequest {
  /** Seconds the URL must stay valid for whoever receives it (1..604800). */
  expiresIn: number;
  /** File name for `response-content-disposition: attachment` (UTF-8 allowed). */
  filename?: string;
  /** HTTP method the URL is for (a GET URL fails on HEAD and vice versa). Default GET. */
  method?: 'GET' | 'HEAD';
}

/** Signs download URLs for keys of one bucket. */
export interface Presigner {
  /**
   * The URL may be shared with other callers of the same window: read it, never change it
   * (a changed one is detected and not handed out again).
   * @throws VfsError EINVAL for a lifetime outside 1..604800 s
   */
  presign(key: string, o: PresignRequest): Promise<URL>;
}

export interface PresignerOptions {
  bucket: string;
  /** Endpoint, region, path style and the credentials to sign with. */
  s3: S3Config;
  /** Length of one signing window in seconds (default 60). */
  windowSeconds?: number;
  /** Most URLs kept (default 10,000). */
  maxEntries?: number;
  /** Clock, for tests. */
  now?: () => number;
}

/** node:crypto behind the hash interface the SigV4 signer expects. */
class NodeSha256 {
  readonly #hash: ReturnType<typeof createHash> | ReturnType<typeof createHmac>;
  constructor(secret?: BinaryLike) {
    this.#hash = secret === undefined ? createHash('sha256') : createHmac('sha256', secret);
  }
  update(data: BinaryLike): void { this.#hash.update(data); }
  async digest(): Promise<Uint8Array> { return new Uint8Array(this.#hash.digest()); }
}

/** `attachment; filename*=UTF-8''…` with an ASCII fallback `filename="…"`. */
export function contentDisposition(filename: string): string {
  const ascii = filename.replace(/[^\x20-\x7e]|["\\]/g, '_');
  return `attachment; filename="${ascii}"; filename*=UTF-8''${rfc3986(filename)}`;
}

/**
 * Creates the presigner (once, at start-up).
 * @throws never (credentials are only used when signing)
 */
export function createPresigner(o: PresignerOptions): Presigner {
  const windowS = Math.max(1, Math.floor(o.windowSeconds ?? 60));
  const now = o.now ?? Date.now;
  const base = new URL(o.s3.endpoint ?? `https://s3.${o.s3.region}.amazonaws.com`);
  const pathStyle = o.s3.forcePathStyle || o.bucket.includes('.');
  const hostname = pathStyle ? base.hostname : `${o.bucket}.${base.hostname}`;
  const port = base.port ? Number(base.port) : undefined;
  const host = port ? `${hostname}:${port}` : hostname;
  const basePath = base.pathname.replace(/\/+$/, '') + (pathStyle ? `/${rfc3986(o.bucket)}` : '');
  const signer = new S3RequestPresigner({
    credentials: { accessKeyId: o.s3.accessKeyId.reveal(), secretAccessKey: o.s3.secretAccessKey.reveal() },
    region: o.s3.region,
    sha256: NodeSha256 as never,
  });
  const cache = new LRUCache<string, { url: string; until: number; parsed: URL }>({ max: o.maxEntries ?? 10_000 });

  return {
    async presign(key, req) {
      if (!Number.isInteger(req.expiresIn) || req.expiresIn < 1 || req.expiresIn > SIGV4_MAX_SECONDS) {
        throw new VfsError('EINVAL', `presigned URL lifetime must be 1..${SIGV4_MAX_SECONDS} seconds`);
      }
      const method = req.method ?? 'GET';
      const t = now();
      const cacheKey = `${method}\n${req.expiresIn}\n${req.filename ?? ''}\n${key}`;
      const hit = cache.get(cacheKey);
      if (hit && t < hit.until) {
        // The parsed URL is shared by every caller in the window (parsing it again cost more than
        // signing's cache lookup); one a caller changed is never handed out again.
        if (hit.parsed.href !== hit.url) hit.parsed = new URL(hit.url);
        return hit.parsed;
      }
      const windowStartMs = Math.floor(t / 1000 / windowS) * windowS * 1000;
      const expiresIn = Math.min(req.expiresIn + windowS, SIGV4_MAX_SECONDS);
      const query: Record<string, string> = {};
      if (req.filename !== undefined) query['response-content-disposition'] = contentDisposition(req.filename);
      const signed = await signer.presign({
        method, protocol: base.protocol, hostname, port,
        path: `${basePath}/${key.split('/').map(rfc3986).join('/')}`,
        query, headers: { host },
      } as never, { expiresIn, signingDate: new Date(windowStartMs) });
      const qs = Object.entries(signed.query ?? {})
        .map(([k, v]) => `${rfc3986(k)}=${rfc3986(String(v))}`).sort().join('&');
      const url = `${base.protocol}//${host}${signed.path}?${qs}`;
      // Reuse the URL only while it still has the full requested lifetime left.
      const until = Math.min(windowStartMs + windowS * 1000, windowStartMs + (expiresIn - req.expiresIn) * 1000);
      const parsed = new URL(url);
      cache.set(cacheKey, { url: parsed.href, until, parsed });
      return parsed;
    },
  };
}
