/**
 * Command-line parsing: `releasedav [command] [options]`. Pure; no I/O.
 */
import { parseArgs } from 'node:util';
import { UsageError } from './exit-codes.ts';

export const COMMANDS = ['serve', 'check-config', 'hash-password', 'sign-link'] as const;
export type CommandName = (typeof COMMANDS)[number];

/** What the user asked for. */
export interface ParsedArgs {
  command: CommandName;
  /** The command was named on the command line (false: defaulted to serve). */
  explicitCommand: boolean;
  help: boolean;
  version: boolean;
  /** Print stack traces for unexpected errors. */
  debug: boolean;
  config?: string;
  /** sign-link: `<category>/<release>/<file>`. */
  positionals: string[];
  /** sign-link: lifetime such as `30d`, `12h`, `90m`, `3600` (seconds). */
  ttl?: string;
  /** hash-password: also print Digest HA1 for this user. */
  digestUser?: string;
  realm?: string;
}

const OPTIONS = {
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'V' },
  debug: { type: 'boolean' },
  config: { type: 'string', short: 'c' },
  ttl: { type: 'string' },
  'digest-user': { type: 'string' },
  realm: { type: 'string' },
} as const;

/** Options each command accepts besides --help/--version/--debug. */
const ALLOWED: Record<CommandName, string[]> = {
  serve: ['config'],
  'check-config': ['config'],
  'hash-password': ['digest-user', 'realm'],
  'sign-link': ['config', 'ttl'],
};

/**
 * Parses argv (without node and script). The command defaults to `serve`.
 * @throws UsageError for unknown commands/options, missing option values or stray arguments.
 */
export function parseCliArgs(argv: string[]): ParsedArgs {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (e) {
    const err = e as Error & { code?: string };
    const opt = /'([^']+)'/.exec(err.message)?.[1];
    if (err.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && opt) throw new UsageError(`unknown option "${opt}" (see releasedav --help)`);
    throw new UsageError(`${err.message.split('\n')[0]} (see releasedav --help)`);
  }
  const { values, positionals } = parsed;
  let command: CommandName = 'serve';
  const rest = [...positionals];
  if (rest.length > 0) {
    const first = rest[0]!;
    if (first === 'help') return { ...base('serve', true), explicitCommand: false };
    if (!(COMMANDS as readonly string[]).includes(first)) {
      throw new UsageError(`unknown command "${first}"; commands: ${COMMANDS.join(', ')} (see releasedav --help)`);
    }
    command = first as CommandName;
    rest.shift();
  }
  const help = values.help === true;
  const version = values.version === true;
  if (!help && !version) {
    for (const key of Object.keys(values)) {
      if (['help', 'version', 'debug'].includes(key)) continue;
      if (!ALLOWED[command].includes(key)) throw new UsageError(`${command}: option --${key} does not apply to this command (see releasedav ${command} --help)`);
    }
    const wanted = command === 'sign-link' ? 1 : 0;
    if (rest.length > wanted) throw new UsageError(`${command}: unexpected argument "${rest[wanted]}" (see releasedav ${command} --help)`);
    if (command === 'hash-password' && argv.some((a) => a.startsWith('--password'))) {
      throw new UsageError('hash-password reads the password from stdin or a prompt, never from the command line');
    }
  }
  return {
    ...base(command, help),
    explicitCommand: positionals.length > 0,
    version,
    debug: values.debug === true,
    config: values.config,
    positionals: rest,
    ttl: values.ttl,
    digestUser: values['digest-user'],
    realm: values.realm,
  };

  function base(c: CommandName, h: boolean): ParsedArgs {
    return { command: c, explicitCommand: true, help: h, version: false, debug: false, positionals: [] };
  }
}

const UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400, w: 604800 };

/**
 * Parses a lifetime: `30d`, `12h`, `90m`, `45s`, `2w` or plain seconds.
 * @throws UsageError if malformed or not positive.
 */
export function parseDuration(text: string): number {
  const m = /^(\d+)([smhdw]?)$/.exec(text.trim());
  if (!m) throw new UsageError(`--ttl "${text}": expected a number with an optional unit s, m, h, d or w (e.g. 30d)`);
  const seconds = Number(m[1]) * UNITS[m[2] || 's']!;
  if (seconds <= 0) throw new UsageError(`--ttl "${text}": must be more than 0`);
  return seconds;
}
