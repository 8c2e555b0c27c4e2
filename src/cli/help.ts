/**
 * Help texts and the version string of the `releasedav` command.
 */
import { readFileSync } from 'node:fs';
import type { CommandName } from './args.ts';

/** The package version from package.json. @throws never (falls back to "unknown") */
export function packageVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: string };
    return pkg.version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

const EXIT_CODES = `Exit codes: 0 ok, 1 runtime failure, 2 configuration or usage error, 3 S3 start-up check failed.`;

const GENERAL = `Usage: releasedav [command] [options]

Publishes software releases from local disk or S3 over WebDAV and signed download links.

Commands:
  serve          run the daemon (default command)
  check-config   validate a config file, check S3, list the categories
  hash-password  print a password hash for auth.users (password read from stdin or a prompt)
  sign-link      print a signed download link for one file

Options (every command):
  -h, --help     show help (releasedav <command> --help for details)
  -V, --version  print the version
  --debug        print stack traces of unexpected errors

${EXIT_CODES}
`;

const PER_COMMAND: Record<CommandName, string> = {
  serve: `Usage: releasedav serve [--config FILE]

Runs the WebDAV and downloads listeners. Without --config the embedded default
(config/default.yaml of the package: local folders under ./data, no S3) is used.
Signals: SIGHUP reloads the config file (an invalid file is logged and ignored),
SIGTERM/SIGINT stop accepting, drain transfers up to lifecycle.drainSeconds, exit 0.

Options:
  -c, --config FILE  the YAML config file
  --debug            print stack traces of unexpected errors

${EXIT_CODES}
`,
  'check-config': `Usage: releasedav check-config [--config FILE]

Validates the config file, checks the S3 bucket (HeadBucket) when storage.s3 is set,
and prints every category with its backend. Changes nothing.

Options:
  -c, --config FILE  the YAML config file (default: the embedded default)

${EXIT_CODES}
`,
  'hash-password': `Usage: releasedav hash-password [--digest-user NAME [--realm REALM]]

Reads a password from stdin (piped) or asks for it without echo, and prints its
scrypt hash for auth.users.<name>.password. The password is never taken from the
command line. With --digest-user, a second line prints the Digest HA1
(MD5 of NAME:REALM:password) for auth.users.<name>.digestHa1; REALM must equal
auth.realm (default "ReleaseDAV").

Options:
  --digest-user NAME  also print the Digest HA1 for this user
  --realm REALM       realm for the HA1 (default ReleaseDAV)

${EXIT_CODES}
`,
  'sign-link': `Usage: releasedav sign-link <category>/<release>/<file> --ttl 30d [--config FILE]

Prints an absolute signed download link (/dl/...?expires=&sig=) valid for the given
time (s, m, h, d or w; at most links.maxTtlDays). Needs links.secret in the config.
The host comes from downloads.publicUrl, else downloads.host:port.

Options:
  --ttl DURATION     lifetime, e.g. 30d, 12h, 3600
  -c, --config FILE  the YAML config file (default: the embedded default)

${EXIT_CODES}
`,
};

/** Help text for a command, or the general help. @throws never */
export function helpText(command?: CommandName): string {
  return command ? PER_COMMAND[command] : GENERAL;
}
