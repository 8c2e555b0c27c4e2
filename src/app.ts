/**
 * Composition root: config → logger → metrics → (S3 client, check) → mounts → locks → bus →
 * catalog → bleeding-edge scanner → WebDAV + downloads listeners → start-up sweep.
 * Everything is created here and passed in; nothing is global. Never exits the process.
 */
import { EventEmitter } from 'node:events';
import type { Server } from 'node:http';
import type { Config } from './config/schema.ts';
import { createLogger, type Logger } from './log.ts';
import { createMetrics, type Metrics } from './metrics.ts';
import { createStateHolder, type StateHolder } from './state.ts';
import type { ChangeBus } from './vfs/mount.ts';
import { hashExisting } from './vfs/files.ts';
import { createSharedState } from './coordination/shared-state.ts';
import { createCatalog } from './catalog/catalog.ts';
import { createBleedingEdgeScanner } from './catalog/bleeding-edge/index.ts';
import { createDownloadsServer } from './downloads/server.ts';
import { createWebdavServer } from './webdav/server.ts';
import { ensureDataDirs } from './lifecycle/data-dirs.ts';
import { trackRequests, waitForTransfersToSettle, type RequestTracker } from './lifecycle/drain.ts';
import { restartOnlyChanges } from './lifecycle/reload-plan.ts';
import { buildRuntimeState, type S3Handle } from './lifecycle/runtime-state.ts';
import { createTransferBudget } from './vfs/transfer-budget.ts';
import type { WorkerLink } from './lifecycle/cluster-worker.ts';
import { collectGarbage } from './lifecycle/collect-garbage.ts';
import { startupSweep } from './lifecycle/sweep.ts';
import { startListWorker } from './backends/local-list-worker.ts';
import { warmUpPropfindRender } from './webdav/propfind/warm-up.ts';
import { setTimeout as sleep } from 'node:timers/promises';
import { checkS3 } from './backends/s3-startup.ts';
import { abortStaleUploads } from './backends/s3-sweep.ts';

/** Options for tests and the CLI. */
export interface AppOptions {
  /** Where log lines go (default stdout). */
  logDestination?: NodeJS.WritableStream;
  /** Use this logger instead of creating one. */
  log?: Logger;
  /** This process is a cluster worker (`workers` > 1): /metrics, /healthz and /readyz speak for the whole daemon. */
  cluster?: WorkerLink;
}

/** A running daemon. */
export interface App {
  readonly log: Logger;
  readonly metrics: Metrics;
  readonly state: StateHolder;
  /**
   * Applies a new, already validated config to new requests; transfers in flight keep the old mounts.
   * @throws ConfigError / Error when the new state cannot be built; the old state then stays.
   */
  reload(next: Config): Promise<void>;
  /**
   * Stops accepting, drains requests up to lifecycle.drainSeconds, aborts the rest, stops timers.
   * Idempotent. @throws never
   */
  shutdown(): Promise<void>;
}

/** How long after start-up the start-up sweep begins. */
export const SWEEP_DELAY_MS = 5000;

/**
 * Builds and starts the daemon. Relative paths resolve against the process's working directory.
 * @throws ConfigError (mounts), S3StartupError (S3 bucket check), listen errors (EADDRINUSE, EACCES) as node throws them
 */
export async function startApp(config: Config, opts: AppOptions = {}): Promise<App> {
  const log = opts.log ?? createLogger({ level: config.logging.level, pretty: config.logging.pretty, destination: opts.logDestination });
  const metrics = createMetrics();
  opts.cluster?.serveMetrics(metrics.registry);
  const bus: ChangeBus = new EventEmitter();
  bus.setMaxListeners(50);

  const created = await ensureDataDirs(config);
  if (created.length > 0) log.info({ folders: created }, 'created data folders');

  // One transfer memory budget for the process; a reload changes its cap in place.
  const budget = createTransferBudget(config.limits.transferBufferMiB * 1024 * 1024, { onIdle: collectGarbage(log) });
  const first = buildRuntimeState(config, { log, metrics, budget });
  let s3: S3Handle | undefined = first.s3;
  if (s3 && config.storage.s3) await checkS3({ client: s3.client, s3: config.storage.s3, categories: config.categories, log });
  const state = createStateHolder(first.state);
  const getState = state.get;
  // Disk listings run on a worker thread: boot its isolate now, beside the rest of start-up.
  if ([...first.state.mounts.values()].some((m) => m.backend.description.startsWith('local:'))) startListWorker();

  const shared = await createSharedState(config, { log, metrics, bus, getState });
  await shared.ready();
  const locks = shared.locks;
  const catalog = createCatalog({
    getState, bus, metrics, log: log.child({ component: 'catalog' }),
    hashFile: (mount, entry, signal) => hashExisting(mount, entry.path, { signal }),
    hashLease: shared.hasherLease,
  });
  const scanner = createBleedingEdgeScanner({
    getState, bus, locks, metrics, log: log.child({ component: 'bleeding-edge' }), lease: shared.scannerLease,
    onPublished: (category) => catalog.invalidate(category),
  });
  await shared.scannerLease.start();
  await shared.hasherLease?.start();
  scanner.start();

  const webdav = createWebdavServer({ getState, locks, bus, metrics, log: log.child({ component: 'webdav' }), lockouts: shared.lockouts, digestKey: shared.digestKey });
  const downloads = createDownloadsServer({ getState, catalog, metrics, log: log.child({ component: 'downloads' }), lockouts: shared.lockouts,
    lockStore: () => ({ kind: shared.kind, up: shared.redis?.available ?? true }), cluster: opts.cluster });
  const listeners: { name: string; tracker: RequestTracker }[] = [
    { name: 'webdav', tracker: trackRequests(webdav.server as Server) },
    { name: 'downloads', tracker: trackRequests(downloads.server) },
  ];
  warmUpPropfindRender();
  const davAddr = await webdav.listen(config.webdav.port, config.webdav.host);
  const dlAddr = await downloads.listen(config.downloads.port, config.downloads.host);

  log.info({
    webdav: `${config.webdav.tls ? 'https' : 'http'}://${hostPort(davAddr)}/`,
    downloads: `http://${hostPort(dlAddr)}/`,
    categories: [...first.state.mounts.values()].map((m) => `${m.category.slug}=${m.backend.description}`) }, 'releasedav started');

  // The sweep runs beside the running daemon (a large tree must not delay start-up), once the first
  // requests after a start had the process to themselves: its walk of a 110,000-file tree added
  // ~50-100 ms of CPU to the first listing when they overlapped. A shutdown meanwhile skips it.
  const sweepWait = new AbortController();
  const sweep = sleep(SWEEP_DELAY_MS, undefined, { signal: sweepWait.signal, ref: false })
    .then(() => startupSweep(config, { log: log.child({ component: 'sweep' }), s3Client: s3?.client, abortStaleUploads }), () => undefined);

  let stopping: Promise<void> | undefined;
  return {
    log, metrics, state,
    async reload(next) {
      const prev = getState().config;
      await ensureDataDirs(next);
      budget.setCap(next.limits.transferBufferMiB * 1024 * 1024);
      const built = buildRuntimeState(next, { log, metrics, previous: s3, budget });
      const reusedS3 = built.s3 !== undefined && built.s3 === s3;
      state.swap(built.state);
      s3 = built.s3;
      catalog.invalidate();
      log.level = next.logging.level;
      const restart = restartOnlyChanges(prev, next);
      if (restart.length > 0) log.warn({ settings: restart }, 'these settings take effect only after a restart');
      log.info({ generation: state.generation, categories: next.categories.map((c) => c.slug), reusedS3Client: reusedS3 }, 'config reloaded');
    },
    shutdown() {
      stopping ??= (async () => {
        const graceMs = getState().config.lifecycle.drainSeconds * 1000;
        const active = listeners.reduce((n, l) => n + l.tracker.active, 0);
        log.info({ active, drainSeconds: graceMs / 1000 }, 'shutting down: no new connections; draining requests in flight');
        const results = await Promise.all(listeners.map(async (l) => ({ name: l.name, ...(await l.tracker.drain(graceMs)) })));
        const aborted = results.filter((r) => r.aborted > 0);
        if (aborted.length > 0) {
          log.warn({ aborted: Object.fromEntries(aborted.map((r) => [r.name, r.aborted])) }, 'drain time over: aborted the remaining requests');
          const settled = await waitForTransfersToSettle(metrics.activeTransfers);
          if (settled) log.info('cut transfers cleaned up (multipart uploads aborted, temp files removed)');
          else log.warn('cut transfers still cleaning up after the time limit; the start-up sweep will finish the job');
        } else log.info('all requests finished');
        sweepWait.abort();
        await sweep;
        await scanner.stop();
        await catalog.close();
        await shared.close();
        log.info('stopped');
      })();
      return stopping;
    },
  };
}

/** "host:port" of a bound address (IPv6 in brackets). */
function hostPort(a: { address: string; port: number; family: string }): string {
  return a.family === 'IPv6' ? `[${a.address}]:${a.port}` : `${a.address}:${a.port}`;
}
