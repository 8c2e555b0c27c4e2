/**
 * Composition root: config → logger → metrics → (S3 client, check) → mounts → locks → bus →
 * catalog → bleeding-edge scanner → WebDAV + downloads listeners → start-up sweep.
 * Everything is created here and passed in; nothing is global. Never exits the process.
 */
import { EventEmitter } from 'node:events';
import type { Config } from './config/schema.ts';
import { createLogger, type Logger } from './log.ts';
import { createMetrics, type Metrics } from './metrics.ts';
import { createStateHolder, type StateHolder } from './state.ts';
import type { ChangeBus, RuntimeState } from './vfs/mount.ts';
import { ensureDataDirs } from './lifecycle/data-dirs.ts';
import { restartOnlyChanges } from './lifecycle/reload-plan.ts';

/** Options for tests and the CLI. */
export interface AppOptions {
  /** Where log lines go (default stdout). */
  logDestination?: NodeJS.WritableStream;
  /** Use this logger instead of creating one. */
  log?: Logger;
  /** Folder relative paths resolve against (default process.cwd()). */
  cwd?: string;
}

/** A running daemon. */
export interface App {
  readonly log: Logger;
  readonly metrics: Metrics;
  readonly state: StateHolder;
  /**
   * Applies a new, already validated config to new requests; transfers in flight keep the old mounts.
   * @throws Error when the new state cannot be built (e.g. a data folder cannot be created); the old state stays.
   */
  reload(next: Config): Promise<void>;
  /**
   * Stops accepting, drains requests up to lifecycle.drainSeconds, aborts the rest, stops timers.
   * Idempotent. @throws never
   */
  shutdown(): Promise<void>;
}

/**
 * Builds and starts the daemon.
 * @throws StorageCheckError when the S3 bucket check fails; listen errors (EADDRINUSE, EACCES) as thrown by node;
 *   Error for data folders that cannot be created.
 */
export async function startApp(config: Config, opts: AppOptions = {}): Promise<App> {
  const log = opts.log ?? createLogger({ level: config.logging.level, pretty: config.logging.pretty, destination: opts.logDestination });
  const metrics = createMetrics();
  const cwd = opts.cwd ?? process.cwd();
  const bus: ChangeBus = new EventEmitter();
  bus.setMaxListeners(50);

  const created = await ensureDataDirs(config, cwd);
  if (created.length > 0) log.info({ folders: created }, 'created data folders');

  const buildState = async (cfg: Config): Promise<RuntimeState> => ({ config: cfg, mounts: new Map() });
  const state = createStateHolder(await buildState(config));

  log.info({ categories: config.categories.map((c) => c.slug) }, 'releasedav started');

  let stopping: Promise<void> | undefined;
  return {
    log, metrics, state,
    async reload(next) {
      const prev = state.get().config;
      await ensureDataDirs(next, cwd);
      const nextState = await buildState(next);
      state.swap(nextState);
      log.level = next.logging.level;
      const restart = restartOnlyChanges(prev, next);
      if (restart.length > 0) log.warn({ settings: restart }, 'config reloaded; these settings take effect only after a restart');
      log.info({ generation: state.generation, categories: next.categories.map((c) => c.slug) }, 'config reloaded');
    },
    shutdown() {
      stopping ??= (async () => {
        log.info('shutting down');
        log.info('stopped');
      })();
      return stopping;
    },
  };
}
