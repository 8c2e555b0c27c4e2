/** Atom 1.0 feed of a category's published releases, newest first. Pure. */
import type { CategoryConfig } from '../config/schema.ts';
import type { Release } from '../catalog/types.ts';
import { encodeUrlPath } from '../vfs/path.ts';
import { renderNotes } from './pages/markdown.ts';

const XML_ESC: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };
// eslint-disable-next-line no-control-regex
const xml = (s: string) => s.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, '').replace(/[&<>"']/g, (c) => XML_ESC[c]!);

/**
 * Renders the feed. `baseUrl` is absolute without a trailing slash (e.g. https://dl.example.com).
 * @throws never
 */
export function atomFeed(cat: CategoryConfig, releases: Release[], baseUrl: string, limit = 50): string {
  const catUrl = `${baseUrl}/${encodeUrlPath(cat.slug)}/`;
  const updated = (releases[0]?.date ?? new Date(0)).toISOString();
  const entries = releases.slice(0, limit).map((r) => {
    const url = `${catUrl}${encodeUrlPath(r.version)}/`;
    const notes = r.notesMarkdown ? renderNotes(r.notesMarkdown)
      : r.notes?.length ? `<ul>${r.notes.map((n) => `<li>${xml(`[${n.kind}] ${n.text}`)}</li>`).join('')}</ul>` : '';
    const files = `<ul>${r.items.map((i) => `<li>${xml(i.name)}${i.platform ? ` (${xml(i.platform)}${i.arch ? ` ${xml(i.arch)}` : ''})` : ''}` +
      `${i.sha256 ? `<br/>SHA-256: <code>${i.sha256}</code>` : ''}${i.sha512 ? `<br/>SHA-512: <code>${i.sha512}</code>` : ''}</li>`).join('')}</ul>`;
    const enclosures = r.items.map((i) => `<link rel="enclosure" href="${xml(`${baseUrl}/dl/${encodeUrlPath(r.category)}/${encodeUrlPath(r.version)}/${encodeUrlPath(i.name)}`)}" length="${i.size}" title="${xml(i.name)}"/>`).join('');
    return `<entry><id>${xml(url)}</id>${enclosures}<title>${xml(r.title ? `${r.version} — ${r.title}` : r.version)}</title>` +
      `<updated>${r.date.toISOString()}</updated><link rel="alternate" type="text/html" href="${xml(url)}"/>` +
      `<category term="${xml(r.maturity)}"/><content type="html">${xml(notes + files)}</content></entry>`;
  }).join('');
  return `<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">` +
    `<id>${xml(catUrl)}</id><title>${xml(cat.title ?? cat.slug)}</title><updated>${updated}</updated>` +
    `<link rel="self" type="application/atom+xml" href="${xml(`${catUrl}feed.atom`)}"/><link rel="alternate" type="text/html" href="${xml(catUrl)}"/>` +
    `<author><name>${xml(cat.title ?? cat.slug)}</name></author>${entries}</feed>\n`;
}
