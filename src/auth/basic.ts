/**
 * HTTP Basic credentials: parsing (passwords may contain ":") and verification with a short-lived
 * success cache keyed by a keyed hash of the credentials, so the slow scrypt runs once per window,
 * and in front of it a small cache of recently verified header texts, so a client repeating its
 * header costs one map lookup.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import type { UserConfig } from '../config/schema.ts';
import { verifyPassword } from './passwords.ts';

export interface BasicCredentials { user: string; password: string }

/** Parses an `Authorization: Basic …` header; null if absent or malformed. @throws never */
export function parseBasic(header: string | undefined): BasicCredentials | null {
  if (!header) return null;
  const m = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header);
  if (!m) return null;
  const decoded = Buffer.from(m[1]!, 'base64').toString('utf8');
  const i = decoded.indexOf(':');
  if (i <= 0) return null;
  return { user: decoded.slice(0, i), password: decoded.slice(i + 1) };
}

/**
 * Verifies Basic credentials against the configured users. Successful checks are remembered for
 * `ttlMs` under HMAC(process key, user:password:hash), so a changed password or hash misses at once.
 */
export class BasicVerifier {
  readonly #key = randomBytes(32);
  readonly #ok: LRUCache<string, true>;
  /** Recently verified header text → who it verified as, under which hash, until when (insertion order = age). */
  readonly #headers = new Map<string, { user: string; hash: string; until: number }>();
  readonly #maxHeaders: number;
  readonly #ttlMs: number;
  constructor(opts: { ttlMs?: number; max?: number } = {}) {
    this.#ttlMs = opts.ttlMs ?? 60_000;
    this.#maxHeaders = Math.min(opts.max ?? 10000, 1000);
    this.#ok = new LRUCache({ max: opts.max ?? 10000, ttl: this.#ttlMs });
  }
  /**
   * Verifies a whole `Authorization: Basic …` header. A header that verified recently is
   * recognised by its exact text (no decoding, no hashing) as long as the user still has the same
   * password hash; anything else (including every failure) takes the full {@link verify} path, so
   * failures keep their cost and timing.
   * @returns the user name, or null (malformed header, unknown user, wrong password). @throws never
   */
  async verifyHeader(header: string, users: Readonly<Record<string, UserConfig>>): Promise<string | null> {
    const known = this.knownHeader(header, users);
    if (known !== undefined) return known;
    const seen = this.#headers.get(header);
    const creds = parseBasic(header);
    if (!creds) return null;
    const name = await this.verify(creds, users);
    if (name !== null) {
      if (seen) this.#headers.delete(header);
      else if (this.#headers.size >= this.#maxHeaders) this.#headers.delete(this.#headers.keys().next().value!);
      this.#headers.set(header, { user: name, hash: users[name]!.password, until: Date.now() + this.#ttlMs });
    }
    return name;
  }

  /**
   * The user a header verified as recently (same text, same password hash, within the TTL), or
   * undefined when it must go through {@link verifyHeader}. Never says "wrong": failures are not remembered.
   * @throws never
   */
  knownHeader(header: string, users: Readonly<Record<string, UserConfig>>): string | undefined {
    const seen = this.#headers.get(header);
    if (seen && seen.until > Date.now() && users[seen.user]?.password === seen.hash) return seen.user;
    return undefined;
  }

  /** Forgets every remembered success (users reloaded). @throws never */
  clear(): void {
    this.#headers.clear();
    this.#ok.clear();
  }

  /** @returns the user name if the credentials match a configured user. @throws never */
  async verify(creds: BasicCredentials, users: Readonly<Record<string, UserConfig>>): Promise<string | null> {
    const u = users[creds.user];
    if (!u) {
      // Spend comparable time on unknown users so names cannot be probed by timing.
      await verifyPassword(creds.password, DUMMY_HASH);
      return null;
    }
    const k = createHmac('sha256', this.#key).update(`${creds.user}\0${creds.password}\0${u.password}`).digest('base64');
    if (this.#ok.get(k)) return creds.user;
    if (!(await verifyPassword(creds.password, u.password))) return null;
    this.#ok.set(k, true);
    return creds.user;
  }
}

// A valid hash of a random password, used to equalise timing for unknown users.
const DUMMY_HASH = 'scrypt$16384$8$1$AAAAAAAAAAAAAAAAAAAAAA==$0wK5ZzY3w1Rj4m2y9m3cGm3o9mX5fP0b2rW3l0nQqkQ=';
