/** The client-address and public-origin rules (pure): CIDR lists, X-Forwarded-* only via trusted proxies and public names; their config keys. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { addressList, clientAddress, isCidr } from '../../src/security/addresses.ts';
import { configuredBaseUrl, publicBaseUrl, type PublicOriginSettings } from '../../src/downloads/public-origin.ts';
import { parseConfig } from '../../src/config/load.ts';

const req = (peer: string, headers: Record<string, string> = {}, local = { localAddress: '10.9.8.7', localPort: 8443 }) =>
  ({ headers, socket: { remoteAddress: peer, ...local } }) as unknown as IncomingMessage;

const base: PublicOriginSettings = {
  host: '127.0.0.1', port: 8081, tls: undefined, publicUrl: undefined, trustProxy: false, trustedProxies: ['127.0.0.0/8', '::1/128'], publicHosts: [],
};

test('CIDR lists: v4, v6, single addresses, IPv4-mapped IPv6; garbage rejected', () => {
  for (const ok of ['10.0.0.0/8', '192.0.2.7', '::1/128', '2001:db8::/32', '0.0.0.0/0']) assert.ok(isCidr(ok), ok);
  for (const bad of ['10.0.0.0/33', 'example.com', '10.0.0.0/8/1', '', '::1/129', '1.2.3.4/x']) assert.ok(!isCidr(bad), bad);
  const l = addressList(['10.0.0.0/8', '::1/128']);
  assert.ok(l.has('10.200.1.1'));
  assert.ok(l.has('::ffff:10.1.2.3'));
  assert.ok(l.has('::1'));
  assert.ok(!l.has('11.0.0.1'));
  assert.ok(!l.has('not-an-ip'));
  assert.ok(!l.has(undefined));
  const b = addressList(['10.0.0.0/9', '2001:db8::/33', '0.0.0.0/32', 'fe80::/10', '::ffff:192.0.2.0/120']);
  for (const yes of ['10.127.255.255', '10.0.0.0', '2001:db8::1', '2001:db8:7fff:ffff::1', '0.0.0.0', 'fe80::1%eth0', 'febf::1', '2001:db8:0:0:0:0:1.2.3.4']) assert.ok(b.has(yes), yes);
  for (const no of ['10.128.0.0', '2001:db8:8000::1', '2001:db9::1', '0.0.0.1', 'fec0::1', '::1', '127.0.0.1']) assert.ok(!b.has(no), no);
  const all = addressList(['0.0.0.0/0', '::/0']);
  for (const yes of ['1.2.3.4', '255.255.255.255', '::', 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff']) assert.ok(all.has(yes), yes);
  const v6only = addressList(['2001:db8::/32']);
  assert.ok(!v6only.has('32.1.13.184'), 'an IPv4 address never matches an IPv6 range');
});

test('client address: X-Forwarded-For only from a trusted proxy, walked from the right', () => {
  const trust = { trustProxy: true, trustedProxies: ['127.0.0.0/8', '10.0.0.0/8'] };
  assert.equal(clientAddress(req('203.0.113.1', { 'x-forwarded-for': '127.0.0.1' }), trust), '203.0.113.1', 'a non-proxy cannot claim an address');
  assert.equal(clientAddress(req('127.0.0.1', { 'x-forwarded-for': '127.0.0.5, 198.51.100.2, 10.0.0.3' }), trust), '198.51.100.2', 'a forged left entry does not count');
  assert.equal(clientAddress(req('127.0.0.1', { 'x-forwarded-for': 'junk' }), trust), '127.0.0.1');
  assert.equal(clientAddress(req('127.0.0.1', { 'x-forwarded-for': '198.51.100.2' }), { ...trust, trustProxy: false }), '127.0.0.1');
  assert.equal(clientAddress(req('::ffff:127.0.0.1'), trust), '127.0.0.1');
});

test('public origin: publicUrl, else the listener address; Host never', () => {
  const evil = { host: 'evil.example', 'x-forwarded-host': 'evil.example', 'x-forwarded-proto': 'https' };
  assert.equal(publicBaseUrl(req('127.0.0.1', evil), base), 'http://127.0.0.1:8443');
  assert.equal(publicBaseUrl(req('127.0.0.1', evil), { ...base, host: '0.0.0.0' }), 'http://10.9.8.7:8443');
  assert.equal(publicBaseUrl(req('::1', evil, { localAddress: '::1', localPort: 81 }), { ...base, host: '::' }), 'http://[::1]:81');
  assert.equal(publicBaseUrl(req('127.0.0.1', evil), { ...base, tls: { certPath: 'c', keyPath: 'k' }, trustProxy: true }), 'https://127.0.0.1:8443');
  assert.equal(publicBaseUrl(req('127.0.0.1', evil), { ...base, publicUrl: 'https://dl.example.com/x/' }), 'https://dl.example.com/x');
  assert.equal(configuredBaseUrl({ ...base, host: '::1' }), 'http://[::1]:8081');
});

test('public origin behind a proxy: forwarded host only from trusted proxies and only for a public name', () => {
  const s = { ...base, publicUrl: 'https://dl.example.com/x/', trustProxy: true, publicHosts: ['Mirror.example.com:8443'] };
  const fwd = (h: string, proto = 'http') => ({ host: 'evil.example', 'x-forwarded-host': h, 'x-forwarded-proto': proto });
  assert.equal(publicBaseUrl(req('127.0.0.1', fwd('mirror.example.com:8443')), s), 'http://mirror.example.com:8443/x');
  assert.equal(publicBaseUrl(req('127.0.0.1', fwd('dl.example.com', 'gopher')), s), 'https://dl.example.com/x', 'unknown proto → publicUrl scheme');
  assert.equal(publicBaseUrl(req('127.0.0.1', fwd('evil.example')), s), 'https://dl.example.com/x');
  assert.equal(publicBaseUrl(req('127.0.0.1', fwd('mirror.example.com')), s), 'https://dl.example.com/x', 'the port is part of the name');
  assert.equal(publicBaseUrl(req('192.0.2.1', fwd('mirror.example.com:8443')), s), 'https://dl.example.com/x', 'not a trusted proxy');
  assert.equal(publicBaseUrl(req('127.0.0.1', fwd('mirror.example.com:8443')), { ...s, trustProxy: false }), 'https://dl.example.com/x');
});

test('config: address lists are validated and default to loopback; the ops token is a secret', () => {
  const cats = 'categories:\n  - { slug: a, directory: /tmp/a }\n';
  assert.throws(() => parseConfig(`downloads:\n  trustedProxies: [10.0.0.0/8, nope]\n${cats}`), /downloads\.trustedProxies\.1: not an IP address or CIDR range/);
  assert.throws(() => parseConfig(`downloads:\n  ops:\n    allowFrom: [300.1.1.1]\n${cats}`), /downloads\.ops\.allowFrom\.0/);
  assert.throws(() => parseConfig(`downloads:\n  ops:\n    token: short\n${cats}`), /at least 16 characters/);
  const c = parseConfig(`downloads:\n  ops:\n    token: a-long-enough-ops-token\n${cats}`);
  assert.deepEqual(c.downloads.ops.allowFrom, ['127.0.0.0/8', '::1/128']);
  assert.deepEqual(c.webdav.trustedProxies, ['127.0.0.0/8', '::1/128']);
  assert.equal(String(c.downloads.ops.token), '[redacted]');
});
