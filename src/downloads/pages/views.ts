/** The three visitor pages (categories, releases, one release) and the error page. Pure renderers. */
import type { CategoryConfig } from '../../config/schema.ts';
import type { Platform, Release, SignatureFile } from '../../catalog/types.ts';
import { generatedSums } from '../../catalog/sums.ts';
import type { FeedUrls } from '../feeds/urls.ts';
import { feedsSection } from './feeds-section.ts';
import { encodeUrlPath } from '../../vfs/path.ts';
import { humanSize } from '../http-util.ts';
import { dateTag, esc, kindBadge, maturityBadge, page, type Crumb } from './html.ts';
import { renderNotes } from './markdown.ts';

/** Appends `dlid` to a link when the visitor came with one. @throws never */
export function withDlid(href: string, dlid?: string): string {
  return dlid ? `${href}${href.includes('?') ? '&' : '?'}dlid=${encodeURIComponent(dlid)}` : href;
}

const PLATFORM_LABEL: Record<Platform, string> = { windows: 'Windows', macos: 'macOS', linux: 'Linux' };
const SIG_LABEL: Record<SignatureFile['kind'], string> = { minisign: 'minisign', gpg: 'GPG', unknown: 'signature' };

const catTitle = (c: CategoryConfig) => c.title ?? c.slug;
const home = (dlid?: string): Crumb => ({ label: 'Downloads', href: withDlid('/', dlid) });

/** `/`: the categories this visitor may see. @throws never */
export function indexPage(cats: CategoryConfig[], o: { dlid?: string; signedIn: boolean }): string {
  const list = cats.length === 0
    ? `<p>No downloads are available to you.${o.signedIn ? '' : ' <a href="/login">Sign in</a> to see more.'}</p>`
    : `<ul class="cards">${cats.map((c) => `<li><h2><a href="${esc(withDlid(`/${encodeUrlPath(c.slug)}/`, o.dlid))}">${esc(catTitle(c))}</a></h2>` +
        (c.description ? `<p class="muted">${esc(c.description)}</p>` : '') + '</li>').join('')}</ul>` +
      (o.signedIn ? '' : '<p class="muted"><a href="/login">Sign in</a> to see private categories.</p>');
  return page({ title: 'Downloads', crumbs: [{ label: 'Downloads' }], body: `<h1>Downloads</h1>${list}` });
}

/** `/<category>/`: published releases, newest first. @throws never */
export function categoryPage(cat: CategoryConfig, releases: Release[], dlid?: string, feeds?: FeedUrls): string {
  const base = `/${encodeUrlPath(cat.slug)}/`;
  const rows = releases.map((r) => `<tr><th scope="row"><a href="${esc(withDlid(`${base}${encodeUrlPath(r.version)}/`, dlid))}">${esc(r.version)}</a>` +
    `${r.title ? `<div class="muted">${esc(r.title)}</div>` : ''}</th><td>${maturityBadge(r.maturity)}</td><td>${dateTag(r.date)}</td><td>${r.items.length}</td></tr>`).join('');
  const table = releases.length === 0 ? '<p>No releases yet.</p>'
    : `<table><caption class="muted">Releases, newest first</caption><thead><tr><th scope="col">Version</th><th scope="col">Maturity</th><th scope="col">Date</th><th scope="col">Files</th></tr></thead><tbody>${rows}</tbody></table>`;
  const body = `<h1>${esc(catTitle(cat))}</h1>${cat.description ? `<p>${esc(cat.description)}</p>` : ''}` +
    `<p><a href="${esc(`${base}feed.atom`)}">Atom feed</a></p>${table}${feeds ? feedsSection(feeds, catTitle(cat)) : ''}`;
  return page({ title: catTitle(cat), crumbs: [home(dlid), { label: catTitle(cat) }], body, feed: `${base}feed.atom` });
}

/** `/<category>/<release>/`: items with size, date, SHA-256 and a download button, then the notes. @throws never */
export function releasePage(cat: CategoryConfig, r: Release, dlid?: string): string {
  const base = `/${encodeUrlPath(cat.slug)}/`;
  const dl = (name: string) => withDlid(`/dl/${encodeUrlPath(cat.slug)}/${encodeUrlPath(r.version)}/${encodeUrlPath(name)}`, dlid);
  const rows = r.items.map((i) => {
    const sigs = (i.signatures ?? []).map((s) => `<a href="${esc(dl(s.name))}">${esc(SIG_LABEL[s.kind])}</a>`);
    if (i.edSignature) sigs.push(`<span title="${esc(i.edSignature)}">EdDSA (Sparkle)</span>`);
    const platform = i.platform ? `${esc(PLATFORM_LABEL[i.platform])}${i.arch ? ` <span class="muted">${esc(i.arch)}</span>` : ''}` : '<span class="muted">any</span>';
    return `<tr><th scope="row" data-label="File">${esc(i.name)}${sigs.length ? `<div class="muted">Signed: ${sigs.join(', ')}</div>` : ''}</th>` +
      `<td data-label="Platform">${platform}</td><td data-label="Size">${esc(humanSize(i.size))}</td>` +
      `<td data-label="Date">${dateTag(i.mtime)}</td><td data-label="SHA-256">${i.sha256 ? `<code class="hash">${esc(i.sha256)}</code>` : '<span class="muted">pending</span>'}${i.sha256Mismatch ? ' <strong class="badge k-removed" role="alert">does not match SHA256SUMS</strong>' : ''}` +
      `${i.sha512Mismatch ? ' <strong class="badge k-removed" role="alert">does not match SHA512SUMS</strong>' : ''}` +
      `${i.sha512 ? `<details><summary>SHA-512</summary><code class="hash">${esc(i.sha512)}</code></details>` : ''}</td>` +
      `<td><a class="btn" href="${esc(dl(i.name))}" aria-label="Download ${esc(i.name)}">Download</a></td></tr>`;
  }).join('');
  const sums = (['SHA256SUMS', 'SHA512SUMS'] as const).filter((n) => r.items.some((i) => i.name === n) || generatedSums(r, n) !== undefined);
  const items = r.items.length === 0 ? '<p>This release has no files.</p>'
    : `<table class="items"><thead><tr><th scope="col">File</th><th scope="col">Platform</th><th scope="col">Size</th><th scope="col">Date</th><th scope="col">SHA-256</th><th scope="col"><span class="skip">Action</span></th></tr></thead><tbody>${rows}</tbody></table>` +
      `<p class="muted">Checksums: ${sums.map((n) => `<a href="${esc(dl(n))}">${n}</a>`).join(' · ')}</p>`;
  const notes = r.notesMarkdown ? `<section aria-labelledby="notes"><h2 id="notes">Release notes</h2>${renderNotes(r.notesMarkdown)}</section>` : '';
  const changes = r.notes?.length
    ? `<section aria-labelledby="changes"><h2 id="changes">Changes</h2><ul class="notes">${r.notes.map((n) => `<li>${kindBadge(n.kind)} ${esc(n.text)}</li>`).join('')}</ul></section>` : '';
  const heading = r.title ? `${esc(r.version)} — ${esc(r.title)}` : esc(r.version);
  const body = `<h1>${heading}</h1><p>${maturityBadge(r.maturity)} ${dateTag(r.date)}</p>${items}${notes}${changes}`;
  return page({
    title: `${r.version} · ${catTitle(cat)}`, body, feed: `${base}feed.atom`,
    crumbs: [home(dlid), { label: catTitle(cat), href: withDlid(base, dlid) }, { label: r.version }],
  });
}

/** An error page (404 and friends); `message` is shown escaped. @throws never */
export function errorPage(status: number, message: string): string {
  return page({ title: `${status}`, crumbs: [{ label: 'Downloads', href: '/' }, { label: String(status) }], body: `<h1>${esc(message)}</h1><p><a href="/">Back to the downloads</a></p>` });
}
