/**
 * A folder listing a page at a time, from any backend: its own `listPages` where it has one,
 * otherwise its `list` in one-entry pages.
 */
import type { Backend, Entry, ListOptions } from './types.ts';

/**
 * The children of `path` in pages (never empty, never to be mutated).
 * @throws as `backend.list` (ENOENT, ENOTDIR, storage errors), through the iteration
 */
export function listPages(backend: Backend, path: string, o?: ListOptions): AsyncIterable<readonly Entry[]> {
  return backend.listPages ? backend.listPages(path, o) : onePerPage(backend.list(path, o));
}

async function* onePerPage(entries: AsyncIterable<Entry>): AsyncGenerator<readonly Entry[]> {
  for await (const e of entries) yield [e];
}

/**
 * The entries of a page-wise listing one by one (how a backend with `listPages` gives `list`).
 * @throws what the pages throw
 */
export async function* flattenPages(pages: AsyncIterable<readonly Entry[]>): AsyncGenerator<Entry> {
  for await (const page of pages) yield* page;
}
