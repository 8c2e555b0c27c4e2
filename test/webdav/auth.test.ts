import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { startDaemon, USERS, type TestDaemon } from '../helpers/daemon.ts';
import { DigestVerifier, parseDigest } from '../../src/auth/digest.ts';
import { BruteForceGuard } from '../../src/auth/brute-force.ts';
import { digestHa1 } from '../../src/auth/passwords.ts';
import { configSchema } from '../../src/config/schema.ts';
import { dav } from './http.ts';

let d: TestDaemon;
before(async () => { d = await startDaemon({ s3: false }); });
after(async () => { await d.close(); });

const md5 = (s: string) => createHash('md5').update(s).digest('hex');
function digestHeader(challenge: string, user: string, password: string, method: string, uri: string, realm = 'ReleaseDAV'): string {
  const nonce = /nonce="([^"]+)"/.exec(challenge)![1]!;
  const ha1 = md5(`${user}:${realm}:${password}`);
  const cnonce = 'abcdef0123';
  const nc = '00000001';
  const response = md5(`${ha1}:${nonce}:${nc}:${cnonce}:auth:${md5(`${method}:${uri}`)}`);
  return `Digest username="${user}", realm="${realm}", nonce="${nonce}", uri="${uri}", qop=auth, nc=${nc}, cnonce="${cnonce}", response="${response}", algorithm=MD5`;
}

test('anonymous on a private category: 401 offering Digest and Basic', async () => {
  const r = await dav(d, 'PROPFIND', '/files/', { user: null, headers: { Depth: '0' } });
  assert.equal(r.status, 401);
  const ch = String(r.headers['www-authenticate']); // Node joins the two headers with ", "
  assert.match(ch, /^Digest realm="ReleaseDAV", qop="auth", algorithm=MD5, nonce="[^"]+"/);
  assert.match(ch, /Basic realm="ReleaseDAV"/);
});

test('anonymous may read a category whose list says anonymous, but not write it', async () => {
  assert.equal((await dav(d, 'PROPFIND', '/public/', { user: null, headers: { Depth: '0' } })).status, 207);
  assert.equal((await dav(d, 'PUT', '/public/x.txt', { user: null, body: 'x' })).status, 401);
});

test('signed in without permission: 403 (bob writes; bob reads secret)', async () => {
  assert.equal((await dav(d, 'PUT', '/files/bob.txt', { user: 'bob', body: 'x' })).status, 403);
  assert.equal((await dav(d, 'PROPFIND', '/secret/', { user: 'bob', headers: { Depth: '0' } })).status, 403);
  assert.equal((await dav(d, 'PROPFIND', '/files/', { user: 'bob', headers: { Depth: '0' } })).status, 207);
  assert.equal((await dav(d, 'PUT', '/secret/root.txt', { user: 'root', body: 'x' })).status, 201, 'admins may do everything');
});

test('Basic with a password containing ":" and a space works; a wrong one is 401 and logged without the password', async () => {
  assert.equal((await dav(d, 'PROPFIND', '/files/', { headers: { Depth: '0' } })).status, 207);
  const wrong = 'Basic ' + Buffer.from('alice:not-the-password-xyz').toString('base64');
  const r = await dav(d, 'PROPFIND', '/files/', { headers: { Depth: '0', Authorization: wrong } });
  assert.equal(r.status, 401);
  const lines = d.logs().filter((l) => l.includes('login failed'));
  assert.ok(lines.some((l) => l.includes('"user":"alice"') && l.includes('"ip":')), lines.join('\n'));
  assert.ok(!d.logs().some((l) => l.includes('not-the-password-xyz') || l.includes(USERS.alice)));
});

test('Digest (RFC 7616, MD5, qop=auth) signs in with the configured HA1', async () => {
  const first = await dav(d, 'PROPFIND', '/files/', { user: null, headers: { Depth: '0' } });
  const ch = ([] as string[]).concat(first.headers['www-authenticate'] ?? []).find((c) => c.startsWith('Digest'))!;
  const ok = await dav(d, 'PROPFIND', '/files/', { user: null, headers: { Depth: '0', Authorization: digestHeader(ch, 'alice', USERS.alice, 'PROPFIND', '/files/') } });
  assert.equal(ok.status, 207);
  const bad = await dav(d, 'PROPFIND', '/files/', { user: null, headers: { Depth: '0', Authorization: digestHeader(ch, 'alice', 'wrong', 'PROPFIND', '/files/') } });
  assert.equal(bad.status, 401);
  const otherUri = await dav(d, 'PROPFIND', '/files/', { user: null, headers: { Depth: '0', Authorization: digestHeader(ch, 'alice', USERS.alice, 'PROPFIND', '/public/') } });
  assert.equal(otherUri.status, 401);
  const forged = ch.replace(/nonce="([^"]+)"/, 'nonce="1.forged"');
  assert.equal((await dav(d, 'PROPFIND', '/files/', { user: null, headers: { Depth: '0', Authorization: digestHeader(forged, 'alice', USERS.alice, 'PROPFIND', '/files/') } })).status, 401);
});

test('DigestVerifier: an expired nonce is stale (stale=true), a user without HA1 fails', () => {
  let now = 1_000_000;
  const v = new DigestVerifier({ nonceLifetimeSeconds: 60, now: () => now });
  const cfg = configSchema.parse({ auth: { users: { u: { password: 'scrypt$x', digestHa1: digestHa1('u', 'R', 'pw') }, n: { password: 'scrypt$y' } } }, categories: [{ slug: 'a', directory: '/tmp/a' }] });
  const ch = v.challenge('R');
  const creds = parseDigest(digestHeader(ch, 'u', 'pw', 'GET', '/a/x', 'R'))!;
  assert.deepEqual(v.verify(creds, 'GET', '/a/x', 'R', cfg.auth.users), { ok: true, user: 'u' });
  now += 61_000;
  assert.deepEqual(v.verify(creds, 'GET', '/a/x', 'R', cfg.auth.users), { ok: false, stale: true });
  assert.match(v.challenge('R', true), /stale=true/);
  const n = parseDigest(digestHeader(v.challenge('R'), 'n', 'pw', 'GET', '/a/x', 'R'))!;
  assert.equal(v.verify(n, 'GET', '/a/x', 'R', cfg.auth.users).ok, false);
});

test('BruteForceGuard: maxFailures in the window lock the IP out for lockoutSeconds', () => {
  let now = 0;
  const g = new BruteForceGuard(() => now);
  const limits = { maxFailures: 3, windowSeconds: 10, lockoutSeconds: 30 };
  g.fail('1.2.3.4', limits); g.fail('1.2.3.4', limits);
  assert.equal(g.retryAfter('1.2.3.4'), 0);
  now = 11_000; // window passed: counting restarts
  g.fail('1.2.3.4', limits); g.fail('1.2.3.4', limits);
  assert.equal(g.retryAfter('1.2.3.4'), 0);
  assert.equal(g.fail('1.2.3.4', limits), true);
  assert.equal(g.retryAfter('1.2.3.4'), 30);
  assert.equal(g.retryAfter('5.6.7.8'), 0);
  now += 30_001;
  assert.equal(g.retryAfter('1.2.3.4'), 0);
});

test('repeated failed logins from one IP get 429 with Retry-After, also for correct credentials', async () => {
  const b = await startDaemon({ s3: false, config: { auth: { bruteForce: { maxFailures: 3, windowSeconds: 60, lockoutSeconds: 120 } } } });
  try {
    const wrong = 'Basic ' + Buffer.from('alice:wrong').toString('base64');
    for (let i = 0; i < 3; i++) assert.equal((await dav(b, 'PROPFIND', '/files/', { headers: { Depth: '0', Authorization: wrong } })).status, 401);
    const r = await dav(b, 'PROPFIND', '/files/', { headers: { Depth: '0' } });
    assert.equal(r.status, 429);
    assert.ok(Number(r.headers['retry-after']) > 0);
    assert.ok(b.logs().some((l) => l.includes('locked out')));
  } finally {
    await b.close();
  }
});
