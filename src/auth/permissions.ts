/**
 * Who may do what on a category. Lists hold user names, "@group" names, "*" (any signed-in user)
 * and "anonymous" (everyone, signed in or not). Admins may do everything.
 */
import type { CategoryConfig, Config } from '../config/schema.ts';

/** The caller as the permission check sees it (null = anonymous). */
export interface Principal { name: string; groups: readonly string[]; admin: boolean }

export type Action = 'read' | 'write' | 'download';

/** Resolves a configured user name into a principal; null if unknown. @throws never */
export function principalOf(config: Config, name: string | null): Principal | null {
  if (!name) return null;
  const u = config.auth.users[name];
  return u ? { name, groups: u.groups, admin: u.admin } : null;
}

function listAllows(list: readonly string[], who: Principal | null): boolean {
  for (const e of list) {
    if (e === 'anonymous') return true;
    if (!who) continue;
    if (e === '*' || e === who.name) return true;
    if (e.startsWith('@') && who.groups.includes(e.slice(1))) return true;
  }
  return false;
}

/**
 * May `who` do `action` on `category`? Writing implies reading over WebDAV; reading over WebDAV
 * implies downloading. @throws never
 */
export function can(who: Principal | null, category: CategoryConfig, action: Action): boolean {
  if (who?.admin) return true;
  const a = category.access;
  const write = listAllows(a.write, who);
  if (action === 'write') return write;
  const read = write || listAllows(a.read, who);
  if (action === 'read') return read;
  if (a.download === 'public') return true;
  return read || listAllows(a.download, who);
}
