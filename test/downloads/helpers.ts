/** Starts a downloads server over given state for tests (port 0), with captured logs and fresh metrics. */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createCatalog } from '../../src/catalog/catalog.ts';
import type { Catalog } from '../../src/catalog/types.ts';
import { createMetrics, type Metrics } from '../../src/metrics.ts';
import { createDownloadsServer, type DownloadsServer } from '../../src/downloads/server.ts';
import type { RuntimeState } from '../../src/vfs/mount.ts';
import { captureLogger, newBus } from '../catalog/helpers.ts';

export interface Running {
  base: string;
  lines: Record<string, unknown>[];
  metrics: Metrics;
  catalog: Catalog;
  srv: DownloadsServer;
  stop(): Promise<void>;
}

/** Starts the server on 127.0.0.1:0. */
export async function startServer(state: RuntimeState, o: { catalog?: Catalog } = {}): Promise<Running> {
  const { log, lines } = captureLogger('info');
  const metrics = createMetrics({ defaultMetrics: false });
  const catalog = o.catalog ?? createCatalog({ getState: () => state, bus: newBus(), log, refreshSeconds: 0 });
  const srv = createDownloadsServer({ getState: () => state, catalog, log, metrics });
  const addr: AddressInfo = await srv.listen(0, '127.0.0.1');
  return {
    base: `http://127.0.0.1:${addr.port}`, lines, metrics, catalog, srv,
    async stop() { await srv.close(); await catalog.close(); },
  };
}

/** Basic auth header. */
export const basic = (u: string, p: string) => ({ Authorization: `Basic ${Buffer.from(`${u}:${p}`).toString('base64')}` });

/** Value of a counter with labels from the registry. */
export async function counterValue(m: Metrics, name: string, labels: Record<string, string>): Promise<number> {
  const metric = await m.registry.getSingleMetric(name)?.get();
  const v = metric?.values.find((x) => Object.entries(labels).every(([k, val]) => x.labels[k] === val));
  return v?.value ?? 0;
}

/** Raw GET that does not follow redirects; body as Buffer. */
export async function get(url: string, headers: Record<string, string> = {}, method = 'GET') {
  const r = await fetch(url, { method, headers, redirect: 'manual' });
  const body = Buffer.from(await r.arrayBuffer());
  return { status: r.status, headers: r.headers, body, text: body.toString('utf8') };
}

/** GET with the request target sent exactly as given (fetch would normalise "..", "%2e"…). */
export function rawGet(base: string, path: string): Promise<{ status: number; body: string }> {
  const u = new URL(base);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: u.hostname, port: u.port, path, method: 'GET' }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end();
  });
}
