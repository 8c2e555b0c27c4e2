/**
 * The `releasedav` command's entry point: the only place that exits the process.
 */
import { processIo } from './cli/io.ts';
import { runCli } from './cli/run.ts';

const code = await runCli(process.argv.slice(2), processIo());
// Flush stdout/stderr before exiting (pipes are asynchronous).
process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
