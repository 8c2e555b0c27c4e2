/**
 * Several real daemons (startApp) in this process over one local folder and one Redis: what the
 * coordination tests run against. Each app's listeners are on free loopback ports.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { startApp, type App } from '../../src/app.ts';
import { configSchema } from '../../src/config/schema.ts';

/** One running instance. */
export interface Instance {
  app: App;
  /** `http://127.0.0.1:port` of its WebDAV listener. */
  dav: string;
  /** `http://127.0.0.1:port` of its downloads listener. */
  dl: string;
  /** Its JSON log lines so far. */
  lines: { level: number; msg: string; [k: string]: unknown }[];
  /** Raw log text (for secret scans). */
  raw(): string;
}

/** A shared data folder plus a config factory. */
export interface Cluster {
  root: string;
  start(extra?: Record<string, unknown>): Promise<Instance>;
  close(): Promise<void>;
}

/** Categories: `files` (anyone may read and write; tests exercise locks, not auth). */
export function makeCluster(redisUrl: string | undefined, keyPrefix: string, base: Record<string, unknown> = {}): Cluster {
  const root = mkdtempSync(join(tmpdir(), 'rdav-coord-'));
  const apps: App[] = [];
  return {
    root,
    async start(extra = {}) {
      let raw = '';
      const lines: Instance['lines'] = [];
      const sink = new Writable({
        write(c, _e, cb) {
          raw += String(c);
          for (const t of String(c).split('\n')) if (t.trim()) { try { lines.push(JSON.parse(t)); } catch { /* not JSON */ } }
          cb();
        },
      });
      const config = configSchema.parse({
        webdav: { host: '127.0.0.1', port: 0 },
        downloads: { host: '127.0.0.1', port: 0 },
        cache: { ttlSeconds: 30 },
        lifecycle: { drainSeconds: 1 },
        categories: [{ slug: 'files', directory: 'files', access: { read: ['anonymous'], write: ['anonymous'] } }],
        ...(redisUrl ? { coordination: { redis: { url: redisUrl, keyPrefix, timeoutMs: 500 } } } : {}),
        ...base,
        ...extra,
        // Every instance of the cluster shares this one folder, whatever else the test sets for storage.
        storage: { ...(base.storage as object | undefined), ...(extra.storage as object | undefined), local: { root } },
      });
      const app = await startApp(config, { logDestination: sink });
      apps.push(app);
      const started = lines.find((l) => l.msg === 'releasedav started')!;
      return { app, dav: String(started.webdav).replace(/\/$/, ''), dl: String(started.downloads).replace(/\/$/, ''), lines, raw: () => raw };
    },
    async close() {
      for (const a of apps) await a.shutdown();
      rmSync(root, { recursive: true, force: true });
    },
  };
}

/** Waits until `fn` resolves truthy (polling every 100 ms). @throws Error after `ms` */
export async function eventually<T>(fn: () => Promise<T | undefined | false>, ms = 10_000, what = 'condition'): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const v = await fn().catch(() => undefined);
    if (v) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
