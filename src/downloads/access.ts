/**
 * Who is visiting: HTTP Basic, a personal download key (`?dlid=`), or nobody. Signed links are
 * checked by the /dl route itself (they authorise one path, not a person).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { parseBasic, type BasicVerifier } from '../auth/basic.ts';
import { can, principalOf, type Principal } from '../auth/permissions.ts';
import type { CategoryConfig, Config } from '../config/schema.ts';

/** The visitor as the downloads server sees them. */
export interface Identity {
  principal: Principal | null;
  via: 'anonymous' | 'basic' | 'dlid';
  /** The dlid to carry into links on pages and API answers (only when it was valid). */
  dlid?: string;
  /** Credentials were offered but are wrong (wrong password, unknown key). */
  failed?: 'basic' | 'dlid';
}

interface KeyEntry { user: string; key: Buffer }
const keyMaps = new WeakMap<Config, Map<string, KeyEntry>>();

/** Download keys of a config, indexed by SHA-256 of the key (built once per config). */
function keyMap(config: Config): Map<string, KeyEntry> {
  let m = keyMaps.get(config);
  if (!m) {
    m = new Map();
    for (const [user, u] of Object.entries(config.auth.users)) {
      if (!u.downloadKey) continue;
      const key = Buffer.from(u.downloadKey.reveal());
      m.set(createHash('sha256').update(key).digest('hex'), { user, key });
    }
    keyMaps.set(config, m);
  }
  return m;
}

/**
 * The user owning a download key, or null. The lookup goes through a hash of the given key and
 * ends in a constant-time compare, so timing tells nothing about the stored keys. @throws never
 */
export function userOfDownloadKey(config: Config, dlid: string): string | null {
  if (!/^[0-9a-f]{32}$/.test(dlid)) return null;
  const given = Buffer.from(dlid);
  const hit = keyMap(config).get(createHash('sha256').update(given).digest('hex'));
  return hit && timingSafeEqual(hit.key, given) ? hit.user : null;
}

/**
 * Identifies the visitor from the Authorization header and the dlid query value.
 * Basic wins over dlid when both are given. @throws never
 */
export async function identify(
  config: Config, verifier: BasicVerifier, authorization: string | undefined, dlid: string | undefined,
): Promise<Identity> {
  const creds = parseBasic(authorization);
  if (creds) {
    const name = await verifier.verify(creds, config.auth.users);
    const principal = principalOf(config, name);
    if (principal) return { principal, via: 'basic' };
    return { principal: null, via: 'anonymous', failed: 'basic' };
  }
  if (dlid !== undefined) {
    const principal = principalOf(config, userOfDownloadKey(config, dlid));
    if (principal) return { principal, via: 'dlid', dlid };
    return { principal: null, via: 'anonymous', failed: 'dlid' };
  }
  return { principal: null, via: 'anonymous' };
}

/** May this visitor see and download from the category? @throws never */
export function mayDownload(id: Identity, category: CategoryConfig): boolean {
  return can(id.principal, category, 'download');
}

/** Categories the visitor may see, in config order. @throws never */
export function visibleCategories(config: Config, id: Identity): CategoryConfig[] {
  return config.categories.filter((c) => mayDownload(id, c));
}
