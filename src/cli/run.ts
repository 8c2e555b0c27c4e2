/**
 * Dispatches `releasedav <command>` and turns every failure into an exit code and one line on
 * stderr (a stack trace only with --debug). Never exits the process: src/main.ts does.
 */
import { parseCliArgs, type ParsedArgs } from './args.ts';
import { checkConfigCommand } from './check-config.ts';
import { describeFailure, EXIT, type ExitCode } from './exit-codes.ts';
import { hashPasswordCommand } from './hash-password.ts';
import { helpText, packageVersion } from './help.ts';
import type { CliIo } from './io.ts';
import { serveCommand } from './serve.ts';
import { signLinkCommand } from './sign-link.ts';

/** Runs one command line. @returns the exit code. @throws never */
export async function runCli(argv: string[], io: CliIo): Promise<ExitCode> {
  let args: ParsedArgs | undefined;
  try {
    args = parseCliArgs(argv);
    if (args.help) { io.stdout.write(helpText(args.explicitCommand ? args.command : undefined)); return EXIT.OK; }
    if (args.version) { io.stdout.write(`releasedav ${packageVersion()}\n`); return EXIT.OK; }
    switch (args.command) {
      case 'serve': return await serveCommand(args);
      case 'check-config': return await checkConfigCommand(args, io);
      case 'hash-password': return await hashPasswordCommand(args, io);
      case 'sign-link': return await signLinkCommand(args, io);
    }
  } catch (err) {
    const { code, message } = describeFailure(err);
    io.stderr.write(`releasedav: ${message}\n`);
    if ((args?.debug ?? argv.includes('--debug')) && err instanceof Error && err.stack) io.stderr.write(`${err.stack}\n`);
    return code;
  }
}
