/**
 * Stat with the client quirks folded in: a name not found in the form the client sent is retried
 * in the other Unicode normalisation (Finder sends NFD, others NFC), and misses on Finder/Windows
 * junk names (`._*`, `.DS_Store`, `Thumbs.db`, `desktop.ini`) are remembered briefly, since Finder
 * asks for them on every listing. Any change made through the daemon clears the remembered misses.
 */
import { LRUCache } from 'lru-cache';
import { isVfsError, VfsError } from '../vfs/errors.ts';
import { baseName } from '../vfs/path.ts';
import type { ChangeBus, Mount } from '../vfs/mount.ts';
import type { Entry } from '../vfs/types.ts';

/** Is this a Finder/Windows helper file name? @throws never */
export function isJunkName(name: string): boolean {
  return name.startsWith('._') || name === '.DS_Store' || name === 'Thumbs.db' || name === 'desktop.ini';
}

/** A found entry and the path under which it was found (may differ in normalisation). */
export interface Found { entry: Entry; path: string }

/** Per-process stat helper. */
export class Lookup {
  readonly #misses = new LRUCache<string, true>({ max: 20_000, ttl: 30_000 });
  constructor(bus: ChangeBus) {
    bus.on('change', () => this.#misses.clear());
  }

  /**
   * Stats `path` on `mount`, retrying the other normalisation form on ENOENT.
   * @throws VfsError ENOENT, or whatever the backend throws
   */
  async find(mount: Mount, path: string): Promise<Found> {
    const key = `${mount.category.slug}\0${path}`;
    const junk = isJunkName(baseName(path));
    if (junk && this.#misses.get(key)) throw new VfsError('ENOENT', 'not found');
    try {
      return { entry: await mount.backend.stat(path), path };
    } catch (e) {
      if (!isVfsError(e, 'ENOENT')) throw e;
      for (const form of ['NFC', 'NFD'] as const) {
        const alt = path.normalize(form);
        if (alt === path) continue;
        try {
          return { entry: await mount.backend.stat(alt), path: alt };
        } catch (e2) {
          if (!isVfsError(e2, 'ENOENT')) throw e2;
        }
      }
      if (junk) this.#misses.set(key, true);
      throw e;
    }
  }

  /** Like {@link find} but undefined instead of ENOENT. @throws VfsError other than ENOENT */
  async tryFind(mount: Mount, path: string): Promise<Found | undefined> {
    try {
      return await this.find(mount, path);
    } catch (e) {
      if (isVfsError(e, 'ENOENT')) return undefined;
      throw e;
    }
  }
}
