/**
 * Logger construction. The logger is created once in the composition root and passed in;
 * nothing imports a global logger. Known secret-bearing fields are redacted by path.
 */
import { pino, type Logger } from 'pino';

export type { Logger };

/** Field paths pino censors in every line. */
export const REDACT_PATHS = [
  'password', '*.password', 'authorization', '*.authorization', 'headers.authorization', 'req.headers.authorization',
  'secret', '*.secret', 'secretAccessKey', '*.secretAccessKey', 'accessKeyId', '*.accessKeyId',
  'downloadKey', '*.downloadKey', 'dlid', '*.dlid', 'sig', '*.sig', 'cookie', '*.cookie',
];

export interface LoggerOptions {
  level: string;
  /** Human-readable output for a terminal (pino-pretty). */
  pretty?: boolean;
  /** Where lines go (default stdout); tests pass a stream to capture them. */
  destination?: NodeJS.WritableStream;
  /** Fields on every line (a cluster names the process: `{ worker: 2, pid }`). */
  fields?: Record<string, unknown>;
}

/** Creates the process logger. @throws never (unknown levels fall back to info). */
export function createLogger(o: LoggerOptions): Logger {
  const base = { level: o.level, redact: { paths: REDACT_PATHS, censor: '[redacted]' }, base: { app: 'releasedav', ...o.fields } };
  if (o.pretty && !o.destination) {
    return pino({ ...base, transport: { target: 'pino-pretty', options: { colorize: true } } });
  }
  if (o.destination) return pino(base, o.destination as never);
  // Asynchronous stdout: a request never waits on the log write (pino flushes it on exit).
  return pino(base, pino.destination({ dest: 1, sync: false }));
}

/** Strips the query string of a URL for logging (presigned URLs and signed links carry secrets there). */
export function redactUrl(url: string): string {
  const q = url.indexOf('?');
  return q < 0 ? url : url.slice(0, q) + '?[redacted]';
}
