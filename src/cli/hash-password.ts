/**
 * `releasedav hash-password`: prints the scrypt hash (line 1) and, with --digest-user, the
 * Digest HA1 (line 2) of a password read from stdin or a prompt.
 */
import { digestHa1, hashPassword } from '../auth/passwords.ts';
import type { ParsedArgs } from './args.ts';
import { EXIT, UsageError, type ExitCode } from './exit-codes.ts';
import type { CliIo } from './io.ts';
import { readPassword } from './read-password.ts';

/** @throws UsageError (empty password, --realm without --digest-user, bad user name) */
export async function hashPasswordCommand(args: ParsedArgs, io: CliIo): Promise<ExitCode> {
  if (args.realm !== undefined && args.digestUser === undefined) throw new UsageError('hash-password: --realm needs --digest-user');
  if (args.digestUser !== undefined && !/^[^:\s]+$/.test(args.digestUser)) throw new UsageError('hash-password: --digest-user: a user name contains no ":" or spaces');
  const password = await readPassword(io);
  io.stdout.write(`${await hashPassword(password)}\n`);
  if (args.digestUser !== undefined) io.stdout.write(`${digestHa1(args.digestUser, args.realm ?? 'ReleaseDAV', password)}\n`);
  return EXIT.OK;
}
