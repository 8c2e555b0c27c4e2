/**
 * electron-updater's generic provider: `<channel><suffix>.yml` in one base folder, describing the
 * newest release of the channel that has files for the platform. `files[].url` is relative to the
 * folder (electron-updater resolves it against the base URL and copies the base URL's query, so a
 * `?dlid=` on the configured URL reaches every download), `sha512` is base64 of the raw digest. Pure.
 *
 * Suffixes (electron-updater's `getChannelFilePrefix`): none = Windows, `-mac` = macOS,
 * `-linux` = Linux x64, `-linux-<arch>` = Linux on another arch (`arm64`, `ia32`).
 */
import { stringify } from 'yaml';
import type { Arch, Item, Platform, Release } from '../../catalog/types.ts';
import { encodeUrlPath } from '../../vfs/path.ts';
import { hexToBase64, inChannel, notesText, parseChannel, platformItems, type Channel } from './select.ts';

/** One electron channel file, parsed from its name. */
export interface ElectronFile { channel: Channel; platform: Platform; arch?: Arch }

/** Parses `latest.yml`, `beta-mac.yml`, `alpha-linux-arm64.yml`…; undefined for anything else. @throws never */
export function parseElectronName(name: string): ElectronFile | undefined {
  const m = /^([a-z]+)(-mac|-linux(?:-(arm64|ia32))?)?\.yml$/.exec(name);
  if (!m) return undefined;
  const channel = parseChannel(m[1]);
  if (!channel || m[1] === 'stable') return undefined;
  if (!m[2]) return { channel, platform: 'windows' };
  if (m[2] === '-mac') return { channel, platform: 'macos' };
  return { channel, platform: 'linux', arch: (m[3] as Arch | undefined) ?? 'x64' };
}

/** All channel file names a category serves (for listings). @throws never */
export function electronNames(): string[] {
  return ['latest', 'beta', 'alpha'].flatMap((c) => ['', '-mac', '-linux', '-linux-arm64'].map((s) => `${c}${s}.yml`));
}

function accepts(f: ElectronFile): (i: Item) => boolean {
  if (f.platform !== 'linux') return () => true;
  // Linux files are per arch; an item without an arch counts as x64 (electron-builder's default).
  return (i) => (i.arch ?? 'x64') === f.arch || (i.arch === 'universal');
}

/**
 * The YAML for one channel file, or undefined when no release of the channel has files for the
 * platform. `toDl(r, name)` gives a file's URL relative to the base folder (`../../../dl/…`).
 * @throws never
 */
export function electronYaml(f: ElectronFile, releases: Release[], dlid?: string): string | undefined {
  for (const r of inChannel(releases, f.channel)) {
    const items = platformItems(r, f.platform, accepts(f));
    if (items.length === 0) continue;
    // The base folder is /feeds/<category>/electron/: three levels below the root.
    const rel = (i: Item) => `../../../dl/${encodeUrlPath(r.category)}/${encodeUrlPath(r.version)}/${encodeUrlPath(i.name)}${dlid ? `?dlid=${encodeURIComponent(dlid)}` : ''}`;
    const files = items.map((i) => ({ url: rel(i), sha512: hexToBase64(i.sha512!), size: i.size }));
    const doc: Record<string, unknown> = {
      version: r.version,
      files,
      path: files[0]!.url,
      sha512: files[0]!.sha512,
      releaseDate: r.date.toISOString(),
    };
    if (r.title) doc.releaseName = r.title;
    const notes = notesText(r);
    if (notes) doc.releaseNotes = notes;
    return stringify(doc, { defaultStringType: 'QUOTE_SINGLE', defaultKeyType: 'PLAIN', lineWidth: 0 });
  }
  return undefined;
}
