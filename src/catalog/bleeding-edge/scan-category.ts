/**
 * One scan of one bleeding-edge category: list the category once, list only the releases that
 * are new, changed (change event, folder stamp), still settling, or due for re-verification,
 * check SHA256SUMS, and prune by retention. Derived from storage only, so it is idempotent and
 * safe to run on several daemons over the same storage at once.
 */
import type { Logger } from 'pino';
import type { Entry } from '../../vfs/types.ts';
import type { LockStore } from '../../webdav/context.ts';
import type { Item } from '../types.ts';
import { isVfsError } from '../../vfs/errors.ts';
import { baseName } from '../../vfs/path.ts';
import { isJunk, isItemName } from './junk.ts';
import { releaseFacts, type ReleaseFacts } from './release-facts.ts';
import { planRetention } from './retention.ts';
import { checkSums, SHA256SUMS_NAME } from './sha256sums.ts';
import type { CategoryScanState, KnownRelease } from './scan-state.ts';

/** Outcome of scanning one category. */
export interface ScanResult {
  category: string;
  /** Releases that became visible or changed after settling (not reported on a scanner's first scan). */
  published: string[];
  /** Releases removed by retention in this scan. */
  pruned: string[];
  /** Releases that disappeared from storage by other means (another daemon, an admin). */
  vanished: string[];
  /** Releases still being uploaded. */
  settling: string[];
  /** Items whose recorded SHA-256 disagrees with the release's SHA256SUMS (all known, not only new). */
  mismatches: { version: string; name: string }[];
  /** Set when the scan failed (storage unreachable); partial work may have been done. */
  error?: string;
}

/** Everything one category scan needs. */
export interface CategoryScanInput {
  slug: string;
  state: CategoryScanState;
  settleSeconds: number;
  rules: { keep: number; maxAgeDays: number };
  locks: LockStore;
  log: Logger;
  now: () => Date;
  /** Settled releases re-listed per scan even without a change hint (S3 prefixes carry no time). */
  reverifyPerScan: number;
}

/** Release folders listed at once (a first scan of a big S3 category lists every release). */
const LIST_CONCURRENCY = 8;

/** Maps with at most `limit` calls in flight, results in input order. */
async function mapLimited<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

async function collect(it: AsyncIterable<Entry>): Promise<Entry[]> {
  const out: Entry[] = [];
  for await (const e of it) out.push(e);
  return out;
}

function stampOf(folder: Entry): string {
  const t = folder.mtime.getTime();
  return `${t > 0 ? t : ''}|${folder.etag ?? ''}`;
}

/**
 * Lists one release; undefined if it vanished meanwhile. An empty folder whose listing carries no
 * time (an S3 common prefix) is dated by when this scanner first saw it (`firstSeen`, ms).
 * @throws VfsError other than ENOENT
 */
async function listRelease(input: CategoryScanInput, version: string, folder: Entry | undefined, firstSeen: number): Promise<ReleaseFacts | undefined> {
  try {
    const children = await collect(input.state.mount.backend.list(version, { fresh: true }));
    const timed = folder && folder.mtime.getTime() > 0 ? folder : { path: version, kind: 'dir' as const, size: 0, mtime: new Date(firstSeen) };
    return releaseFacts(children, timed, input.settleSeconds, input.now());
  } catch (err) {
    if (isVfsError(err, 'ENOENT') || isVfsError(err, 'ENOTDIR')) return undefined;
    throw err;
  }
}

function itemsOf(version: string, facts: ReleaseFacts): Item[] {
  return facts.files
    .filter((f) => isItemName(baseName(f.path)))
    .map((f) => ({ name: baseName(f.path), path: f.path, size: f.size, mtime: f.mtime, etag: f.etag, contentType: f.contentType }));
}

/** Checks SHA256SUMS when the release changed or some hash was still unknown last time. */
async function verifySums(input: CategoryScanInput, version: string, known: KnownRelease): Promise<void> {
  const { facts } = known;
  if (known.sumsCheckedFor === facts.fingerprint) return;
  if (!facts.files.some((f) => baseName(f.path) === SHA256SUMS_NAME)) {
    known.mismatches = [];
    known.sumsCheckedFor = facts.fingerprint;
    return;
  }
  const items = itemsOf(version, facts);
  const verdict = await checkSums(input.state.mount, { version, items });
  const before = new Set(known.mismatches);
  known.mismatches = [...verdict].filter(([, ok]) => !ok).map(([name]) => name);
  for (const name of known.mismatches) {
    if (!before.has(name)) input.log.warn({ category: input.slug, release: version, item: name }, 'bleeding-edge: SHA-256 of item disagrees with SHA256SUMS');
  }
  const listed = items.filter((i) => i.name !== SHA256SUMS_NAME).length;
  // Only settle the verdict once every listed item had a recorded hash (the hasher may lag).
  if (verdict.size >= listed) known.sumsCheckedFor = facts.fingerprint;
}

/**
 * Removes one release with its files (S3: batch deletes) and sidecars; missing parts are fine
 * (another daemon got there first). @returns false if the files were already gone.
 * @throws VfsError other than ENOENT
 */
async function pruneRelease(input: CategoryScanInput, version: string): Promise<boolean> {
  const { backend, meta } = input.state.mount;
  let removed = true;
  try {
    await backend.remove(version, { recursive: true });
  } catch (err) {
    // A concurrent remover (another daemon) can make a recursive delete trip over vanished
    // children; what counts is whether the folder is gone now.
    if (!isVfsError(err, 'ENOENT') && (await listRelease(input, version, undefined, 0)) !== undefined) throw err;
    removed = false;
  }
  try {
    await meta.remove(version);
  } catch (err) {
    if (!isVfsError(err, 'ENOENT')) throw err;
  }
  const { keep, maxAgeDays } = input.rules;
  if (removed) input.log.info({ category: input.slug, release: version, keep, maxAgeDays }, 'bleeding-edge: pruned release');
  return removed;
}

/**
 * Scans one category and updates `input.state`.
 * @throws never: storage failures are reported in `ScanResult.error` (and logged).
 */
export async function scanCategory(input: CategoryScanInput): Promise<ScanResult> {
  const { slug, state } = input;
  const result: ScanResult = { category: slug, published: [], pruned: [], vanished: [], settling: [], mismatches: [] };
  try {
    await scanSteps(input, result);
  } catch (err) {
    result.error = err instanceof Error ? err.message : String(err);
    input.log.error({ category: slug, err }, 'bleeding-edge: scan failed');
  }
  for (const [version, known] of state.releases) {
    for (const name of known.mismatches) result.mismatches.push({ version, name });
  }
  state.scanned = true;
  return result;
}

async function scanSteps(input: CategoryScanInput, result: ScanResult): Promise<void> {
  const { state } = input;
  const folders = new Map<string, Entry>();
  for (const e of await collect(state.mount.backend.list('', { fresh: true }))) {
    const name = baseName(e.path);
    if (e.kind === 'dir' && !isJunk(name)) folders.set(name, e);
  }
  for (const version of [...state.releases.keys()]) {
    if (!folders.has(version)) {
      state.releases.delete(version);
      if (state.scanned) result.vanished.push(version);
    }
  }
  // Re-verify the settled releases listed longest ago, a few per scan.
  const reverify = new Set(
    [...state.releases].filter(([, k]) => !k.facts.settling).sort((a, b) => a[1].listedAt - b[1].listedAt)
      .slice(0, input.reverifyPerScan).map(([v]) => v),
  );
  const dirty = new Set(state.dirty);
  state.dirty.clear();
  const due = [...folders].filter(([version, folder]) => {
    const known = state.releases.get(version);
    return !known || known.facts.settling || dirty.has(version) || reverify.has(version) || known.folderStamp !== stampOf(folder);
  });
  const listed = await mapLimited(due, LIST_CONCURRENCY, ([version, folder]) =>
    listRelease(input, version, folder, state.releases.get(version)?.firstSeenAt ?? input.now().getTime()));
  for (const [idx, [version, folder]] of due.entries()) {
    const known = state.releases.get(version);
    const facts = listed[idx];
    if (!facts) {
      if (known) { state.releases.delete(version); if (state.scanned) result.vanished.push(version); }
      continue;
    }
    const wasVisible = known !== undefined && !known.facts.settling;
    const changed = !known || known.facts.fingerprint !== facts.fingerprint;
    const next: KnownRelease = { facts, folderStamp: stampOf(folder), listedAt: Date.now(), firstSeenAt: known?.firstSeenAt ?? facts.date.getTime(), sumsCheckedFor: known?.sumsCheckedFor, mismatches: known?.mismatches ?? [] };
    state.releases.set(version, next);
    if (facts.settling) continue;
    if (state.scanned && (changed || !wasVisible) && facts.files.length > 0) result.published.push(version);
  }
  // SHA256SUMS of changed releases, and of those whose hashes were not all recorded yet (no listing needed).
  for (const [version, known] of state.releases) if (!known.facts.settling) await verifySums(input, version, known);
  for (const [version, k] of state.releases) if (k.facts.settling) result.settling.push(version);
  await applyRetention(input, result);
}

async function applyRetention(input: CategoryScanInput, result: ScanResult): Promise<void> {
  const { state, rules } = input;
  if (rules.keep <= 0 && rules.maxAgeDays <= 0) return;
  // Empty folders are not releases: never counted, never pruned (a build server may MKCOL long before its first PUT).
  const candidates = await Promise.all([...state.releases].filter(([, k]) => k.facts.files.length > 0).map(async ([version, k]) => ({
    version, date: k.facts.date, settling: k.facts.settling,
    locked: (await input.locks.covering(input.slug, version, true)).length > 0,
  })));
  for (const version of planRetention(candidates, rules, input.now())) {
    // Look again right before deleting: an upload may have started into it since we listed it.
    const fresh = await listRelease(input, version, undefined, state.releases.get(version)?.firstSeenAt ?? input.now().getTime());
    if (fresh?.settling) {
      const k = state.releases.get(version);
      if (k) k.facts = fresh;
      result.settling.push(version);
      continue;
    }
    if ((await input.locks.covering(input.slug, version, true)).length > 0) continue;
    const removed = fresh !== undefined && (await pruneRelease(input, version));
    state.releases.delete(version);
    (removed ? result.pruned : result.vanished).push(version);
    result.published = result.published.filter((v) => v !== version);
  }
}
