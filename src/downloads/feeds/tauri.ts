/**
 * Tauri updater (v2): the static `latest.json` (`version`, `notes`, `pub_date`, `platforms`) and the
 * dynamic endpoint's answer for one `{target}/{arch}/{current_version}` (204 when nothing is
 * newer). A platform entry needs a minisign signature (`<item>.sig` as `tauri signer sign` writes
 * it, or a raw `.minisig`): items without one are left out, since Tauri rejects the whole file when
 * any entry is incomplete. Pure.
 *
 * Keys are `<os>-<arch>` with os `windows` | `darwin` | `linux` and arch `x86_64` | `aarch64` | `i686`
 * (an item without an arch counts as x86_64; a `universal` macOS build fills both), plus Tauri
 * v2's installer-specific `<os>-<arch>-<installer>` keys (`nsis`, `msi`, `app`, `appimage`, `deb`, `rpm`).
 */
import type { Item, Platform, Release } from '../../catalog/types.ts';
import { compareVersions } from '../../catalog/version-order.ts';
import { inChannel, notesText, platformItems, type Channel, type FeedLinks } from './select.ts';

const OS: Record<Platform, string> = { windows: 'windows', macos: 'darwin', linux: 'linux' };

/** Installer kinds by name, in the order the plain `<os>-<arch>` key prefers them. */
const INSTALLERS: [RegExp, string][] = [
  [/\.exe$/i, 'nsis'], [/\.msi$/i, 'msi'], [/\.app\.tar\.gz$/i, 'app'], [/\.appimage$/i, 'appimage'],
  [/\.deb$/i, 'deb'], [/\.rpm$/i, 'rpm'], [/\.(zip|tar\.gz|dmg)$/i, 'archive'],
];

/** One platform entry of latest.json. */
export interface TauriPlatform { signature: string; url: string }

const archKeys = (i: Item): string[] => {
  switch (i.arch ?? 'x64') {
    case 'x64': return ['x86_64'];
    case 'arm64': return ['aarch64'];
    case 'ia32': return ['i686'];
    case 'universal': return ['x86_64', 'aarch64'];
  }
};

/** Every `<os>-<arch>[-<installer>]` entry a release offers. @throws never */
export function tauriPlatforms(r: Release, links: FeedLinks): Record<string, TauriPlatform> {
  const out: Record<string, TauriPlatform> = {};
  const ranked: { key: string; rank: number; entry: TauriPlatform }[] = [];
  for (const platform of ['windows', 'macos', 'linux'] as const) {
    for (const item of platformItems(r, platform)) {
      const sig = item.signatures?.find((s) => s.kind === 'minisign' && s.tauri)?.tauri;
      if (!sig) continue;
      const k = INSTALLERS.findIndex(([re]) => re.test(item.name));
      const entry = { signature: sig, url: links.file(r, item.name) };
      for (const arch of archKeys(item)) {
        const key = `${OS[platform]}-${arch}`;
        ranked.push({ key, rank: k < 0 ? INSTALLERS.length : k, entry });
        if (k >= 0 && INSTALLERS[k]![1] !== 'archive') out[`${key}-${INSTALLERS[k]![1]}`] ??= entry;
      }
    }
  }
  ranked.sort((a, b) => a.rank - b.rank);
  for (const x of ranked) out[x.key] ??= x.entry;
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => (a < b ? -1 : 1)));
}

/** The newest release of the channel with at least one signed platform, and its platforms. @throws never */
export function tauriRelease(releases: Release[], channel: Channel, links: FeedLinks): { release: Release; platforms: Record<string, TauriPlatform> } | undefined {
  for (const r of inChannel(releases, channel)) {
    const platforms = tauriPlatforms(r, links);
    if (Object.keys(platforms).length > 0) return { release: r, platforms };
  }
  return undefined;
}

/** `latest.json`, or undefined when no release has a signed build. @throws never */
export function tauriLatestJson(releases: Release[], channel: Channel, links: FeedLinks): string | undefined {
  const hit = tauriRelease(releases, channel, links);
  if (!hit) return undefined;
  const r = hit.release;
  return JSON.stringify({ version: r.version, notes: notesText(r), pub_date: r.date.toISOString(), platforms: hit.platforms }, null, 2) + '\n';
}

/**
 * The dynamic endpoint's JSON for a client on `target`/`arch` at `current`, or undefined (answer
 * 204) when the newest release of the channel built for it is not newer. @throws never
 */
export function tauriDynamicJson(releases: Release[], channel: Channel, target: string, arch: string, current: string, links: FeedLinks): string | undefined {
  const key = `${target}-${arch}`;
  for (const r of inChannel(releases, channel)) {
    const p = tauriPlatforms(r, links)[key];
    if (!p) continue;
    if (compareVersions(r.version.replace(/^v/i, ''), current.replace(/^v/i, '')) <= 0) return undefined;
    return JSON.stringify({ version: r.version, notes: notesText(r), pub_date: r.date.toISOString(), url: p.url, signature: p.signature }, null, 2) + '\n';
  }
  return undefined;
}
