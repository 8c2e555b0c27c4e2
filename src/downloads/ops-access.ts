/**
 * Who may read `/metrics` and `/readyz`: clients from `downloads.ops.allowFrom` (CIDR list, loopback
 * by default; the address is the one rule of src/security/addresses.ts, so X-Forwarded-For counts only
 * via trusted proxies), or anyone presenting `Authorization: Bearer <downloads.ops.token>`.
 * Only the check lives here; rendering the metrics is routes-ops.ts's business.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Config } from '../config/schema.ts';
import type { Secret } from '../config/secret.ts';
import { addressList } from '../security/addresses.ts';

const digests = new WeakMap<Secret, Buffer>();
const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();

function tokenMatches(authorization: string | undefined, token: Secret | undefined): boolean {
  if (!token || !authorization) return false;
  const m = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(authorization);
  if (!m) return false;
  let want = digests.get(token);
  if (!want) {
    want = digest(token.reveal());
    digests.set(token, want);
  }
  return timingSafeEqual(digest(m[1]!), want);
}

/**
 * May this request read the operations endpoints? `clientIp` is the request's client address
 * (`clientAddress()`); `authorization` its Authorization header.
 * @throws never
 */
export function mayReadOps(config: Config, clientIp: string, authorization: string | undefined): boolean {
  const ops = config.downloads.ops;
  return addressList(ops.allowFrom).has(clientIp) || tokenMatches(authorization, ops.token);
}
