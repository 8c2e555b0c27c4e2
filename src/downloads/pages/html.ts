/** HTML building blocks: escaping, the page frame with its small inline stylesheet, badges. Pure. */
import type { Maturity, NoteKind } from '../../catalog/types.ts';
import { styleHash } from '../../security/headers.ts';

const ESC: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for HTML element content and quoted attribute values. @throws never */
export function esc(s: string | number | undefined | null): string {
  return String(s ?? '').replace(/[&<>"']/g, (c) => ESC[c]!);
}

/** Marks a string as already-safe HTML. */
export interface Html { readonly html: string }

/** Wraps trusted markup (built only from escaped parts). @throws never */
export const raw = (html: string): Html => ({ html });

const CSS = `
:root{color-scheme:light dark;--fg:#1b1f23;--bg:#fff;--muted:#59636e;--line:#d0d7de;--accent:#0b5cad;--chip:#eef1f4}
@media (prefers-color-scheme:dark){:root{--fg:#e6edf3;--bg:#0d1117;--muted:#9198a1;--line:#30363d;--accent:#58a6ff;--chip:#21262d}}
*{box-sizing:border-box}body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:var(--bg)}
main{max-width:72rem;margin:0 auto;padding:1rem}a{color:var(--accent)}a:focus-visible,.btn:focus-visible{outline:3px solid var(--accent);outline-offset:2px}
.skip{position:absolute;left:-999px}.skip:focus{left:1rem;top:1rem;background:var(--bg);padding:.5rem}
nav ol{list-style:none;display:flex;flex-wrap:wrap;gap:.25rem;padding:0;margin:0 0 1rem;color:var(--muted)}nav li+li::before{content:"/";margin-right:.25rem}
h1{font-size:1.6rem;margin:.2rem 0 1rem}.muted{color:var(--muted)}
table{width:100%;border-collapse:collapse}th,td{text-align:left;padding:.5rem;border-bottom:1px solid var(--line);vertical-align:top}
code.hash{font-size:.8rem;word-break:break-all}
.badge{display:inline-block;padding:0 .5rem;border-radius:1rem;font-size:.8rem;background:var(--chip);border:1px solid var(--line)}
.m-alpha{border-color:#d73a49}.m-beta{border-color:#e36209}.m-rc{border-color:#6f42c1}.m-stable{border-color:#22863a}
.k-added{border-color:#22863a}.k-removed{border-color:#d73a49}.k-fixed{border-color:#0b5cad}.k-important{border-color:#e36209}
.btn{display:inline-block;padding:.35rem .9rem;border-radius:.4rem;background:var(--accent);color:#fff;text-decoration:none;font-weight:600}
ul.cards{list-style:none;padding:0;display:grid;gap:1rem;grid-template-columns:repeat(auto-fill,minmax(16rem,1fr))}
ul.cards li{border:1px solid var(--line);border-radius:.5rem;padding:1rem}ul.notes{padding-left:1.2rem}
@media (max-width:40rem){table.items thead{display:none}table.items tr{display:block;border-bottom:1px solid var(--line);padding:.5rem 0}
table.items td{display:block;border:0;padding:.15rem 0}table.items td[data-label]::before{content:attr(data-label) ": ";color:var(--muted)}}
`.replace(/\n/g, '');

/** The CSP source that allows exactly the pages' one inline stylesheet (and no other style). */
export const PAGE_STYLE_SOURCE = styleHash(CSS);

/** A breadcrumb step: label and (except the last) a link. */
export interface Crumb { label: string; href?: string }

/** The page frame. `body` must be built from escaped parts. @throws never */
export function page(o: { title: string; crumbs: Crumb[]; body: string; feed?: string }): string {
  const crumbs = o.crumbs
    .map((c, i) => (c.href && i < o.crumbs.length - 1 ? `<li><a href="${esc(c.href)}">${esc(c.label)}</a></li>` : `<li aria-current="page">${esc(c.label)}</li>`))
    .join('');
  const feed = o.feed ? `<link rel="alternate" type="application/atom+xml" title="Releases" href="${esc(o.feed)}">` : '';
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">` +
    `<title>${esc(o.title)}</title>${feed}<style>${CSS}</style></head><body><a class="skip" href="#main">Skip to content</a>` +
    `<main id="main"><nav aria-label="Breadcrumb"><ol>${crumbs}</ol></nav>${o.body}</main></body></html>`;
}

/** A maturity badge. @throws never */
export const maturityBadge = (m: Maturity): string => `<span class="badge m-${m}">${esc(m)}</span>`;

/** A CHANGELOG kind badge. @throws never */
export const kindBadge = (k: NoteKind): string => `<span class="badge k-${k}">${esc(k)}</span>`;

/** A date as YYYY-MM-DD in a <time> element. @throws never */
export const dateTag = (d: Date): string => `<time datetime="${esc(d.toISOString())}">${esc(d.toISOString().slice(0, 10))}</time>`;
