/**
 * Which permission a method needs, and the 401/403 decision. The root "/" is readable by anyone
 * who can read at least one category (its listing then shows only those).
 */
import type { Config } from '../config/schema.ts';
import { can, type Principal } from '../auth/permissions.ts';
import type { RuntimeState } from '../vfs/mount.ts';
import type { DavTarget, DavUser } from './context.ts';

/** Methods that only read. Everything else writes. */
export const READ_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'PROPFIND', 'OPTIONS']);

/** Permission `method` needs on its target's category. COPY reads its source. @throws never */
export function actionFor(method: string): 'read' | 'write' {
  return READ_METHODS.has(method) || method === 'COPY' ? 'read' : 'write';
}

/** `can()` for a DavUser. @throws never */
export function userCan(config: Config, user: DavUser | null, slug: string, action: 'read' | 'write'): boolean {
  const cat = config.categories.find((c) => c.slug === slug);
  if (!cat) return false;
  const who: Principal | null = user ? { name: user.name, groups: user.groups, admin: user.admin } : null;
  return can(who, cat, action);
}

/** Slugs of the categories `user` may read, in config order. @throws never */
export function readableCategories(state: RuntimeState, user: DavUser | null): string[] {
  return [...state.mounts.keys()].filter((s) => userCan(state.config, user, s, 'read'));
}

/**
 * The access decision for a request target: 'ok', 'unauthenticated' (answer 401) or 'forbidden' (403).
 * OPTIONS is always allowed on the root (Windows probes it before signing in). @throws never
 */
export function decideAccess(state: RuntimeState, user: DavUser | null, method: string, target: DavTarget): 'ok' | 'unauthenticated' | 'forbidden' {
  const deny = user ? 'forbidden' : 'unauthenticated';
  if (!target.mount) {
    if (method === 'OPTIONS') return 'ok';
    if (!READ_METHODS.has(method)) return user ? 'ok' : deny; // the handlers refuse writes on the root
    return user || readableCategories(state, null).length > 0 ? 'ok' : deny;
  }
  return userCan(state.config, user, target.mount.category.slug, actionFor(method)) ? 'ok' : deny;
}
