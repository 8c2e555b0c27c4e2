/** The "Update feeds" section of a category page: each feed URL with a copy-paste snippet for its updater. Pure. */
import type { FeedUrls } from '../feeds/urls.ts';
import { esc } from './html.ts';

/** Renders the section; `name` is the category title (used in the Joomla snippet). @throws never */
export function feedsSection(urls: FeedUrls, name: string): string {
  const block = (title: string, url: string, snippet: string, note = '') =>
    `<h3>${esc(title)}</h3><p><code>${esc(url)}</code>${note ? ` <span class="muted">${esc(note)}</span>` : ''}</p><pre><code>${esc(snippet)}</code></pre>`;
  const parts: string[] = [];
  if (urls.joomla) {
    parts.push(block('Joomla (extension manifest)', urls.joomla,
      `<updateservers>\n  <server type="extension" priority="1" name="${name}">${urls.joomla}</server>\n</updateservers>`));
  }
  parts.push(block('electron-updater (electron-builder.yml)', urls.electron,
    `publish:\n  provider: generic\n  url: ${urls.electron}\n  channel: latest   # or beta, alpha`, 'latest.yml, latest-mac.yml, latest-linux.yml, beta.yml… inside'));
  parts.push(block('Sparkle / WinSparkle (Info.plist)', urls.appcast,
    `<key>SUFeedURL</key>\n<string>${urls.appcast}</string>`, 'pre-releases carry sparkle:channel alpha, beta or rc'));
  parts.push(block('Tauri updater (tauri.conf.json)', urls.tauriDynamic,
    `"plugins": {\n  "updater": {\n    "pubkey": "<your public key>",\n    "endpoints": ["${urls.tauriDynamic}"]\n  }\n}`, `or the static ${urls.tauriStatic}`));
  return `<section aria-labelledby="feeds"><h2 id="feeds">Update feeds</h2>${parts.join('')}</section>`;
}
