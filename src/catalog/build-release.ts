/**
 * Builds one {@link Release} from a release folder: lists its files once, reads release.yaml and
 * CHANGELOG only when they changed, and takes SHA-256 from the sidecars (never hashing here).
 */
import type { Logger } from '../log.ts';
import type { Mount } from '../vfs/mount.ts';
import type { Entry } from '../vfs/types.ts';
import { baseName } from '../vfs/path.ts';
import { isChangelogName, isHiddenName, isItemName, RELEASE_YAML } from './item-names.ts';
import { readSmallText } from './read-text.ts';
import { parseReleaseYaml, RELEASE_YAML_MAX_BYTES, type ReleaseYaml } from './release-yaml.ts';
import type { CategoryRules } from './category-rules.ts';
import type { Item, Release } from './types.ts';
import { checkSums, SHA256SUMS_NAME } from './bleeding-edge/index.ts';

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
  const items: Item[] = [];
  for (const f of files) {
    const name = baseName(f.path);
    if (!isItemName(name)) continue;
    const k = keyOf(f);
    out.itemKeys.set(name, k);
    const old = prevItems.get(name);
    if (old && previous?.itemKeys.get(name) === k && old.sha256) {
      items.push(old);
      continue;
    }
    const item: Item = { name, path: f.path, size: f.size, mtime: f.mtime, etag: f.etag, contentType: f.contentType };
    try {
      const meta = await mount.meta.get(f.path, f);
      if (meta?.sha256) item.sha256 = meta.sha256;
      if (meta?.mtime) {
        const d = new Date(meta.mtime);
        if (!Number.isNaN(d.getTime())) item.mtime = d;
      }
    } catch (err) {
      log.warn({ category: slug, path: f.path, err: errText(err) }, 'catalog: cannot read the sidecar');
    }
    if (!item.sha256) inp.needsHash(slug, f);
    items.push(item);
  }
  items.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  if (files.some((f) => baseName(f.path) === SHA256SUMS_NAME)) await markMismatches(inp, version, items);

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
  };
  if (settle !== undefined && newest + settle * 1000 > Date.now()) out.release.settling = true;
  return out;
}

/** Sets `sha256Mismatch` on items whose recorded hash disagrees with the release's SHA256SUMS. */
async function markMismatches(inp: BuildReleaseInput, version: string, items: Item[]): Promise<void> {
  try {
    const sums = await checkSums(inp.mount, { version, items });
    for (const item of items) {
      if (sums.get(item.name) === false) item.sha256Mismatch = true;
      else delete item.sha256Mismatch;
    }
  } catch (err) {
    inp.log.warn({ category: inp.slug, release: version, err: errText(err) }, 'catalog: cannot check SHA256SUMS');
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
