/**
 * Who is calling: Basic (TLS or not) or Digest credentials checked against the configured users,
 * with per-IP brute-force protection. Anonymous callers are `null`; whether they may proceed is
 * the permission check's business.
 */
import type { IncomingMessage } from 'node:http';
import type { Logger } from 'pino';
import type { Config } from '../config/schema.ts';
import type { Metrics } from '../metrics.ts';
import { BasicVerifier, parseBasic } from '../auth/basic.ts';
import { DigestVerifier, parseDigest } from '../auth/digest.ts';
import { BruteForceGuard, type SharedLockouts } from '../auth/brute-force.ts';
import { principalOf } from '../auth/permissions.ts';
import type { DavUser } from './context.ts';
import { DavHttpError } from './http-error.ts';
import { publicPrefix } from './target.ts';
import { clientAddress } from '../security/addresses.ts';

/** Client address by the one rule of src/security/addresses.ts (X-Forwarded-For only via trusted proxies). @throws never */
export function clientIp(req: IncomingMessage, config: Config): string {
  return clientAddress(req, config.webdav) || 'unknown';
}

/** Authentication state shared by every request of one server. */
export class Authenticator {
  readonly basic = new BasicVerifier();
  readonly digest: DigestVerifier;
  readonly guard: BruteForceGuard;
  /** `shared`: lockouts and the Digest nonce key shared with other instances (coordination.redis). */
  constructor(private readonly log: Logger, private readonly metrics: Metrics, shared: { lockouts?: SharedLockouts; digestKey?: Buffer } = {}) {
    this.digest = new DigestVerifier({ key: shared.digestKey });
    this.guard = new BruteForceGuard(Date.now, shared.lockouts);
  }

  /** `WWW-Authenticate` values: Digest when some user has an HA1, always Basic. @throws never */
  challenges(config: Config, stale = false): string[] {
    const realm = config.auth.realm;
    const out: string[] = [];
    if (Object.values(config.auth.users).some((u) => u.digestHa1)) out.push(this.digest.challenge(realm, stale));
    out.push(`Basic realm="${realm.replace(/["\\]/g, '')}", charset="UTF-8"`);
    return out;
  }

  /** A 401 carrying the challenges. @throws never */
  unauthorized(config: Config, stale = false): DavHttpError {
    return new DavHttpError(401, 'authentication required', { headers: { 'WWW-Authenticate': this.challenges(config, stale) } });
  }

  /**
   * The caller's identity. No Authorization header → null (anonymous). Synchronous when the
   * header verified moments ago, a promise otherwise.
   * @throws DavHttpError 429 (IP locked out), 401 (credentials given but wrong, or a stale nonce)
   */
  authenticate(req: IncomingMessage, config: Config): DavUser | null | Promise<DavUser | null> {
    const ip = clientIp(req, config);
    const wait = this.guard.retryAfter(ip);
    if (wait > 0) throw new DavHttpError(429, 'too many failed logins', { headers: { 'Retry-After': String(wait) } });
    const header = req.headers.authorization;
    if (!header) return null;
    // A Basic header that verified moments ago: no promise, no decoding (failures never take this path).
    const known = this.basic.knownHeader(header, config.auth.users);
    if (known !== undefined) {
      const who = principalOf(config, known);
      if (who) {
        this.guard.succeed(ip);
        return { name: who.name, groups: [...who.groups], admin: who.admin };
      }
    }
    return this.#authenticateSlow(req, config, ip, header);
  }

  /** {@link authenticate} for headers not recently verified. @throws as authenticate */
  async #authenticateSlow(req: IncomingMessage, config: Config, ip: string, header: string): Promise<DavUser | null> {
    const users = config.auth.users;
    let name: string | null = null;
    let claimed = '';
    if (/^Basic\s/i.test(header)) {
      name = await this.basic.verifyHeader(header, users);
      if (!name) claimed = parseBasic(header)?.user ?? '';
    } else if (/^Digest\s/i.test(header)) {
      const creds = parseDigest(header);
      claimed = creds?.username ?? '';
      if (creds) {
        const url = req.url ?? '/';
        const prefix = publicPrefix(config);
        const r = this.digest.verify(creds, req.method ?? 'GET', prefix && !url.startsWith(prefix + '/') ? [url, prefix + url] : url, config.auth.realm, users);
        if (r.ok) name = r.user;
        else if (r.stale) throw this.unauthorized(config, true);
      }
    }
    const who = name ? principalOf(config, name) : null;
    if (!who) {
      this.metrics.authFailures.inc({ listener: 'webdav' });
      const lockedOut = this.guard.fail(ip, config.auth.bruteForce);
      this.log.warn({ user: claimed.slice(0, 128), ip, scheme: header.split(/\s/)[0]?.slice(0, 16) }, 'webdav login failed');
      if (lockedOut) this.log.warn({ ip, seconds: config.auth.bruteForce.lockoutSeconds }, 'webdav: too many failed logins, address locked out');
      throw this.unauthorized(config);
    }
    this.guard.succeed(ip);
    return { name: who.name, groups: [...who.groups], admin: who.admin };
  }
}
