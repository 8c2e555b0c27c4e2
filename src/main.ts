/**
 * The `releasedav` command's entry point: the only place that exits the process.
 */
import { describeFailure, EXIT } from './cli/exit-codes.ts';
import { processIo } from './cli/io.ts';
import { runCli } from './cli/run.ts';

const argv = process.argv.slice(2);

// The AWS SDK prints a multi-line notice about Node < 22 on stderr at the first S3 client; the
// daemon supports Node 20 (package.json engines), so keep stderr to our one-line messages.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

/** Flushes stdout/stderr (pipes are asynchronous), then exits. */
function exit(code: number): void {
  process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
}

// A bug that escapes every handler: one line (stack with --debug), exit 1; systemd restarts us.
const crash = (err: unknown) => {
  const { message } = describeFailure(err);
  process.stderr.write(`releasedav: crashed: ${message}\n`);
  if (argv.includes('--debug') && err instanceof Error && err.stack) process.stderr.write(`${err.stack}\n`);
  exit(EXIT.RUNTIME);
};
process.on('uncaughtException', crash);
process.on('unhandledRejection', crash);

exit(await runCli(argv, processIo()));
