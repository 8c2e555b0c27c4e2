/**
 * The one rule for absolute URLs of the downloads listener (feeds, Atom, API, signed links, anything
 * a client stores or caches). The request's `Host` header is never used:
 *
 * 1. With `trustProxy`, a request whose socket peer is in `trustedProxies` and whose
 *    `X-Forwarded-Host` is one of the configured public names (`publicHosts`, plus the host of
 *    `publicUrl`) gets `X-Forwarded-Proto` (http|https) + that host + publicUrl's path.
 * 2. Else `publicUrl`.
 * 3. Else the listener's configured address: `http(s)://host:port` with the configured host (for a
 *    wildcard bind such as 0.0.0.0, the local address the connection arrived on) and the port the
 *    listener is bound to — both from the socket, chosen by the kernel, never by the client.
 *
 * Every URL builder calls {@link publicBaseUrl} (or {@link configuredBaseUrl} where there is no
 * request, e.g. the CLI). Redirects of this listener stay relative.
 */
import type { IncomingMessage } from 'node:http';
import type { Config } from '../config/schema.ts';
import { fromTrustedProxy, plainAddress } from '../security/addresses.ts';

/** The listener settings the rule reads (`config.downloads`). */
export type PublicOriginSettings = Pick<Config['downloads'], 'host' | 'port' | 'tls' | 'publicUrl' | 'trustProxy' | 'trustedProxies' | 'publicHosts'>;

const WILDCARDS = new Set(['', '0.0.0.0', '::', '[::]', '::0']);

const strip = (url: string) => url.replace(/\/+$/, '');

/** Is this listener host a wildcard bind (0.0.0.0, ::), which names no address a client could use? @throws never */
export function isWildcardHost(host: string): boolean {
  return WILDCARDS.has(host);
}

function firstValue(v: string | string[] | undefined): string | undefined {
  const s = Array.isArray(v) ? v[0] : v;
  const first = s?.split(',', 1)[0]?.trim();
  return first || undefined;
}

/** What the rule needs from the settings, parsed once per settings object. */
interface Parsed { names: Set<string>; publicProto: string | undefined; publicPath: string }
const parsed = new WeakMap<PublicOriginSettings, Parsed>();

function parse(s: PublicOriginSettings): Parsed {
  let p = parsed.get(s);
  if (!p) {
    const pub = s.publicUrl ? new URL(s.publicUrl) : undefined;
    p = { names: publicNames(s), publicProto: pub?.protocol.slice(0, -1), publicPath: pub ? strip(pub.pathname) : '' };
    parsed.set(s, p);
  }
  return p;
}

/** The configured public names, lowercase (`publicHosts` and publicUrl's host). @throws never */
export function publicNames(s: PublicOriginSettings): Set<string> {
  const names = new Set(s.publicHosts.map((h) => h.toLowerCase()));
  if (s.publicUrl) names.add(new URL(s.publicUrl).host.toLowerCase());
  return names;
}

/**
 * Base URL from the configuration alone (no trailing slash): publicUrl, else `http(s)://host:port`.
 * `local` is the socket's local side: its address replaces a wildcard host, its port the configured
 * one (they differ only when the configured port is 0).
 * @throws never
 */
export function configuredBaseUrl(s: PublicOriginSettings, local?: { address?: string; port?: number }): string {
  if (s.publicUrl) return strip(s.publicUrl);
  let host = isWildcardHost(s.host) && local?.address ? plainAddress(local.address) : s.host;
  if (host.includes(':') && !host.startsWith('[')) host = `[${host}]`;
  const port = local?.port || s.port;
  return `${s.tls ? 'https' : 'http'}://${host}:${port}`;
}

/**
 * Absolute base URL (no trailing slash) for links in the answer to `req`, by the rule above.
 * Never derived from the `Host` header; `X-Forwarded-Host`/`-Proto` count only from a trusted
 * proxy and only for a configured public name.
 * @throws never
 */
export function publicBaseUrl(req: IncomingMessage, s: PublicOriginSettings): string {
  if (fromTrustedProxy(req, s)) {
    const fwdHost = firstValue(req.headers['x-forwarded-host'])?.toLowerCase();
    const p = parse(s);
    if (fwdHost && p.names.has(fwdHost)) {
      const fwdProto = firstValue(req.headers['x-forwarded-proto'])?.toLowerCase();
      const proto = fwdProto === 'http' || fwdProto === 'https' ? fwdProto : p.publicProto ?? (s.tls ? 'https' : 'http');
      return `${proto}://${fwdHost}${p.publicPath}`;
    }
  }
  return configuredBaseUrl(s, { address: req.socket.localAddress, port: req.socket.localPort });
}
