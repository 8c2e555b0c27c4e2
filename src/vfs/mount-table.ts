/**
 * The mount table: each configured category → its backend (a local folder or an S3 prefix),
 * wrapped so clients never see the reserved `.releasedav/` folder, then cached; plus the
 * category's metadata sidecar store over the unwrapped backend.
 */
import { mkdirSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import type { S3Client } from '@aws-sdk/client-s3';
import { createLocalBackend } from '../backends/local.ts';
import { ConfigError } from '../config/load.ts';
import type { CategoryConfig, Config } from '../config/schema.ts';
import type { Logger } from '../log.ts';
import type { Metrics } from '../metrics.ts';
import { withCache } from './cache.ts';
import { listPages } from './list-pages.ts';
import { VfsError } from './errors.ts';
import { RESERVED_DIR, createMetaStore } from './meta-store.ts';
import type { Mount } from './mount.ts';
import { normalizePath } from './path.ts';
import type { Backend } from './types.ts';
import type { TransferBudget } from './transfer-budget.ts';

/** What the mount table needs from the composition root. */
export interface MountTableDeps {
  log: Logger;
  metrics?: Metrics;
  /** The process's transfer memory budget, shared by every local backend's reads and uploads. */
  budget?: TransferBudget;
  /** Present when storage.s3 is configured: the shared client and a backend factory per prefix. */
  s3?: { client: S3Client; createBackend(o: { prefix: string }): Backend };
}

/** Where a category lives: a local folder (absolute) or an S3 prefix ("" or "a/b/"). */
export type Location = { kind: 'local'; path: string } | { kind: 's3'; prefix: string };

const S3_SCHEME = /^s3:\/\//i;

/**
 * Resolves a category `directory`: `/abs` as is; `relative` against storage.local.root (itself
 * relative to `cwd`); `s3://prefix` / `s3://` (scheme case-insensitive, prefix case-sensitive).
 * @throws ConfigError for an S3 prefix with `.`/`..` segments or forbidden characters
 */
export function resolveLocation(directory: string, localRoot: string, cwd = process.cwd()): Location {
  if (S3_SCHEME.test(directory)) {
    let prefix: string;
    try {
      prefix = normalizePath(directory.slice('s3://'.length));
    } catch (e) {
      throw new ConfigError(`category directory ${JSON.stringify(directory)}: ${(e as Error).message}`);
    }
    return { kind: 's3', prefix: prefix === '' ? '' : `${prefix}/` };
  }
  return { kind: 'local', path: isAbsolute(directory) ? resolve(directory) : resolve(cwd, localRoot, directory) };
}

const isReserved = (p: string) => p === RESERVED_DIR || p.startsWith(`${RESERVED_DIR}/`);
const hidden = (p: string) => new VfsError('ENOENT', `not found: /${p}`);

/**
 * Hides the reserved folder: any path whose first segment is `.releasedav` is ENOENT, and the
 * root listing never shows it.
 * @throws never (the returned backend throws ENOENT for reserved paths)
 */
export function hideReserved(b: Backend): Backend {
  const guard = (...paths: string[]) => {
    const bad = paths.find(isReserved);
    if (bad !== undefined) throw hidden(bad);
  };
  const out: Backend = {
    caps: b.caps,
    description: b.description,
    stat: async (p) => (guard(p), b.stat(p)),
    async *list(p, o) {
      guard(p);
      for await (const e of b.list(p, o)) if (!isReserved(e.path)) yield e;
    },
    async *listPages(p, o) {
      guard(p);
      for await (const page of listPages(b, p, o)) {
        // Only the root's listing can hold the reserved folder.
        const shown = p === '' && page.some((e) => isReserved(e.path)) ? page.filter((e) => !isReserved(e.path)) : page;
        if (shown.length) yield shown;
      }
    },
    read: async (p, o) => (guard(p), b.read(p, o)),
    write: async (p, body, o) => {
      if (isReserved(p)) {
        body.destroy();
        throw hidden(p);
      }
      return b.write(p, body, o);
    },
    mkdir: async (p) => (guard(p), b.mkdir(p)),
    remove: async (p, o) => (guard(p), b.remove(p, o)),
    move: async (from, to, o) => (guard(from, to), b.move(from, to, o)),
    copy: async (from, to, o) => (guard(from, to), b.copy(from, to, o)),
  };
  if (b.presignGet) out.presignGet = async (p, o) => (guard(p), b.presignGet!(p, o));
  if (b.quota) out.quota = b.quota.bind(b);
  if (b.close) out.close = b.close.bind(b);
  return out;
}

function rawBackend(c: CategoryConfig, loc: Location, deps: MountTableDeps): Backend {
  if (loc.kind === 's3') {
    if (!deps.s3) throw new ConfigError(`category "${c.slug}": directory ${c.directory} needs storage.s3 to be configured`);
    if (loc.prefix === '') deps.log.warn({ category: c.slug }, 'category uses the whole bucket (s3://): every key in it is part of this category');
    return deps.s3.createBackend({ prefix: loc.prefix });
  }
  try {
    mkdirSync(loc.path, { recursive: true });
  } catch (e) {
    throw new ConfigError(`category "${c.slug}": cannot create the folder ${loc.path} (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  return createLocalBackend(loc.path, { log: deps.log, budget: deps.budget });
}

/** True if one location lies within (or equals) the other. */
function overlaps(a: Location, b: Location): boolean {
  if (a.kind === 'local' && b.kind === 'local') {
    const [x, y] = [a.path + '/', b.path + '/'];
    return x.startsWith(y) || y.startsWith(x);
  }
  if (a.kind === 's3' && b.kind === 's3') return a.prefix.startsWith(b.prefix) || b.prefix.startsWith(a.prefix);
  return false;
}

/**
 * Builds category slug → Mount, in config order. Local folders are created when missing.
 * Overlapping categories are allowed but logged as a warning.
 * @throws ConfigError for an s3:// directory without `deps.s3`, an invalid prefix, or a local
 *   folder that cannot be created
 */
export function createMountTable(config: Config, deps: MountTableDeps): Map<string, Mount> {
  const mounts = new Map<string, Mount>();
  const seen: { slug: string; loc: Location }[] = [];
  for (const category of config.categories) {
    const loc = resolveLocation(category.directory, config.storage.local.root);
    for (const other of seen) {
      if (overlaps(loc, other.loc)) deps.log.warn({ category: category.slug, other: other.slug }, 'categories overlap in storage');
    }
    seen.push({ slug: category.slug, loc });
    const raw = rawBackend(category, loc, deps);
    const backend = withCache(hideReserved(raw), { ttlMs: config.cache.ttlSeconds * 1000, max: config.cache.maxEntries, metrics: deps.metrics });
    mounts.set(category.slug, { category, backend, meta: createMetaStore(raw) });
  }
  return mounts;
}
