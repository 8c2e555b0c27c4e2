/** What every downloads route receives: the state of this request and the server's collaborators. */
import type { Context } from 'koa';
import type { BasicVerifier } from '../auth/basic.ts';
import type { Catalog } from '../catalog/types.ts';
import type { Config } from '../config/schema.ts';
import type { Logger } from '../log.ts';
import type { Metrics } from '../metrics.ts';
import type { RuntimeState } from '../vfs/mount.ts';
import { identify, type Identity } from './access.ts';
import { createLinkSigner, type LinkSigner } from './links.ts';

/** Long-lived collaborators of the downloads server. */
export interface ServerParts {
  catalog: Catalog;
  log: Logger;
  metrics: Metrics;
  verifier: BasicVerifier;
  /** Fixed signer (tests, CLI); otherwise built from config.links per state. */
  signer?: LinkSigner;
  /** Per-mount timeout of /readyz, ms. */
  readyTimeoutMs: number;
}

const signers = new WeakMap<Config, LinkSigner | null>();

/** The link signer for a config (undefined when no links.secret is set). @throws never */
export function signerFor(parts: ServerParts, config: Config): LinkSigner | undefined {
  if (parts.signer) return parts.signer;
  let s = signers.get(config);
  if (s === undefined) {
    s = config.links.secret
      ? createLinkSigner({ secret: config.links.secret, previous: config.links.previousSecrets, maxTtlSeconds: Math.round(config.links.maxTtlDays * 86400) })
      : null;
    signers.set(config, s);
  }
  return s ?? undefined;
}

/** Absolute base URL (no trailing slash): downloads.publicUrl, else the request's protocol and Host. @throws never */
export function baseUrl(ctx: Context, config: Config): string {
  const pub = config.downloads.publicUrl;
  if (pub) return pub.replace(/\/+$/, '');
  return `${ctx.protocol}://${ctx.host}`;
}

/** The first value of a query parameter. @throws never */
export function queryValue(ctx: Context, name: string): string | undefined {
  const v = ctx.query[name];
  return Array.isArray(v) ? v[0] : v;
}

/** Identifies the visitor of this request (Basic or ?dlid=). @throws never */
export function visitor(ctx: Context, state: RuntimeState, parts: ServerParts): Promise<Identity> {
  return identify(state.config, parts.verifier, ctx.get('Authorization') || undefined, queryValue(ctx, 'dlid'));
}
