/**
 * Files that belong to an item rather than being items: detached signatures (`<item>.sig`,
 * `<item>.minisig`, `<item>.asc`) and electron-builder's `<item>.blockmap`. They are served by
 * /dl, shown with their item, and never listed as items. A file named like one whose item does
 * not exist stays an item. Pure functions.
 */
import type { SignatureFile } from './types.ts';

/** Largest signature file read to tell its kind (minisign and OpenPGP signatures are < 2 KiB). */
export const SIGNATURE_MAX_BYTES = 16 * 1024;

const SUFFIX = /\.(sig|minisig|asc|blockmap)$/i;

/** What an attachment is to its item. */
export type AttachmentRole = 'signature' | 'blockmap';

/**
 * If `name` is an attachment of an item in `itemNames`, the item's name and the role; else undefined.
 * @throws never
 */
export function attachmentOf(name: string, itemNames: ReadonlySet<string>): { item: string; role: AttachmentRole } | undefined {
  const m = SUFFIX.exec(name);
  if (!m) return undefined;
  const item = name.slice(0, m.index);
  if (!itemNames.has(item) || SUFFIX.test(item)) return undefined;
  return { item, role: m[1]!.toLowerCase() === 'blockmap' ? 'blockmap' : 'signature' };
}

const MINISIGN = /^untrusted comment:/;

/**
 * Tells a signature file's kind from its bytes: minisign text, Tauri's base64 of minisign text,
 * armored or binary OpenPGP. `.asc` is OpenPGP by convention when the content is not minisign.
 * @throws never
 */
export function classifySignature(name: string, bytes: Buffer): SignatureFile {
  const text = bytes.toString('utf8').replace(/^\uFEFF/, '');
  if (MINISIGN.test(text)) return { name, kind: 'minisign', tauri: Buffer.from(text).toString('base64') };
  const compact = text.trim();
  if (/^[A-Za-z0-9+/=\r\n]+$/.test(compact) && compact.length >= 16) {
    const decoded = Buffer.from(compact.replace(/\s+/g, ''), 'base64').toString('utf8');
    if (MINISIGN.test(decoded)) return { name, kind: 'minisign', tauri: compact.replace(/\s+/g, '') };
  }
  if (text.startsWith('-----BEGIN PGP SIGNATURE-----')) return { name, kind: 'gpg' };
  // A binary OpenPGP packet: the first byte has its high bit set (old or new packet format), tag 2 = signature.
  const b0 = bytes[0];
  if (b0 !== undefined && (b0 & 0x80) !== 0) {
    const tag = (b0 & 0x40) !== 0 ? b0 & 0x3f : (b0 >> 2) & 0x0f;
    if (tag === 2) return { name, kind: 'gpg' };
  }
  return { name, kind: /\.asc$/i.test(name) ? 'gpg' : 'unknown' };
}
