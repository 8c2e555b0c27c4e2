/**
 * Creates the local storage root and local category folders on first start (`./data/...`).
 */
import { mkdir } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import type { Config } from '../config/schema.ts';

/** Absolute folder of a local category, or undefined for an s3:// category. @throws never */
export function localCategoryDir(cfg: Config, directory: string, cwd = process.cwd()): string | undefined {
  if (/^s3:\/\//i.test(directory)) return undefined;
  return isAbsolute(directory) ? directory : resolve(cwd, cfg.storage.local.root, directory);
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
