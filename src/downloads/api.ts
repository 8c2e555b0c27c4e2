/** JSON API (/api/v1): categories, releases, the "latest" update stream, and minting signed links. */
import { isVisible } from '../catalog/visible.ts';
import type { CategoryConfig } from '../config/schema.ts';
import type { Release, Maturity } from '../catalog/types.ts';
import { MATURITIES } from '../catalog/types.ts';
import { atLeast } from '../catalog/maturity.ts';
import { encodeUrlPath } from '../vfs/path.ts';
import { withDlid } from './pages/views.ts';

/** One category as the API shows it. @throws never */
export function categoryJson(c: CategoryConfig, baseUrl: string) {
  return {
    slug: c.slug, title: c.title ?? c.slug, description: c.description, type: c.type,
    url: `${baseUrl}/${encodeUrlPath(c.slug)}/`, feed: `${baseUrl}/${encodeUrlPath(c.slug)}/feed.atom`,
  };
}

/** One release with absolute download URLs (carrying the visitor's dlid). @throws never */
export function releaseJson(r: Release, baseUrl: string, dlid?: string) {
  return {
    version: r.version, title: r.title ?? null, date: r.date.toISOString(), maturity: r.maturity,
    notes: r.notesMarkdown ?? null, changes: r.notes ?? [],
    url: `${baseUrl}/${encodeUrlPath(r.category)}/${encodeUrlPath(r.version)}/`,
    files: r.items.map((i) => ({
      name: i.name, size: i.size, date: i.mtime.toISOString(), sha256: i.sha256 ?? null, sha256Mismatch: i.sha256Mismatch === true,
      url: withDlid(`${baseUrl}/dl/${encodeUrlPath(r.category)}/${encodeUrlPath(r.version)}/${encodeUrlPath(i.name)}`, dlid),
    })),
  };
}

/** Parses `?maturity=` (default alpha = everything). @returns undefined if invalid. @throws never */
export function parseMaturity(v: string | undefined): Maturity | undefined {
  if (v === undefined || v === '') return 'alpha';
  return (MATURITIES as readonly string[]).includes(v) ? (v as Maturity) : undefined;
}

/** The newest published release at least as mature as `min`. @throws never */
export function latest(releases: Release[], min: Maturity): Release | undefined {
  return releases.find((r) => isVisible(r) && atLeast(r.maturity, min));
}
