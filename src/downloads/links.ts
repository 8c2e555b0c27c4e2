/**
 * Signed download links: `/dl/<category>/<release>/<file>?expires=<unix s>&sig=<base64url>`.
 *
 * sig = HMAC-SHA-256(secret, "<decoded path>\n<expires>"), base64url without padding. The method
 * is deliberately not signed, so one link works for HEAD and GET (download managers probe with
 * HEAD). The path is the decoded form ("/dl/cat/rel/file"), so equivalent percent-encodings verify.
 * Previous secrets keep links valid across a rotation. Links live at most `maxTtlSeconds`.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Secret } from '../config/secret.ts';
import { VfsError } from '../vfs/errors.ts';

/** Options of {@link createLinkSigner}. */
export interface LinkSignerOptions {
  secret: Secret;
  /** Older secrets still accepted (rotation). */
  previous: Secret[];
  /** Longest lifetime a link may have, seconds (config links.maxTtlDays × 86400). */
  maxTtlSeconds: number;
}

/** A minted link: the query string to append to the /dl path, and its expiry (unix seconds). */
export interface SignedLink { query: string; expires: number }

/** Outcome of {@link LinkSigner.verify}. */
export type LinkVerdict = 'ok' | 'expired' | 'bad';

/** Signs and verifies download links. */
export interface LinkSigner {
  /**
   * Signs `path` ("/dl/cat/rel/file", decoded) for `ttlSeconds`.
   * @throws VfsError EINVAL when ttl is not a positive number within maxTtlSeconds or path is not a /dl path.
   */
  sign(path: string, ttlSeconds: number, now?: number): SignedLink;
  /** Checks a link's query values; `now` in ms (default Date.now()). @throws never */
  verify(path: string, expires: string | undefined, sig: string | undefined, now?: number): LinkVerdict;
}

const mac = (secret: Secret, path: string, expires: number): Buffer =>
  createHmac('sha256', secret.reveal()).update(`${path}\n${expires}`).digest();

/** Creates a signer. @throws never */
export function createLinkSigner(o: LinkSignerOptions): LinkSigner {
  const secrets = [o.secret, ...o.previous];
  return {
    sign(path, ttlSeconds, now = Date.now()) {
      if (!path.startsWith('/dl/') && !path.startsWith('/feeds/')) throw new VfsError('EINVAL', 'a signed link must point at /dl/… or /feeds/…');
      if (!Number.isFinite(ttlSeconds) || ttlSeconds <= 0 || ttlSeconds > o.maxTtlSeconds) {
        throw new VfsError('EINVAL', `the lifetime must be between 1 second and ${o.maxTtlSeconds} seconds`);
      }
      const expires = Math.floor(now / 1000) + Math.ceil(ttlSeconds);
      const sig = mac(o.secret, path, expires).toString('base64url');
      return { query: `expires=${expires}&sig=${sig}`, expires };
    },
    verify(path, expires, sig, now = Date.now()) {
      if (!expires || !sig || !/^\d{1,12}$/.test(expires) || !/^[A-Za-z0-9_-]{43}$/.test(sig)) return 'bad';
      const exp = Number(expires);
      const given = Buffer.from(sig, 'base64url');
      let match = false;
      for (const s of secrets) if (timingSafeEqual(mac(s, path, exp), given)) match = true;
      if (!match) return 'bad';
      const nowS = Math.floor(now / 1000);
      if (exp < nowS) return 'expired';
      // Valid signature but farther out than any link we mint (a secret leaked?): refuse.
      if (exp - nowS > o.maxTtlSeconds + 60) return 'bad';
      return 'ok';
    },
  };
}

/** Parses a lifetime like "30d", "12h", "90m", "45s" or plain seconds. @throws VfsError EINVAL */
export function parseTtl(text: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([smhdw]?)$/i.exec(text.trim());
  if (!m) throw new VfsError('EINVAL', `not a lifetime: "${text}" (use e.g. 30d, 12h, 90m, 3600)`);
  const unit = { '': 1, s: 1, m: 60, h: 3600, d: 86400, w: 604800 }[m[2]!.toLowerCase() as '' | 's' | 'm' | 'h' | 'd' | 'w'];
  return Math.round(Number(m[1]) * unit);
}
