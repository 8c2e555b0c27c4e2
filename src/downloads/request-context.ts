/** What every downloads route receives: the state of this request and the server's collaborators. */
import type { Context } from 'koa';
import { parseBasic, type BasicVerifier } from '../auth/basic.ts';
import type { BruteForceGuard } from '../auth/brute-force.ts';
import type { Catalog } from '../catalog/types.ts';
import type { Config } from '../config/schema.ts';
import type { Logger } from '../log.ts';
import type { Metrics } from '../metrics.ts';
import type { ClusterView } from '../lifecycle/cluster-worker.ts';
import type { RuntimeState } from '../vfs/mount.ts';
import { identify, type Identity } from './access.ts';
import { createLinkSigner, type LinkSigner } from './links.ts';
import { publicBaseUrl } from './public-origin.ts';

/** Long-lived collaborators of the downloads server. */
export interface ServerParts {
  catalog: Catalog;
  log: Logger;
  metrics: Metrics;
  verifier: BasicVerifier;
  /** Per-IP failed-login counter shared by every route of this listener. */
  guard: BruteForceGuard;
  /** Fixed signer (tests, CLI); otherwise built from config.links per state. */
  signer?: LinkSigner;
  /** Per-mount timeout of /readyz, ms. */
  readyTimeoutMs: number;
  /** Where the WebDAV locks live and whether that store answers now (shown by /readyz). */
  lockStore?: () => { kind: 'memory' | 'redis'; up: boolean };
  /** Set in a cluster worker (`workers` > 1): worker counts and the daemon-wide metrics. */
  cluster?: ClusterView;
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

/** Absolute base URL (no trailing slash) for this request: {@link publicBaseUrl}, the one rule (never the Host header). @throws never */
export function baseUrl(ctx: Context, config: Config): string {
  return publicBaseUrl(ctx.req, config.downloads);
}

/** The first value of a query parameter. @throws never */
export function queryValue(ctx: Context, name: string): string | undefined {
  const v = ctx.query[name];
  return Array.isArray(v) ? v[0] : v;
}

/**
 * Identifies the visitor of this request (Basic or ?dlid=) and counts failed credentials per IP
 * (auth.bruteForce); the server answers 429 to a locked-out IP that offers credentials. @throws never
 */
export function visitor(ctx: Context, state: RuntimeState, parts: ServerParts): Promise<Identity> {
  return visitorOf({ ip: ctx.ip, authorization: ctx.get('Authorization') || undefined, dlid: queryValue(ctx, 'dlid') }, state, parts);
}

/** The credentials a request offers, read without Koa (the /dl fast path). */
export interface OfferedCredentials { ip: string; authorization: string | undefined; dlid: string | undefined }

/** {@link visitor} for a request already taken apart (same checks, same guard, same log line). @throws never */
export async function visitorOf(c: OfferedCredentials, state: RuntimeState, parts: ServerParts): Promise<Identity> {
  const id = await identify(state.config, parts.verifier, c.authorization, c.dlid);
  if (id.failed) {
    const locked = parts.guard.fail(c.ip, state.config.auth.bruteForce);
    parts.metrics.authFailures.inc({ listener: 'downloads' });
    const user = id.failed === 'basic' ? parseBasic(c.authorization)?.user : undefined;
    parts.log.warn({ ip: c.ip, via: id.failed, user, lockout: locked || undefined }, 'downloads: failed authentication');
  } else if (id.via === 'basic') {
    parts.guard.succeed(c.ip);
  }
  return id;
}

/** Offers credentials (Authorization or ?dlid=). @throws never */
export function offersCredentials(ctx: Context): boolean {
  return !!ctx.get('Authorization') || queryValue(ctx, 'dlid') !== undefined;
}
