/**
 * IP address lists from the config (`127.0.0.0/8`, `::1/128`, `10.1.2.3`) and the one rule for
 * "who is the client" behind reverse proxies. Pure; used by both listeners.
 */
import { BlockList, isIP } from 'node:net';
import type { IncomingMessage } from 'node:http';

/** Loopback, IPv4 and IPv6: the default of every address list. */
export const LOOPBACK_CIDRS: readonly string[] = ['127.0.0.0/8', '::1/128'];

/** `::ffff:1.2.3.4` (an IPv4 client on a dual-stack socket) → `1.2.3.4`; anything else unchanged. @throws never */
export function plainAddress(address: string): string {
  const m = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return m ? m[1]! : address;
}

function parseEntry(entry: string): { net: string; prefix: number; family: 'ipv4' | 'ipv6' } | undefined {
  const [addr = '', bits, extra] = entry.trim().split('/');
  if (extra !== undefined) return undefined;
  const v = isIP(addr);
  if (v === 0) return undefined;
  const max = v === 4 ? 32 : 128;
  const prefix = bits === undefined ? max : /^\d{1,3}$/.test(bits) ? Number(bits) : NaN;
  if (!(prefix >= 0 && prefix <= max)) return undefined;
  return { net: addr, prefix, family: v === 4 ? 'ipv4' : 'ipv6' };
}

/** Is this an IP address or a CIDR range? (the config schema's check) @throws never */
export function isCidr(entry: string): boolean {
  return parseEntry(entry) !== undefined;
}

/** A set of addresses from a list of CIDR ranges. */
export interface AddressList {
  /** Does the list contain this address (IPv4-mapped IPv6 counts as IPv4)? Non-addresses never match. @throws never */
  has(address: string | undefined): boolean;
}

const lists = new WeakMap<readonly string[], AddressList>();

/**
 * The address list for config entries (cached per array, so a config reload builds it once).
 * @throws Error when an entry is not an address or CIDR range (the schema rejects those first)
 */
export function addressList(entries: readonly string[]): AddressList {
  const cached = lists.get(entries);
  if (cached) return cached;
  const block = new BlockList();
  for (const e of entries) {
    const p = parseEntry(e);
    if (!p) throw new Error(`not an IP address or CIDR range: ${e}`);
    block.addSubnet(p.net, p.prefix, p.family);
  }
  const list: AddressList = {
    has(address) {
      if (!address) return false;
      const a = plainAddress(address);
      const v = isIP(a);
      return v !== 0 && block.check(a, v === 4 ? 'ipv4' : 'ipv6');
    },
  };
  lists.set(entries, list);
  return list;
}

/** What decides whom to believe about forwarded requests. */
export interface ProxyTrust {
  /** Honour X-Forwarded-* at all. */
  trustProxy: boolean;
  /** Peers whose X-Forwarded-* headers are believed (CIDR list). */
  trustedProxies: readonly string[];
}

/** Did this request arrive from a configured proxy whose forwarded headers count? @throws never */
export function fromTrustedProxy(req: IncomingMessage, trust: ProxyTrust): boolean {
  return trust.trustProxy && addressList(trust.trustedProxies).has(req.socket.remoteAddress);
}

/**
 * The client's address. The socket's peer, unless it is a trusted proxy (`trustProxy` and listed in
 * `trustedProxies`): then X-Forwarded-For is walked from the right, skipping trusted proxies, and the
 * first other address is the client (a visitor cannot forge the entries our own proxies appended).
 * @throws never
 */
export function clientAddress(req: IncomingMessage, trust: ProxyTrust): string {
  const peer = plainAddress(req.socket.remoteAddress ?? '');
  if (!fromTrustedProxy(req, trust)) return peer;
  const raw = req.headers['x-forwarded-for'];
  if (!raw) return peer;
  const hops = (Array.isArray(raw) ? raw.join(',') : raw).split(',').map((h) => plainAddress(h.trim()));
  const proxies = addressList(trust.trustedProxies);
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = hops[i]!;
    if (isIP(hop) === 0) return peer; // garbage in the chain: believe nothing beyond our own proxy
    if (!proxies.has(hop)) return hop;
  }
  return hops[0] ?? peer;
}
