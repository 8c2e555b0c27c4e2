/**
 * Signal handling for `serve`: SIGHUP reloads the config file, SIGTERM/SIGINT shut down.
 * Resolves when the app has stopped; never exits the process itself.
 */
import { ConfigError, loadConfigFile } from '../config/load.ts';
import type { App } from '../app.ts';

/**
 * Installs the handlers and resolves once a stop signal was handled and the app has shut down.
 * A second stop signal while draining is logged; the drain deadline still bounds the wait.
 * @throws never
 */
export function runUntilStopped(app: App, configFile: string): Promise<void> {
  return new Promise((resolve) => {
    // Signal listeners alone do not keep Node running.
    const keepAlive = setInterval(() => {}, 1 << 30);
    let reloading = Promise.resolve();
    const onHup = () => {
      reloading = reloading.then(async () => { await reloadFromFile(app, configFile); });
    };
    let stopping = false;
    const onStop = (signal: NodeJS.Signals) => {
      if (stopping) { app.log.warn({ signal }, 'already stopping; waiting for transfers up to lifecycle.drainSeconds'); return; }
      stopping = true;
      app.log.info({ signal }, 'stop requested');
      void app.shutdown().then(() => {
        clearInterval(keepAlive);
        process.off('SIGHUP', onHup);
        process.off('SIGTERM', onStop);
        process.off('SIGINT', onStop);
        resolve();
      });
    };
    process.on('SIGHUP', onHup);
    process.on('SIGTERM', onStop);
    process.on('SIGINT', onStop);
  });
}

/** Reloads `file` into the app; an invalid file is one log line and changes nothing. @throws never */
export async function reloadFromFile(app: App, file: string): Promise<boolean> {
  app.log.info({ file }, 'reloading config (SIGHUP)');
  try {
    const { config } = loadConfigFile(file);
    await app.reload(config);
    return true;
  } catch (e) {
    const message = e instanceof ConfigError ? e.message : (e as Error).message;
    app.log.error({ file }, `config reload rejected, the previous config stays in force: ${message}`);
    return false;
  }
}
