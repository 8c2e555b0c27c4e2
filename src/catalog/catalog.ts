/**
 * The catalog: categories → releases → items, derived from the storage and cached per category.
 * A category is built once, then refreshed incrementally on our own writes (bus 'change': one
 * root listing plus the touched releases) and fully in the background every `refreshSeconds`
 * (outside changes). Visitors are served from the cache; only a category touched by our own
 * writes makes the next reader wait for its (small) refresh.
 */
import type { Logger } from '../log.ts';
import type { Metrics } from '../metrics.ts';
import { announceChange, type ChangeBus, type ChangeEvent, type Mount, type StateProvider } from '../vfs/mount.ts';
import type { Entry } from '../vfs/types.ts';
import type { Digests } from '../vfs/sha256-offload.ts';
import { VfsError, isVfsError } from '../vfs/errors.ts';
import { baseName } from '../vfs/path.ts';
import { buildRelease, errText, type BuiltRelease } from './build-release.ts';
import { rulesFor } from './category-rules.ts';
import { createHasher, type HashFile, type Hasher } from './hasher.ts';
import { isReleaseName } from './item-names.ts';
import type { Catalog, Release } from './types.ts';
import { compareVersions } from './version-order.ts';

/** Dependencies of {@link createCatalog}. */
export interface CatalogDeps {
  getState: StateProvider;
  bus: ChangeBus;
  log: Logger;
  metrics?: Metrics;
  /** Seconds between background refreshes of every built category (default 60; 0 = never). */
  refreshSeconds?: number;
  /** Hashes files without a recorded SHA-256 (background); without it digests stay unknown. */
  hashFile?: HashFile;
  /** Files hashed at once (default 2). */
  hashConcurrency?: number;
  /** Releases built at once during a refresh (default 8). */
  buildConcurrency?: number;
  /**
   * The hasher lease (several instances on one Redis): only its holder hashes, and on taking it
   * over it builds every category so it finds the files still to hash. Absent = this process
   * always hashes what its own catalog finds (one process).
   */
  hashLease?: { readonly held: boolean };
}

interface CategoryCache {
  mount: Mount;
  built: Map<string, BuiltRelease>;
  releases: Release[];
  byVersion: Map<string, Release>;
  loaded: boolean;
  /** Bumped whenever `releases` may have changed (a rebuild, a digest patched in). */
  generation: number;
  /** Releases touched by our own writes since the last refresh ('all' = relist everything). */
  dirty: Set<string> | 'all' | null;
  inflight?: Promise<void>;
  /** The in-flight rebuild when it applies changes (dirty marks, first load): readers wait for it. */
  applying?: Promise<void>;
}

/** How often the catalog looks whether this instance has just taken the hasher lease, ms. */
const LEASE_POLL_MS = 1000;

/** A {@link Catalog} with its background hasher exposed for tests and the composition root. */
export interface CatalogWithHasher extends Catalog {
  readonly hasher?: Hasher;
}

/**
 * Creates the catalog and subscribes to the change bus. Reads throw VfsError EIO when a category
 * was never built and its storage fails; later failures keep serving the last good data.
 * @throws never
 */
export function createCatalog(deps: CatalogDeps): CatalogWithHasher {
  const { getState, bus, log } = deps;
  const caches = new Map<string, CategoryCache>();
  const buildConcurrency = deps.buildConcurrency ?? 8;

  const hasher = deps.hashFile
    ? createHasher({
        getState, log, hashFile: deps.hashFile, concurrency: deps.hashConcurrency, lease: deps.hashLease,
        onHashed: (slug, path, sha) => {
          patchSha(slug, path, sha);
          // The sidecar changed: other instances drop their cached copy and show the digest too.
          if (deps.hashLease) void announceChange(bus, { category: slug, path, op: 'props' });
        },
      })
    : undefined;

  function patchSha(slug: string, path: string, d: Digests) {
    const c = caches.get(slug);
    const rel = c?.byVersion.get(path.split('/')[0]!);
    const item = rel?.items.find((i) => i.path === path);
    if (item) Object.assign(item, { sha256: d.sha256, sha384: d.sha384, sha512: d.sha512 });
    if (item) c!.generation++;
  }

  function cacheFor(slug: string): CategoryCache | undefined {
    const mount = getState().mounts.get(slug);
    if (!mount) {
      caches.delete(slug);
      return undefined;
    }
    let c = caches.get(slug);
    if (!c || c.mount !== mount) {
      c = { mount, built: new Map(), releases: [], byVersion: new Map(), loaded: false, generation: 0, dirty: 'all' };
      caches.set(slug, c);
    }
    return c;
  }

  async function refresh(slug: string, c: CategoryCache, full: boolean): Promise<void> {
    while (c.inflight) await c.inflight.catch(() => undefined);
    if (!full && c.loaded && !c.dirty) return;
    const which = full || !c.loaded || c.dirty === 'all' ? 'all' : c.dirty ?? new Set<string>();
    const appliesChanges = !c.loaded || c.dirty !== null;
    c.dirty = null;
    c.inflight = rebuild(slug, c, which).finally(() => { c.inflight = undefined; c.applying = undefined; });
    // A reader that comes while changes are being applied must see them, not the list before
    // (concurrent requests right after a write); a periodic refresh with nothing marked doesn't block.
    if (appliesChanges) c.applying = c.inflight;
    await c.inflight;
  }

  async function rebuild(slug: string, c: CategoryCache, which: 'all' | Set<string>): Promise<void> {
    const started = Date.now();
    const rules = rulesFor(c.mount.category);
    const folders: Entry[] = [];
    try {
      for await (const e of c.mount.backend.list('')) {
        if (e.kind === 'dir' && isReleaseName(baseName(e.path))) folders.push(e);
      }
    } catch (err) {
      if (isVfsError(err, 'ENOENT')) {
        folders.length = 0; // the category folder does not exist (yet): no releases
      } else {
        log.warn({ category: slug, err: errText(err) }, 'catalog: cannot list the category');
        if (!c.loaded) throw new VfsError('EIO', `category ${slug} is not reachable`, { cause: err });
        return;
      }
    }
    const next = new Map<string, BuiltRelease>();
    const toHash: Entry[] = [];
    let i = 0;
    const worker = async () => {
      while (i < folders.length) {
        const folder = folders[i++]!;
        const version = baseName(folder.path);
        const prev = c.built.get(version);
        const touched = which === 'all' || which.has(version) || !prev;
        if (!touched && prev) {
          next.set(version, prev);
          continue;
        }
        try {
          const reuse = which === 'all' ? prev : prev && { ...prev, itemKeys: new Map() };
          next.set(version, await buildRelease({
            slug, mount: c.mount, folder, previous: reuse, rules, log,
            needsHash: (_s, e) => toHash.push(e),
          }));
        } catch (err) {
          if (isVfsError(err, 'ENOENT')) continue;
          log.warn({ category: slug, release: version, err: errText(err) }, 'catalog: cannot list a release');
          if (prev) next.set(version, prev);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(buildConcurrency, Math.max(1, folders.length)) }, worker));

    const list = [...next.values()].map((b) => b.release);
    list.sort((a, b) => b.date.getTime() - a.date.getTime() || compareVersions(b.version, a.version));
    if (rules.changelogNotes) {
      const byV = new Map([...next.values()].map((b) => [b.release.version, b]));
      list.forEach((r, idx) => {
        const cur = byV.get(r.version)?.changelog;
        const older = list[idx + 1] && byV.get(list[idx + 1]!.version)?.changelog;
        r.notes = cur === undefined ? undefined : rules.changelogNotes!(older, cur);
      });
    }
    c.built = next;
    c.releases = list;
    c.byVersion = new Map(list.map((r) => [r.version, r]));
    c.loaded = true;
    c.generation++;
    // Queued only now, so a quick hash finds the item in the cache to patch.
    for (const e of toHash) hasher?.enqueue(slug, e);
    log.debug({ category: slug, releases: list.length, ms: Date.now() - started }, 'catalog: refreshed');
  }

  async function releasesOf(slug: string): Promise<CategoryCache | undefined> {
    const c = cacheFor(slug);
    if (!c) return undefined;
    if (c.applying) await c.applying.catch(() => undefined);
    if (!c.loaded || c.dirty) await refresh(slug, c, false);
    return c;
  }

  const onChange = (ev: ChangeEvent) => {
    mark(ev.category, ev.path);
    if (ev.from !== undefined) mark(ev.fromCategory ?? ev.category, ev.from);
  };
  function mark(slug: string, path: string) {
    const c = caches.get(slug);
    if (!c) return;
    const top = path.split('/')[0]!;
    if (top === '') c.dirty = 'all';
    else if (!isReleaseName(top)) return; // sidecars and hidden files do not change the catalog
    else if (c.dirty === null) c.dirty = new Set([top]);
    else if (c.dirty !== 'all') c.dirty.add(top);
  }
  bus.on('change', onChange);

  const periodMs = (deps.refreshSeconds ?? 60) * 1000;
  const timer = periodMs > 0
    ? setInterval(() => {
        for (const [slug, c] of caches) {
          if (!c.loaded || c.inflight) continue;
          refresh(slug, c, true).catch((err) => log.warn({ category: slug, err: errText(err) }, 'catalog: refresh failed'));
        }
      }, periodMs)
    : undefined;
  timer?.unref();

  // Taking the hasher lease over: build every category now, so files the previous holder did not
  // hash yet (or that appeared meanwhile) are queued without waiting for a visitor or a refresh.
  let leaseWasHeld = false;
  const leaseTimer = hasher && deps.hashLease
    ? setInterval(() => {
        const held = deps.hashLease!.held;
        if (held && !leaseWasHeld) {
          for (const slug of getState().mounts.keys()) {
            const c = cacheFor(slug);
            if (c) refresh(slug, c, true).catch((err) => log.warn({ category: slug, err: errText(err) }, 'catalog: refresh failed'));
          }
        }
        leaseWasHeld = held;
      }, LEASE_POLL_MS)
    : undefined;
  leaseTimer?.unref();

  return {
    hasher,
    async releases(slug) {
      return (await releasesOf(slug))?.releases;
    },
    async release(slug, version) {
      return (await releasesOf(slug))?.byVersion.get(version);
    },
    async generation(slug) {
      return (await releasesOf(slug))?.generation;
    },
    invalidate(slug) {
      for (const [s, c] of caches) if (slug === undefined || s === slug) c.dirty = 'all';
    },
    async close() {
      if (timer) clearInterval(timer);
      if (leaseTimer) clearInterval(leaseTimer);
      bus.off('change', onChange);
      await hasher?.close();
    },
  };
}
