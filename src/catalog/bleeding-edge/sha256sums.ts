/** SHA256SUMS (and SHA512SUMS) files uploaded by build servers, checked against the hashes we recorded. */
import type { Mount } from '../../vfs/mount.ts';
import type { Item, Release } from '../types.ts';
import { joinPath } from '../../vfs/path.ts';
import { readSmallText } from '../read-text.ts';

/** File name looked for in a release folder (exact, as `sha256sum` users write it). */
export const SHA256SUMS_NAME = 'SHA256SUMS';
/** The SHA-512 counterpart, checked the same way against the recorded SHA-512. */
export const SHA512SUMS_NAME = 'SHA512SUMS';

/** Undoes GNU coreutils' escaping of names holding `\` or a newline (line starts with `\`). */
function unescapeName(name: string): string {
  return name.replace(/\\(\\|n|r)/g, (_m, c: string) => (c === 'n' ? '\n' : c === 'r' ? '\r' : '\\'));
}

/** `./x` and `dir/x` name the file `x` of the release folder. */
function baseOf(name: string): string {
  const i = name.lastIndexOf('/');
  return i < 0 ? name : name.slice(i + 1);
}

/**
 * Parses `sha256sum` output: `<64 hex>  <name>` (text mode) or `<64 hex> *<name>` (binary mode),
 * GNU-escaped lines (leading `\`), and the BSD tag form `SHA256 (<name>) = <64 hex>`.
 * Keys are base names (a `./` or folder prefix is dropped), values lowercase hex. Comments,
 * blank and malformed lines are skipped; for a name listed twice the last line wins. @throws never
 */
export function parseSha256Sums(text: string): Map<string, string> {
  return parseSums(text, 'SHA256');
}

/** {@link parseSha256Sums} for `sha512sum` output (128 hex digits, BSD tag `SHA512`). @throws never */
export function parseSha512Sums(text: string): Map<string, string> {
  return parseSums(text, 'SHA512');
}

function parseSums(text: string, tag: 'SHA256' | 'SHA512'): Map<string, string> {
  const hexLen = tag === 'SHA256' ? 64 : 128;
  const gnuRe = new RegExp(`^([0-9a-fA-F]{${hexLen}}) [ *](.+)$`);
  const bsdRe = new RegExp(`^${tag} ?\\((.+)\\) ?= ?([0-9a-fA-F]{${hexLen}})\\s*$`);
  const out = new Map<string, string>();
  for (let line of text.replace(/^\uFEFF/, '').split(/\r?\n/)) {
    if (line.trim() === '' || line.startsWith('#')) continue;
    let escaped = false;
    if (line.startsWith('\\')) { escaped = true; line = line.slice(1); }
    let hex: string | undefined;
    let name: string | undefined;
    const gnu = gnuRe.exec(line);
    const bsd = bsdRe.exec(line);
    if (gnu) { hex = gnu[1]; name = gnu[2]; } else if (bsd) { name = bsd[1]; hex = bsd[2]; }
    if (!hex || !name) continue;
    if (escaped) name = unescapeName(name);
    const base = baseOf(name);
    if (base === '' || base === '.' || base === '..') continue;
    out.set(base, hex.toLowerCase());
  }
  return out;
}

/**
 * Compares the release's SHA256SUMS with each item's recorded SHA-256 (`item.sha256`, else the
 * sidecar via `mount.meta.get`). Result: item name → true (the sums agree) / false (MISMATCH).
 * Items not listed in SHA256SUMS, or without a recorded hash yet, are absent; no SHA256SUMS in
 * the release gives an empty map. So `Item.sha256Mismatch = result.get(item.name) === false`.
 * @throws VfsError EIO (or another backend code) when storage fails; EINVAL for a SHA256SUMS over 1 MiB.
 */
export async function checkSums(mount: Mount, release: Pick<Release, 'version' | 'items'>, file: typeof SHA256SUMS_NAME | typeof SHA512SUMS_NAME = SHA256SUMS_NAME): Promise<Map<string, boolean>> {
  const result = new Map<string, boolean>();
  const text = await readSmallText(mount.backend, joinPath(release.version, file));
  if (text === undefined) return result;
  const sha512 = file === SHA512SUMS_NAME;
  const sums = sha512 ? parseSha512Sums(text) : parseSha256Sums(text);
  for (const item of release.items) {
    const expected = sums.get(item.name);
    if (expected === undefined) continue;
    const recorded = sha512 ? (item.sha512 ?? (await recordedMeta(mount, item))?.sha512) : item.sha256 ?? (await recordedMeta(mount, item))?.sha256;
    if (recorded === undefined) continue;
    result.set(item.name, recorded.toLowerCase() === expected);
  }
  return result;
}

async function recordedMeta(mount: Mount, item: Item) {
  const entry = { path: item.path, kind: 'file' as const, size: item.size, mtime: item.mtime, etag: item.etag, contentType: item.contentType };
  return mount.meta.get(item.path, entry);
}
