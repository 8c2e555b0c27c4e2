/**
 * A build server's output for the feed tests: Windows, macOS and Linux builds of an app (with
 * Tauri-style `.sig` files and an electron `.blockmap`), a Joomla package, and a release.yaml with
 * Sparkle's build number, minimum system version and EdDSA signature. Bytes are pseudo-random per
 * version, so every digest is different and recomputable.
 */
import { prngSlice } from '../helpers/prng-bytes.ts';

/** A Tauri `.sig` file as `tauri signer sign` writes it: base64 of a minisign signature text. */
export function tauriSig(file: string, seed: string): string {
  const line = (n: number) => Buffer.from(prngSlice(`${seed}:${n}`, 0, 74)).toString('base64');
  const text = `untrusted comment: signature from tauri secret key\n${line(1)}\ntrusted comment: timestamp:1700000000\tfile:${file}\n${line(2)}\n`;
  return Buffer.from(text).toString('base64');
}

/** An EdDSA signature as Sparkle's sign_update prints it (64 bytes, base64). */
export const edSig = (seed: string) => Buffer.from(prngSlice(`ed:${seed}`, 0, 64)).toString('base64');

export interface BuildFile { name: string; body: Buffer | string }

/** Every file of release `version` (names follow electron-builder / Tauri conventions). */
export function buildFiles(version: string, o: { notes?: string; build?: string } = {}): BuildFile[] {
  const bin = (name: string, size: number) => ({ name, body: prngSlice(`${version}/${name}`, 0, size) });
  const exe = `MyApp-Setup-${version}.exe`;
  const mac = `MyApp-${version}-universal-mac.zip`;
  const dmg = `MyApp-${version}-universal.dmg`;
  const appimage = `MyApp-${version}.AppImage`;
  const arm = `MyApp-${version}-arm64.AppImage`;
  return [
    bin(exe, 150_000 + version.length),
    { name: `${exe}.blockmap`, body: prngSlice(`${version}/blockmap`, 0, 3_000) },
    { name: `${exe}.sig`, body: tauriSig(exe, `${version}/exe`) },
    bin(mac, 120_000),
    { name: `${mac}.sig`, body: tauriSig(mac, `${version}/mac`) },
    bin(dmg, 110_000),
    bin(appimage, 130_000),
    { name: `${appimage}.sig`, body: tauriSig(appimage, `${version}/appimage`) },
    bin(arm, 90_000),
    bin(`pkg_myapp-${version}.zip`, 60_000),
    {
      name: 'release.yaml',
      body: `title: My App ${version}\nnotes: "${o.notes ?? `Notes of ${version}`}"\nbuild: "${o.build ?? version.replace(/\D/g, '')}"\n` +
        `minimumSystemVersion: "10.15"\nfiles:\n  ${mac}:\n    edSignature: "${edSig(`${version}/mac`)}"\n`,
    },
  ];
}
