/**
 * IP address lists from the config (`127.0.0.0/8`, `::1/128`, `10.1.2.3`) and the one rule for
 * "who is the client" behind reverse proxies. Pure; used by both listeners.
 */
import { isIP } from 'node:net';
import type { IncomingMessage } from 'node:http';

/** Loopback, IPv4 and IPv6: the default of every address list. */
export const LOOPBACK_CIDRS: readonly string[] = ['127.0.0.0/8', '::1/128'];

/** `::ffff:1.2.3.4` (an IPv4 client on a dual-stack socket) → `1.2.3.4`; anything else unchanged. @throws never */
export function plainAddress(address: string): string {
  const m = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return m ? m[1]! : address;
}

/** An IPv4 address as an unsigned 32-bit number (the input is already known valid). */
function v4Number(a: string): number {
  let n = 0;
  for (const part of a.split('.')) n = n * 256 + Number(part);
  return n;
}

/** An IPv6 address as 8 groups of 16 bits (the input is already known valid; a zone is dropped). */
function v6Groups(a: string): number[] {
  const zone = a.indexOf('%');
  const s = zone >= 0 ? a.slice(0, zone) : a;
  const half = (t: string): number[] => {
    const out: number[] = [];
    for (const g of t.split(':')) {
      if (g === '') continue;
      if (g.includes('.')) {
        const n = v4Number(g);
        out.push(Math.floor(n / 65536), n % 65536);
      } else out.push(parseInt(g, 16));
    }
    return out;
  };
  const gap = s.indexOf('::');
  if (gap < 0) return half(s);
  const head = half(s.slice(0, gap));
  const tail = half(s.slice(gap + 2));
  return [...head, ...new Array<number>(8 - head.length - tail.length).fill(0), ...tail];
}

/** One parsed CIDR range. */
type Range = { family: 4; net: number; prefix: number } | { family: 6; net: number[]; prefix: number };

function parseEntry(entry: string): Range | undefined {
  const [addr = '', bits, extra] = entry.trim().split('/');
  if (extra !== undefined) return undefined;
  const v = isIP(addr);
  if (v === 0) return undefined;
  const max = v === 4 ? 32 : 128;
  const prefix = bits === undefined ? max : /^\d{1,3}$/.test(bits) ? Number(bits) : NaN;
  if (!(prefix >= 0 && prefix <= max)) return undefined;
  return v === 4 ? { family: 4, net: v4Number(addr), prefix } : { family: 6, net: v6Groups(addr), prefix };
}

/** Do the first `prefix` bits of two values of `width` bits agree? */
function samePrefix(a: number, b: number, prefix: number, width: number): boolean {
  if (prefix <= 0) return true;
  const shift = 2 ** (width - prefix);
  return Math.floor(a / shift) === Math.floor(b / shift);
}

function inRange(r: Range, family: 4 | 6, v4: number, v6: number[] | undefined): boolean {
  if (r.family === 4) return family === 4 && samePrefix(v4, r.net, r.prefix, 32);
  if (family !== 6 || !v6) return false;
  for (let i = 0, left = r.prefix; left > 0; i++, left -= 16) {
    if (!samePrefix(v6[i]!, r.net[i]!, Math.min(16, left), 16)) return false;
  }
  return true;
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
  const ranges = entries.map((e) => {
    const r = parseEntry(e);
    if (!r) throw new Error(`not an IP address or CIDR range: ${e}`);
    return r;
  });
  const list: AddressList = {
    has(address) {
      if (!address) return false;
      const a = plainAddress(address);
      const v = isIP(a);
      if (v === 0) return false;
      const n4 = v === 4 ? v4Number(a) : 0;
      const g6 = v === 6 ? v6Groups(a) : undefined;
      return ranges.some((r) => inRange(r, v as 4 | 6, n4, g6));
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
