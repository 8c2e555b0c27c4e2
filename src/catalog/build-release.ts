/**
 * Builds one {@link Release} from a release folder: lists its files once, reads release.yaml and
 * CHANGELOG only when they changed, and takes SHA-256 from the sidecars (never hashing here).
 */
import type { Logger } from '../log.ts';
import type { Mount } from '../vfs/mount.ts';
import type { Entry } from '../vfs/types.ts';
import { baseName } from '../vfs/path.ts';
import { isVfsError } from '../vfs/errors.ts';
import { isChangelogName, isHiddenName, isItemName, RELEASE_YAML } from './item-names.ts';
import { readSmallText } from './read-text.ts';
import { parseReleaseYaml, RELEASE_YAML_MAX_BYTES, type ReleaseYaml } from './release-yaml.ts';
import type { CategoryRules } from './category-rules.ts';
import type { Item, Release, SignatureFile } from './types.ts';
import { attachmentOf, classifySignature, SIGNATURE_MAX_BYTES } from './attachments.ts';
import { archOf, platformOf } from './platform.ts';
import { checkSums, SHA256SUMS_NAME, SHA512SUMS_NAME } from './bleeding-edge/index.ts';

/** Largest CHANGELOG read, bytes. */
const CHANGELOG_MAX_BYTES = 1024 * 1024;

/** What a build remembers so the next build of the same folder reads only what changed. */
export interface BuiltRelease {
  release: Release;
  /** Version of the release.yaml we parsed (size:etag:mtime), and its result. */
  yamlKey?: string;
  yaml?: ReleaseYaml;
  changelogKey?: string;
  changelog?: string;
  /** Items by name, with the entry key they were built from. */
  itemKeys: Map<string, string>;
  /** Signature files read, by name: entry key and what they were found to be. */
  signatures?: Map<string, { key: string; sig: SignatureFile }>;
}


/** Inputs of {@link buildRelease}. */
export interface BuildReleaseInput {
  slug: string;
  mount: Mount;
  /** The release folder's entry (from listing the category root). */
  folder: Entry;
  previous?: BuiltRelease;
  rules: CategoryRules;
  log: Logger;
  /** Called for files whose SHA-256 is unknown, so a background job hashes them. */
  needsHash(slug: string, entry: Entry): void;
}

const keyOf = (e: Entry) => `${e.size}:${e.etag ?? ''}:${e.mtime.getTime()}`;

/**
 * Lists one release folder and assembles its release.
 * @throws VfsError from the backend listing (ENOENT if the folder vanished, EIO…);
 *   broken release.yaml / unreadable sidecars are logged and ignored.
 */
export async function buildRelease(inp: BuildReleaseInput): Promise<BuiltRelease> {
  const { mount, folder, previous, slug, log } = inp;
  const version = baseName(folder.path);
  const files: Entry[] = [];
  for await (const e of mount.backend.list(folder.path)) if (e.kind === 'file') files.push(e);

  const out: BuiltRelease = { release: undefined as unknown as Release, itemKeys: new Map() };
  const yamlEntry = files.find((f) => baseName(f.path) === RELEASE_YAML);
  if (yamlEntry) {
    const k = keyOf(yamlEntry);
    if (previous?.yamlKey === k) {
      out.yamlKey = k;
      out.yaml = previous.yaml;
    } else {
      out.yamlKey = k;
      out.yaml = await readReleaseYaml(inp, yamlEntry);
    }
  }
  const clEntry = files.find((f) => isChangelogName(baseName(f.path)));
  if (clEntry) {
    const k = keyOf(clEntry);
    out.changelogKey = k;
    out.changelog = previous?.changelogKey === k ? previous.changelog : await readOptional(inp, clEntry.path, CHANGELOG_MAX_BYTES);
  }

  const prevItems = new Map(previous?.release.items.map((i) => [i.name, i]));
  const candidates = files.filter((f) => isItemName(baseName(f.path)));
  const names = new Set(candidates.map((f) => baseName(f.path)));
  const items: Item[] = [];
  const attachments: Item[] = [];
  const roles = new Map<string, { item: string; role: 'signature' | 'blockmap' }>();
  for (const f of candidates) {
    const name = baseName(f.path);
    const role = attachmentOf(name, names);
    if (role) {
      roles.set(name, role);
      attachments.push({ name, path: f.path, size: f.size, mtime: f.mtime, etag: f.etag, contentType: f.contentType });
      continue;
    }
    const k = keyOf(f);
    out.itemKeys.set(name, k);
    const old = prevItems.get(name);
    if (old && previous?.itemKeys.get(name) === k && old.sha256 && old.sha512 && old.sha384) {
      items.push({ ...old });
      continue;
    }
    const item: Item = { name, path: f.path, size: f.size, mtime: f.mtime, etag: f.etag, contentType: f.contentType };
    try {
      const meta = await mount.meta.get(f.path, f);
      if (meta?.sha256) item.sha256 = meta.sha256;
      if (meta?.sha384) item.sha384 = meta.sha384;
      if (meta?.sha512) item.sha512 = meta.sha512;
      if (meta?.mtime) {
        const d = new Date(meta.mtime);
        if (!Number.isNaN(d.getTime())) item.mtime = d;
      }
    } catch (err) {
      log.warn({ category: slug, path: f.path, err: errText(err) }, 'catalog: cannot read the sidecar');
    }
    if (!item.sha256 || !item.sha384 || !item.sha512) inp.needsHash(slug, f);
    items.push(item);
  }
  items.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  attachments.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  out.signatures = new Map();
  const byName = new Map(items.map((i) => [i.name, i]));
  for (const a of attachments) {
    const r = roles.get(a.name)!;
    const item = byName.get(r.item)!;
    if (r.role === 'blockmap') { item.blockmap = a.name; continue; }
    const k = keyOf({ ...a, path: a.path, kind: 'file' });
    const prev = previous?.signatures?.get(a.name);
    const sig = prev?.key === k ? prev.sig : await readSignature(inp, a);
    if (!sig) continue;
    out.signatures.set(a.name, { key: k, sig });
    (item.signatures ??= []).push(sig);
  }
  for (const item of items) {
    const o = out.yaml?.files?.[item.name];
    item.platform = o?.platform ?? platformOf(item.name);
    item.arch = o?.arch ?? archOf(item.name);
    if (o?.edSignature) item.edSignature = o.edSignature;
    else delete item.edSignature;
    if (!item.platform) delete item.platform;
    if (!item.arch) delete item.arch;
  }
  if (files.some((f) => baseName(f.path) === SHA256SUMS_NAME)) await markMismatches(inp, version, items, SHA256SUMS_NAME);
  if (files.some((f) => baseName(f.path) === SHA512SUMS_NAME)) await markMismatches(inp, version, items, SHA512SUMS_NAME);

  const y = out.yaml;
  // Normal releases date by their newest item; bleeding-edge ones by the first-seen file (as the
  // scanner does: every non-hidden file counts, CHANGELOG included), and settle on any change.
  const times = files.filter((f) => !isHiddenName(baseName(f.path))).map((f) => f.mtime.getTime());
  const newest = times.length ? Math.max(...times) : 0;
  const newestItem = items.reduce((t, i) => Math.max(t, i.mtime.getTime()), 0);
  const dated = inp.rules.dateFrom === 'oldest' ? (times.length ? Math.min(...times) : 0) : newestItem;
  const settle = inp.rules.settleSeconds;
  out.release = {
    category: slug,
    version,
    title: y?.title,
    maturity: y?.maturity ?? inp.rules.maturityFromName(version),
    date: y?.date ?? new Date(dated || folder.mtime.getTime()),
    published: y?.published ?? true,
    notesMarkdown: y?.notes,
    items,
    attachments,
    ...(y?.build !== undefined ? { build: y.build } : {}),
    ...(y?.minimumSystemVersion !== undefined ? { minimumSystemVersion: y.minimumSystemVersion } : {}),
  };
  if (settle !== undefined && newest + settle * 1000 > Date.now()) out.release.settling = true;
  return out;
}

/** Sets `sha256Mismatch` on items whose recorded hash disagrees with the release's SHA256SUMS. */
async function markMismatches(inp: BuildReleaseInput, version: string, items: Item[], file: typeof SHA256SUMS_NAME | typeof SHA512SUMS_NAME): Promise<void> {
  const flag = file === SHA256SUMS_NAME ? 'sha256Mismatch' : 'sha512Mismatch';
  try {
    const sums = await checkSums(inp.mount, { version, items }, file);
    for (const item of items) {
      if (sums.get(item.name) === false) item[flag] = true;
      else delete item[flag];
    }
  } catch (err) {
    inp.log.warn({ category: inp.slug, release: version, err: errText(err) }, `catalog: cannot check ${file}`);
  }
}

/** Reads a signature file to tell its kind; an unreadable one is logged and left unlinked (served, never used). */
async function readSignature(inp: BuildReleaseInput, a: Item): Promise<SignatureFile | undefined> {
  if (a.size > SIGNATURE_MAX_BYTES) return { name: a.name, kind: 'unknown' };
  try {
    const stream = await inp.mount.backend.read(a.path);
    const chunks: Buffer[] = [];
    for await (const c of stream) chunks.push(c as Buffer);
    return classifySignature(a.name, Buffer.concat(chunks));
  } catch (err) {
    if (!isVfsError(err, 'ENOENT')) inp.log.warn({ category: inp.slug, path: a.path, err: errText(err) }, 'catalog: cannot read a signature file');
    return undefined;
  }
}

async function readReleaseYaml(inp: BuildReleaseInput, e: Entry): Promise<ReleaseYaml | undefined> {
  const text = await readOptional(inp, e.path, RELEASE_YAML_MAX_BYTES);
  if (text === undefined) return undefined;
  const r = parseReleaseYaml(text);
  if (r.ok) return r.value;
  inp.log.warn({ category: inp.slug, path: e.path, problem: r.error }, 'catalog: ignoring a broken release.yaml');
  return undefined;
}

async function readOptional(inp: BuildReleaseInput, path: string, max: number): Promise<string | undefined> {
  try {
    return await readSmallText(inp.mount.backend, path, max);
  } catch (err) {
    inp.log.warn({ category: inp.slug, path, err: errText(err) }, 'catalog: cannot read a file');
    return undefined;
  }
}

/** A log-safe one-liner for an error (VfsError messages never carry secrets). */
export function errText(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}
