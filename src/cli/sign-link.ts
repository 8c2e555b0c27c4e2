/**
 * `releasedav sign-link <category>/<release>/<file> --ttl 30d`: prints an absolute signed /dl link.
 * `releasedav sign-link feeds/<category>/<feed path> --ttl 30d` signs an update feed instead
 * (e.g. `feeds/myapp/appcast.xml`); the feed's file URLs then carry links expiring with it.
 */
import { DEFAULT_CONFIG_PATH, loadConfigFile } from '../config/load.ts';
import type { Config } from '../config/schema.ts';
import { createLinkSigner } from '../downloads/links.ts';
import { configuredBaseUrl, isWildcardHost } from '../downloads/public-origin.ts';
import { parseDuration, type ParsedArgs } from './args.ts';
import { EXIT, UsageError, type ExitCode } from './exit-codes.ts';
import type { CliIo } from './io.ts';

/** Base URL of the downloads listener (trailing slash): {@link configuredBaseUrl}, the rule the daemon uses without a request. @throws never */
export function downloadsBaseUrl(cfg: Config): URL {
  return new URL(`${configuredBaseUrl(cfg.downloads)}/`);
}

/** @throws UsageError (bad path or ttl, no links.secret, no usable address: wildcard host without publicUrl), ConfigError */
export async function signLinkCommand(args: ParsedArgs, io: CliIo): Promise<ExitCode> {
  const target = args.positionals[0];
  if (!target) throw new UsageError('sign-link: which file? give <category>/<release>/<file>');
  if (!args.ttl) throw new UsageError('sign-link: --ttl is required (e.g. --ttl 30d)');
  const feed = /^\/*feeds\//.test(target);
  const segments = target.replace(/^\/+/, '').replace(/^(dl|feeds)\//, '').split('/');
  if ((feed ? segments.length < 2 : segments.length !== 3) || segments.some((s) => s === '' || s === '.' || s === '..')) {
    throw new UsageError(`sign-link: "${target}" is not <category>/<release>/<file> or feeds/<category>/<feed>`);
  }
  const ttl = parseDuration(args.ttl);
  const file = args.config ?? DEFAULT_CONFIG_PATH;
  const { config } = loadConfigFile(file);
  const category = segments[0]!;
  if (!config.categories.some((c) => c.slug === category)) {
    throw new UsageError(`sign-link: no category "${category}" in ${file} (categories: ${config.categories.map((c) => c.slug).join(', ')})`);
  }
  if (!config.links.secret) throw new UsageError(`sign-link: links.secret is not set in ${file}; signed links need it`);
  if (!config.downloads.publicUrl && isWildcardHost(config.downloads.host)) {
    throw new UsageError(`sign-link: downloads.publicUrl is not set in ${file} and downloads.host "${config.downloads.host}" names no address a client could use; set downloads.publicUrl`);
  }
  const maxTtl = Math.floor(config.links.maxTtlDays * 86400);
  if (ttl > maxTtl) throw new UsageError(`sign-link: --ttl ${args.ttl} is longer than links.maxTtlDays (${config.links.maxTtlDays} days)`);
  const signer = createLinkSigner({ secret: config.links.secret, previous: config.links.previousSecrets, maxTtlSeconds: maxTtl });
  const root = feed ? 'feeds' : 'dl';
  const { query, expires } = signer.sign(`/${root}/${segments.join('/')}`, ttl);
  const url = new URL(`${root}/${segments.map(encodeURIComponent).join('/')}?${query}`, downloadsBaseUrl(config));
  io.stdout.write(`${url.href}\n`);
  io.stderr.write(`valid until ${new Date(expires * 1000).toISOString()}\n`);
  return EXIT.OK;
}
