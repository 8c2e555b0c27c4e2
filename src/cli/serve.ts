/**
 * `releasedav serve`: load the config, start the app, run until SIGTERM/SIGINT.
 */
import { DEFAULT_CONFIG_PATH, loadConfigFile } from '../config/load.ts';
import { startApp } from '../app.ts';
import { runUntilStopped } from '../lifecycle/signals.ts';
import type { ParsedArgs } from './args.ts';
import { EXIT, type ExitCode } from './exit-codes.ts';

/** @throws ConfigError, S3StartupError, listen errors (mapped to exit codes by the caller) */
export async function serveCommand(args: ParsedArgs): Promise<ExitCode> {
  const file = args.config ?? DEFAULT_CONFIG_PATH;
  const { config } = loadConfigFile(file);
  const app = await startApp(config);
  app.log.info({ config: file }, 'serving; SIGHUP reloads, SIGTERM stops');
  await runUntilStopped(app, file);
  return EXIT.OK;
}
