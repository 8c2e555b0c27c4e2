/**
 * Creates the local storage root and local category folders on first start (`./data/...`).
 */
import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Config } from '../config/schema.ts';
import { resolveLocation } from '../vfs/mount-table.ts';

/** Absolute folder of a local category, or undefined for an s3:// category. @throws ConfigError for a bad s3 prefix */
export function localCategoryDir(cfg: Config, directory: string, cwd = process.cwd()): string | undefined {
  const loc = resolveLocation(directory, cfg.storage.local.root, cwd);
  return loc.kind === 'local' ? loc.path : undefined;
}

/**
 * Ensures the local root and every local category folder exist.
 * @returns the folders that were created.
 * @throws Error (fs) when a folder cannot be created (e.g. permissions); the message names the folder.
 */
export async function ensureDataDirs(cfg: Config, cwd = process.cwd()): Promise<string[]> {
  const created: string[] = [];
  const dirs = cfg.categories.map((c) => localCategoryDir(cfg, c.directory, cwd)).filter((d): d is string => d !== undefined);
  if (dirs.length > 0) dirs.unshift(resolve(cwd, cfg.storage.local.root));
  for (const d of dirs) {
    try {
      const first = await mkdir(d, { recursive: true });
      if (first !== undefined) created.push(d);
    } catch (e) {
      throw new Error(`cannot create the data folder ${d} (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
    }
  }
  return created;
}
