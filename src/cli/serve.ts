/**
 * `releasedav serve`: load the config, start the app, run until SIGTERM/SIGINT. With `workers`
 * above 1 this process becomes the cluster primary (lifecycle/cluster-primary.ts) and each forked
 * worker runs the app as below, linked to the primary (lifecycle/cluster-worker.ts).
 */
import cluster from 'node:cluster';
import { DEFAULT_CONFIG_PATH, loadConfigFile } from '../config/load.ts';
import { workerCount } from '../config/schema.ts';
import { startApp } from '../app.ts';
import { createLogger } from '../log.ts';
import { runClusterPrimary } from '../lifecycle/cluster-primary.ts';
import { connectWorker, withClusterListen } from '../lifecycle/cluster-worker.ts';
import { runUntilStopped } from '../lifecycle/signals.ts';
import type { ParsedArgs } from './args.ts';
import { EXIT, type ExitCode } from './exit-codes.ts';

/** @throws ConfigError, S3StartupError, listen errors (mapped to exit codes by the caller) */
export async function serveCommand(args: ParsedArgs): Promise<ExitCode> {
  const file = args.config ?? DEFAULT_CONFIG_PATH;
  const loaded = loadConfigFile(file).config;
  if (cluster.isPrimary && workerCount(loaded) > 1) return runClusterPrimary(loaded, file);
  const config = cluster.isWorker ? withClusterListen(loaded) : loaded;
  // A cluster worker: its log lines name it, and the primary hears when it serves.
  const link = cluster.isWorker ? connectWorker(workerCount(config)) : undefined;
  const log = cluster.isWorker
    ? createLogger({ level: config.logging.level, pretty: config.logging.pretty, fields: { worker: cluster.worker?.id, pid: process.pid } })
    : undefined;
  try {
    const app = await startApp(config, { log, cluster: link });
    app.log.info({ config: file }, link ? 'worker serving; the primary forwards SIGHUP and SIGTERM' : 'serving; SIGHUP reloads, SIGTERM stops');
    const stopped = runUntilStopped(app, file);
    link?.ready();
    await stopped;
  } finally {
    link?.close();
  }
  return EXIT.OK;
}
