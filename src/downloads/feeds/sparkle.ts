/**
 * Sparkle appcast (RSS 2.0 + the `sparkle:` namespace), read by Sparkle on macOS and WinSparkle on
 * Windows: one `<item>` per release and operating system, newest first, whose enclosure is the
 * release's macOS (or Windows) build — the one carrying an EdDSA signature when there is one.
 * Pre-releases carry `sparkle:channel` (alpha, beta, rc); stable releases have none. Pure.
 */
import type { Item, Platform, Release } from '../../catalog/types.ts';
import { renderNotes } from '../pages/markdown.ts';
import { platformItems, type FeedLinks } from './select.ts';
import { xmlEscape as e } from './xml.ts';

const SPARKLE_NS = 'http://www.andymatuschak.org/xml-namespaces/sparkle';
/** What Sparkle (macOS) and WinSparkle (Windows) install, in order of preference. */
const INSTALLABLE: Record<'macos' | 'windows', RegExp[]> = {
  macos: [/\.zip$/i, /\.dmg$/i, /\.pkg$/i, /\.tar\.(gz|bz2|xz)$/i],
  windows: [/\.exe$/i, /\.msi$/i],
};

/** The enclosure of a release for an OS: signed first, then by installer preference. @throws never */
export function sparkleItem(r: Release, os: 'macos' | 'windows'): Item | undefined {
  const rank = (i: Item) => {
    const k = INSTALLABLE[os].findIndex((re) => re.test(i.name));
    return (i.edSignature ? 0 : 100) + (k < 0 ? 50 : k);
  };
  const candidates = platformItems(r, os as Platform).filter((i) => INSTALLABLE[os].some((re) => re.test(i.name)));
  return candidates.sort((a, b) => rank(a) - rank(b))[0];
}

/** RFC 822 date (RSS `pubDate`). @throws never */
export const rfc822 = (d: Date): string => d.toUTCString().replace('GMT', '+0000');

/** Renders the appcast of a category. @throws never */
export function appcastXml(title: string, releases: Release[], links: FeedLinks, limit = 50): string {
  const items: string[] = [];
  for (const r of releases.slice(0, limit)) {
    for (const os of ['macos', 'windows'] as const) {
      const item = sparkleItem(r, os);
      if (!item) continue;
      const notes = r.notesMarkdown ? renderNotes(r.notesMarkdown) : '';
      items.push('    <item>\n',
        `      <title>${e(r.title ? `${r.version} — ${r.title}` : `Version ${r.version}`)}</title>\n`,
        `      <link>${e(links.page(r))}</link>\n`,
        `      <guid isPermaLink="false">${e(`${r.category}/${r.version}/${os}`)}</guid>\n`,
        `      <pubDate>${rfc822(r.date)}</pubDate>\n`,
        `      <sparkle:version>${e(r.build ?? r.version)}</sparkle:version>\n`,
        `      <sparkle:shortVersionString>${e(r.version)}</sparkle:shortVersionString>\n`,
        r.maturity !== 'stable' ? `      <sparkle:channel>${r.maturity}</sparkle:channel>\n` : '',
        os === 'macos' && r.minimumSystemVersion ? `      <sparkle:minimumSystemVersion>${e(r.minimumSystemVersion)}</sparkle:minimumSystemVersion>\n` : '',
        notes ? `      <description>${e(notes)}</description>\n` : `      <sparkle:releaseNotesLink>${e(links.page(r))}</sparkle:releaseNotesLink>\n`,
        `      <enclosure url="${e(links.file(r, item.name))}" length="${item.size}" type="application/octet-stream"` +
          `${item.edSignature ? ` sparkle:edSignature="${e(item.edSignature)}"` : ''} sparkle:os="${os}"/>\n`,
        '    </item>\n');
    }
  }
  return `<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0" xmlns:sparkle="${SPARKLE_NS}" xmlns:dc="http://purl.org/dc/elements/1.1/">\n` +
    `  <channel>\n    <title>${e(title)}</title>\n    <link>${e(links.category)}</link>\n    <description>${e(`Updates of ${title}`)}</description>\n    <language>en</language>\n` +
    `${items.join('')}  </channel>\n</rss>\n`;
}
