/** Test fixtures for the catalog and downloads tests: real local backends, a sidecar store in memory. */
import { EventEmitter } from 'node:events';
import { mkdtemp, mkdir, writeFile, utimes } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { Writable } from 'node:stream';
import { createLocalBackend } from '../../src/backends/local.ts';
import { configSchema, type Config } from '../../src/config/schema.ts';
import { createLogger, type Logger } from '../../src/log.ts';
import type { ChangeBus, FileMeta, MetaStore, Mount, RuntimeState } from '../../src/vfs/mount.ts';
import type { Backend, Entry } from '../../src/vfs/types.ts';

/** A fresh temp folder. */
export const tempDir = (tag: string) => mkdtemp(join(tmpdir(), `rdav-${tag}-`));

/** Writes a file (creating folders) and optionally sets its mtime. */
export async function put(root: string, rel: string, body: string | Buffer, mtime?: Date): Promise<void> {
  const abs = join(root, rel);
  await mkdir(dirname(abs), { recursive: true });
  await writeFile(abs, body);
  if (mtime) await utimes(abs, mtime, mtime);
}

/** A sidecar store in memory (the real one lives in the VFS; the catalog only reads it). */
export function memoryMeta(): MetaStore & { data: Map<string, FileMeta> } {
  const data = new Map<string, FileMeta>();
  return {
    data,
    async get(path, cur) {
      const m = data.get(path);
      if (!m) return undefined;
      if (cur.kind === 'file' && (m.size !== cur.size || m.etag !== (cur.etag ?? ''))) return undefined;
      return m;
    },
    async put(path, cur, meta) { data.set(path, { ...meta, size: cur.size, etag: cur.etag ?? '' }); },
    async remove(path) { data.delete(path); },
    async move() {},
    async copy() {},
  };
}

/** Wraps a backend and counts list() and listPages() calls. */
export function countingBackend(b: Backend): Backend & { lists: number } {
  const w = Object.create(b) as Backend & { lists: number };
  w.lists = 0;
  w.list = (p, o) => { w.lists++; return b.list(p, o); };
  if (b.listPages) w.listPages = (p, o) => { w.lists++; return b.listPages!(p, o); };
  return w;
}

/** Captures pino lines as parsed JSON. */
export function captureLogger(level = 'debug'): { log: Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const dest = new Writable({
    write(chunk, _e, cb) {
      for (const l of String(chunk).split('\n')) if (l.trim()) lines.push(JSON.parse(l));
      cb();
    },
  });
  return { log: createLogger({ level, destination: dest }), lines };
}

/** Parses a config object through the real schema. */
export function config(raw: Record<string, unknown>): Config {
  return configSchema.parse(raw);
}

/** Builds a runtime state with local mounts: category slug → folder. */
export function localState(cfg: Config, dirs: Record<string, string>, wrap?: (b: Backend) => Backend): RuntimeState & { metas: Map<string, ReturnType<typeof memoryMeta>> } {
  const mounts = new Map<string, Mount>();
  const metas = new Map<string, ReturnType<typeof memoryMeta>>();
  for (const c of cfg.categories) {
    const dir = dirs[c.slug];
    if (!dir) continue;
    const raw = createLocalBackend(dir);
    const meta = memoryMeta();
    metas.set(c.slug, meta);
    mounts.set(c.slug, { category: c, backend: wrap ? wrap(raw) : raw, meta });
  }
  return { config: cfg, mounts, metas };
}

/** A change bus. */
export const newBus = (): ChangeBus => new EventEmitter() as ChangeBus;

/** Entry of a file for a meta put. */
export async function entryOf(b: Backend, path: string): Promise<Entry> {
  return b.stat(path);
}
