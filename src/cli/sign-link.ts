/**
 * `releasedav sign-link <category>/<release>/<file> --ttl 30d`: prints an absolute signed /dl link.
 */
import type { ParsedArgs } from './args.ts';
import { UsageError, type ExitCode } from './exit-codes.ts';
import type { CliIo } from './io.ts';

/** @throws UsageError until the link signer (src/downloads/links.ts) is available */
export async function signLinkCommand(_args: ParsedArgs, _io: CliIo): Promise<ExitCode> {
  throw new UsageError('sign-link: not available in this build yet');
}
