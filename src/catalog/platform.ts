/**
 * Platform and CPU architecture of a release item, guessed from its file name. Pure.
 *
 * | looks for (case-insensitive, anywhere in the name)             | gives            |
 * |---------------------------------------------------------------|------------------|
 * | extension `.exe`, `.msi`, `.msix`, `.appx`; word `win`, `windows`, `win32`, `win64` | platform windows |
 * | extension `.dmg`, `.pkg`; word `mac`, `macos`, `osx`, `darwin` | platform macos   |
 * | extension `.AppImage`, `.deb`, `.rpm`, `.snap`, `.flatpak`; word `linux` | platform linux |
 * | word `x64`, `amd64`, `x86_64`, `x86-64`, `win64`              | arch x64         |
 * | word `arm64`, `aarch64`                                       | arch arm64       |
 * | word `ia32`, `x86`, `i386`, `i686`, `win32`                   | arch ia32        |
 * | word `universal`                                              | arch universal   |
 *
 * Extensions win over words (`mac-tools.exe` is windows). "Word" means the text is delimited by
 * start/end or any of `-_. ()[]+` — so `darwin` matches `app-darwin-x64.zip` but `linuxtools` is not `linux`.
 * `release.yaml` can set both per file (`files: {name: {platform, arch}}`), which always wins.
 */
import type { Arch, Platform } from './types.ts';

const EXT: [RegExp, Platform][] = [
  [/\.(exe|msi|msix|appx|nupkg)$/i, 'windows'],
  [/\.(dmg|pkg)$/i, 'macos'],
  [/\.(appimage|deb|rpm|snap|flatpak)$/i, 'linux'],
];

const word = (alts: string) => new RegExp(`(^|[-_. ()\\[\\]+])(${alts})(?=$|[-_. ()\\[\\]+])`, 'i');

const WORDS: [RegExp, Platform][] = [
  [word('win|windows|win32|win64'), 'windows'],
  [word('mac|macos|osx|darwin'), 'macos'],
  [word('linux'), 'linux'],
];

const ARCHES: [RegExp, Arch][] = [
  [word('universal'), 'universal'],
  [word('arm64|aarch64'), 'arm64'],
  [word('x64|amd64|x86_64|x86-64|win64'), 'x64'],
  [word('ia32|x86|i386|i686|win32'), 'ia32'],
];

/** Platform from a file name, or undefined when nothing matches. @throws never */
export function platformOf(name: string): Platform | undefined {
  for (const [re, p] of EXT) if (re.test(name)) return p;
  for (const [re, p] of WORDS) if (re.test(name)) return p;
  return undefined;
}

/** CPU architecture from a file name, or undefined when nothing matches. @throws never */
export function archOf(name: string): Arch | undefined {
  for (const [re, a] of ARCHES) if (re.test(name)) return a;
  return undefined;
}
