/** JSON API (/api/v1): categories, releases, the "latest" update stream, and minting signed links. */
import { isVisible } from '../catalog/visible.ts';
import type { CategoryConfig } from '../config/schema.ts';
import type { Release, Maturity } from '../catalog/types.ts';
import { MATURITIES } from '../catalog/types.ts';
import { atLeast } from '../catalog/maturity.ts';
import { encodeUrlPath } from '../vfs/path.ts';
import { withDlid } from './pages/views.ts';
import { feedUrls } from './feeds/urls.ts';
import { GENERATED_SUMS, generatedSums, type SumsName } from '../catalog/sums.ts';

/** One category as the API shows it. @throws never */
export function categoryJson(c: CategoryConfig, baseUrl: string) {
  return {
    slug: c.slug, title: c.title ?? c.slug, description: c.description, type: c.type,
    url: `${baseUrl}/${encodeUrlPath(c.slug)}/`, feed: `${baseUrl}/${encodeUrlPath(c.slug)}/feed.atom`,
    feeds: feedUrls(c, baseUrl),
  };
}

/** One release with absolute download URLs (carrying the visitor's dlid). @throws never */
export function releaseJson(r: Release, baseUrl: string, dlid?: string) {
  const dl = (name: string) => withDlid(`${baseUrl}/dl/${encodeUrlPath(r.category)}/${encodeUrlPath(r.version)}/${encodeUrlPath(name)}`, dlid);
  const sums = Object.keys(GENERATED_SUMS).filter((n) => r.items.some((i) => i.name === n) || generatedSums(r, n as SumsName) !== undefined);
  return {
    version: r.version, title: r.title ?? null, date: r.date.toISOString(), maturity: r.maturity,
    build: r.build ?? null, minimumSystemVersion: r.minimumSystemVersion ?? null,
    notes: r.notesMarkdown ?? null, changes: r.notes ?? [],
    url: `${baseUrl}/${encodeUrlPath(r.category)}/${encodeUrlPath(r.version)}/`,
    checksums: Object.fromEntries(sums.map((n) => [n, dl(n)])),
    files: r.items.map((i) => ({
      name: i.name, size: i.size, date: i.mtime.toISOString(), platform: i.platform ?? null, arch: i.arch ?? null,
      sha256: i.sha256 ?? null, sha384: i.sha384 ?? null, sha512: i.sha512 ?? null, sha256Mismatch: i.sha256Mismatch === true, sha512Mismatch: i.sha512Mismatch === true,
      url: dl(i.name),
      signatures: (i.signatures ?? []).map((s) => ({ name: s.name, kind: s.kind, url: dl(s.name) })),
      edSignature: i.edSignature ?? null,
      blockmap: i.blockmap ? dl(i.blockmap) : null,
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
