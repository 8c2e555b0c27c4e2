/**
 * The worker side of `workers: N` (node:cluster): tells the primary when this worker serves,
 * answers the primary's requests for this worker's metrics, asks the primary for the whole
 * daemon's metrics (for /metrics) and remembers how many workers are up (for /healthz, /readyz).
 * The messages both sides exchange are defined here; the primary is cluster-primary.ts.
 */
import type { Registry } from 'prom-client';
import type { Config } from '../config/schema.ts';

/** One worker's metrics as prom-client serialises them (what AggregatorRegistry.aggregate sums). */
export type WorkerMetrics = Awaited<ReturnType<Registry['getMetricsAsJSON']>>;

/** Primary → worker. */
export type ToWorker =
  | { rdav: 'collect'; id: number }
  | { rdav: 'metrics'; id: number; text?: string; error?: string }
  | { rdav: 'workers'; up: number; configured: number };

/** Worker → primary. */
export type ToPrimary =
  | { rdav: 'ready' }
  | { rdav: 'metrics?'; id: number }
  | { rdav: 'collected'; id: number; metrics?: WorkerMetrics; error?: string };

/** Longest wait of a worker for the primary's aggregate; the primary itself gives up on a silent worker sooner. */
export const AGGREGATE_TIMEOUT_MS = 4000;

/** What the downloads listener needs to know about the cluster it belongs to. */
export interface ClusterView {
  /** Workers serving now and workers configured, as the primary last said. @throws never */
  workers(): { up: number; configured: number };
  /**
   * The whole daemon's metrics (Prometheus text), summed across workers by the primary.
   * @throws Error when the primary does not answer within {@link AGGREGATE_TIMEOUT_MS}
   */
  metrics(): Promise<string>;
}

/** This worker's end of the IPC channel. */
export interface WorkerLink extends ClusterView {
  /** Answers the primary's collection requests from `registry`. @throws never */
  serveMetrics(registry: Registry): void;
  /** Tells the primary that this worker serves (listeners bound, signal handlers installed). @throws never */
  ready(): void;
  /** Stops listening on the channel. @throws never */
  close(): void;
}

/** The IPC end a worker talks through (node's `process` in a cluster worker). */
export interface WorkerChannel {
  send?(message: ToPrimary): boolean;
  on(event: 'message', fn: (m: unknown) => void): unknown;
  off(event: 'message', fn: (m: unknown) => void): unknown;
}

const isOurs = (m: unknown): m is ToWorker => typeof m === 'object' && m !== null && typeof (m as { rdav?: unknown }).rdav === 'string';

/**
 * Connects a cluster worker to its primary. `configured` is the count until the primary says otherwise.
 * @throws never
 */
export function connectWorker(configured: number, channel: WorkerChannel = process as unknown as WorkerChannel): WorkerLink {
  let counts = { up: 0, configured };
  let registry: Registry | undefined;
  let nextId = 1;
  const waiting = new Map<number, { resolve: (t: string) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }>();
  const send = (m: ToPrimary) => { try { channel.send?.(m); } catch { /* channel closed: the primary is gone */ } };

  const onMessage = (m: unknown) => {
    if (!isOurs(m)) return;
    switch (m.rdav) {
      case 'workers': counts = { up: m.up, configured: m.configured }; return;
      case 'collect':
        if (!registry) return send({ rdav: 'collected', id: m.id, error: 'not serving yet' });
        registry.getMetricsAsJSON().then(
          (metrics) => send({ rdav: 'collected', id: m.id, metrics }),
          (e: Error) => send({ rdav: 'collected', id: m.id, error: e.message }),
        );
        return;
      case 'metrics': {
        const w = waiting.get(m.id);
        if (!w) return;
        waiting.delete(m.id);
        clearTimeout(w.timer);
        if (m.text !== undefined) w.resolve(m.text);
        else w.reject(new Error(m.error ?? 'no metrics'));
      }
    }
  };
  channel.on('message', onMessage);

  return {
    workers: () => counts,
    metrics() {
      const id = nextId++;
      return new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => {
          waiting.delete(id);
          reject(new Error(`the cluster primary did not answer within ${AGGREGATE_TIMEOUT_MS} ms`));
        }, AGGREGATE_TIMEOUT_MS);
        waiting.set(id, { resolve, reject, timer });
        send({ rdav: 'metrics?', id });
      });
    },
    serveMetrics(r) { registry = r; },
    ready() { send({ rdav: 'ready' }); },
    close() {
      channel.off('message', onMessage);
      for (const w of waiting.values()) { clearTimeout(w.timer); w.reject(new Error('worker stopping')); }
      waiting.clear();
    },
  };
}

/** Environment variable through which the primary gives its workers the listen addresses it started with. */
export const LISTEN_ENV = 'RELEASEDAV_CLUSTER_LISTEN';

/** The primary's side: the listen addresses every worker of this cluster must use. @throws never */
export function listenEnv(config: Config): Record<string, string> {
  const at = (l: Config['webdav'] | Config['downloads']) => ({ host: l.host, port: l.port });
  return { [LISTEN_ENV]: JSON.stringify({ webdav: at(config.webdav), downloads: at(config.downloads) }) };
}

/**
 * The worker's side: `config` with the cluster's listen addresses. Every worker, a replacement
 * too, must ask the primary for the same address:port (the shared handle): a port changed in the
 * file since the start takes a restart, as without workers. @throws never
 */
export function withClusterListen(config: Config, env: NodeJS.ProcessEnv = process.env): Config {
  const raw = env[LISTEN_ENV];
  if (!raw) return config;
  try {
    const l = JSON.parse(raw) as { webdav: { host: string; port: number }; downloads: { host: string; port: number } };
    return { ...config, webdav: { ...config.webdav, ...l.webdav }, downloads: { ...config.downloads, ...l.downloads } };
  } catch {
    return config;
  }
}
