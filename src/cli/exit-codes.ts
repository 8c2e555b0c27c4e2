/**
 * Exit codes of the `releasedav` command and the one-line messages people see.
 * Documented in the README ("CLI and exit codes"); systemd's unit uses
 * `RestartPreventExitStatus=2` so a broken config does not restart-loop.
 */
import { ConfigError } from '../config/load.ts';
import { S3StartupError } from '../backends/s3-startup.ts';

/** 0 ok, 1 runtime failure, 2 config or usage error, 3 storage (S3) start-up check failed. */
export const EXIT = { OK: 0, RUNTIME: 1, CONFIG: 2, STORAGE: 3 } as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** A failure with a message fit to print as is, and the exit code it maps to. */
export class CliError extends Error {
  constructor(message: string, readonly exitCode: ExitCode) {
    super(message);
    this.name = 'CliError';
  }
}

/** Wrong command line (unknown option, missing argument). Exit 2. */
export class UsageError extends CliError {
  constructor(message: string) { super(message, EXIT.CONFIG); this.name = 'UsageError'; }
}

/**
 * Maps any thrown value to an exit code and one line a person understands.
 * Listen errors name the address; unknown errors keep their message (never a stack trace).
 * @throws never
 */
export function describeFailure(err: unknown): { code: ExitCode; message: string } {
  if (err instanceof CliError) return { code: err.exitCode, message: err.message };
  if (err instanceof ConfigError) return { code: EXIT.CONFIG, message: err.message };
  if (err instanceof S3StartupError) return { code: EXIT.STORAGE, message: err.message };
  const e = err as NodeJS.ErrnoException & { address?: string; port?: number; syscall?: string };
  // A cluster worker's listen is done by the primary and fails as syscall 'bind'.
  if (e && (e.syscall === 'listen' || e.syscall === 'bind')) {
    const where = e.port !== undefined ? `${e.address ?? ''}:${e.port}` : (e.address ?? 'the configured address');
    if (e.code === 'EADDRINUSE') return { code: EXIT.RUNTIME, message: `cannot listen on ${where}: port ${e.port ?? '?'} is already in use (another releasedav or service?); change webdav.port / downloads.port` };
    if (e.code === 'EACCES') return { code: EXIT.RUNTIME, message: `cannot listen on ${where}: permission denied (ports below 1024 need CAP_NET_BIND_SERVICE, or use a reverse proxy)` };
    if (e.code === 'EADDRNOTAVAIL') return { code: EXIT.RUNTIME, message: `cannot listen on ${where}: the address is not on this machine; check webdav.host / downloads.host` };
  }
  const message = err instanceof Error ? err.message : String(err);
  return { code: EXIT.RUNTIME, message: message.split('\n')[0] || 'unknown error' };
}
