/**
 * HTTP Digest (RFC 7616, MD5, qop=auth) for clients that refuse Basic over plain HTTP (Windows).
 * HA1 = MD5(user:realm:password) comes from the user's `digestHa1`; nonces are stateless:
 * `<ms timestamp>.<HMAC(key, timestamp)>`, so any nonce we did not mint is refused and an old one
 * yields `stale=true` (the client retries without asking the user again).
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { UserConfig } from '../config/schema.ts';

/** Parsed `Authorization: Digest …` parameters. */
export interface DigestCredentials {
  username: string; realm: string; nonce: string; uri: string; response: string;
  qop?: string; nc?: string; cnonce?: string; algorithm?: string; opaque?: string;
}

/** Outcome of {@link DigestVerifier.verify}. */
export type DigestResult = { ok: true; user: string } | { ok: false; stale: boolean };

const md5 = (s: string) => createHash('md5').update(s).digest('hex');

/**
 * Parses a Digest Authorization header (quoted or token values, commas inside quotes kept).
 * @returns null if absent, not Digest, or missing a required parameter. @throws never
 */
export function parseDigest(header: string | undefined): DigestCredentials | null {
  if (!header || !/^Digest\s/i.test(header)) return null;
  const params: Record<string, string> = {};
  const re = /([A-Za-z0-9_-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]*))\s*(?:,|$)/g;
  const rest = header.slice(7);
  let m: RegExpExecArray | null;
  while ((m = re.exec(rest)) !== null) {
    if (m[0] === '') { re.lastIndex++; continue; }
    params[m[1]!.toLowerCase()] = m[2] !== undefined ? m[2].replace(/\\(.)/g, '$1') : m[3]!;
  }
  const { username, realm, nonce, uri, response } = params;
  if (!username || realm === undefined || !nonce || !uri || !response) return null;
  return { username, realm, nonce, uri, response, qop: params.qop, nc: params.nc, cnonce: params.cnonce, algorithm: params.algorithm, opaque: params.opaque };
}

/**
 * Mints and checks nonces, verifies responses. The nonce key is random per process unless one is
 * given (the key shared through Redis, so every instance accepts every instance's nonces).
 */
export class DigestVerifier {
  readonly #key: Buffer;
  readonly #lifetimeMs: number;
  readonly #now: () => number;
  constructor(opts: { nonceLifetimeSeconds?: number; now?: () => number; key?: Buffer } = {}) {
    this.#key = opts.key ?? randomBytes(32);
    this.#lifetimeMs = (opts.nonceLifetimeSeconds ?? 300) * 1000;
    this.#now = opts.now ?? Date.now;
  }

  #sign(ts: string): string {
    return createHmac('sha256', this.#key).update(ts).digest('base64url').slice(0, 32);
  }

  /** A fresh nonce. @throws never */
  nonce(): string {
    const ts = String(this.#now());
    return `${ts}.${this.#sign(ts)}`;
  }

  /** `WWW-Authenticate` value offering Digest. @throws never */
  challenge(realm: string, stale = false): string {
    return `Digest realm="${realm.replace(/["\\]/g, '')}", qop="auth", algorithm=MD5, nonce="${this.nonce()}"${stale ? ', stale=true' : ''}`;
  }

  /**
   * Checks credentials for `method` + the raw request URI (or any of its accepted spellings, e.g.
   * with the public prefix a proxy stripped) against the configured users.
   * @returns the user on success; `stale: true` when only the nonce's age failed. @throws never
   */
  verify(c: DigestCredentials, method: string, requestUri: string | readonly string[], realm: string, users: Readonly<Record<string, UserConfig>>): DigestResult {
    const dot = c.nonce.indexOf('.');
    if (dot <= 0) return { ok: false, stale: false };
    const ts = c.nonce.slice(0, dot);
    const sig = Buffer.from(c.nonce.slice(dot + 1));
    const want = Buffer.from(this.#sign(ts));
    if (sig.length !== want.length || !timingSafeEqual(sig, want)) return { ok: false, stale: false };
    if (c.realm !== realm) return { ok: false, stale: false };
    if (c.algorithm && c.algorithm.toUpperCase() !== 'MD5') return { ok: false, stale: false };
    if (c.qop !== 'auth' || !c.nc || !c.cnonce) return { ok: false, stale: false };
    if (!(typeof requestUri === 'string' ? [requestUri] : requestUri).includes(c.uri)) return { ok: false, stale: false };
    const ha1 = users[c.username]?.digestHa1;
    if (!ha1) return { ok: false, stale: false };
    const ha2 = md5(`${method}:${c.uri}`);
    const expected = Buffer.from(md5(`${ha1}:${c.nonce}:${c.nc}:${c.cnonce}:${c.qop}:${ha2}`));
    const got = Buffer.from(c.response.toLowerCase());
    if (got.length !== expected.length || !timingSafeEqual(got, expected)) return { ok: false, stale: false };
    const age = this.#now() - Number(ts);
    if (!(age >= 0 && age <= this.#lifetimeMs)) return { ok: false, stale: true };
    return { ok: true, user: c.username };
  }
}
