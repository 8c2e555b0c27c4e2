import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Secret } from '../../src/config/secret.ts';
import { createLinkSigner, parseTtl } from '../../src/downloads/links.ts';
import { contentDisposition, parseRange } from '../../src/downloads/http-util.ts';

const s = (v: string) => new Secret(v);
const signer = createLinkSigner({ secret: s('a'.repeat(40)), previous: [s('b'.repeat(40))], maxTtlSeconds: 31 * 86400 });

test('signed links: ok, expired, tampered, other path, rotation, bounds', () => {
  const now = Date.UTC(2025, 0, 1);
  const { query, expires } = signer.sign('/dl/c/r/f.zip', 3600, now);
  const q = new URLSearchParams(query);
  assert.equal(expires, now / 1000 + 3600);
  assert.equal(signer.verify('/dl/c/r/f.zip', q.get('expires')!, q.get('sig')!, now), 'ok');
  assert.equal(signer.verify('/dl/c/r/f.zip', q.get('expires')!, q.get('sig')!, now + 3601_000), 'expired');
  assert.equal(signer.verify('/dl/c/r/g.zip', q.get('expires')!, q.get('sig')!, now), 'bad');
  assert.equal(signer.verify('/dl/c/r/f.zip', String(expires + 1), q.get('sig')!, now), 'bad', 'expiry is signed');
  assert.equal(signer.verify('/dl/c/r/f.zip', q.get('expires')!, undefined, now), 'bad');
  assert.equal(signer.verify('/dl/c/r/f.zip', 'abc', q.get('sig')!, now), 'bad');
  const old = createLinkSigner({ secret: s('b'.repeat(40)), previous: [], maxTtlSeconds: 86400 }).sign('/dl/c/r/f.zip', 60, now);
  const oq = new URLSearchParams(old.query);
  assert.equal(signer.verify('/dl/c/r/f.zip', oq.get('expires')!, oq.get('sig')!, now), 'ok', 'previous secret accepted');
  assert.throws(() => signer.sign('/dl/c/r/f.zip', 32 * 86400), /lifetime/);
  assert.throws(() => signer.sign('/dl/c/r/f.zip', 0), /lifetime/);
  assert.throws(() => signer.sign('/c/r/f.zip', 60), /\/dl\//);
});

test('ttl parsing', () => {
  assert.equal(parseTtl('30d'), 30 * 86400);
  assert.equal(parseTtl('12h'), 43200);
  assert.equal(parseTtl('90m'), 5400);
  assert.equal(parseTtl('45'), 45);
  assert.throws(() => parseTtl('soon'));
});

test('content-disposition and range parsing', () => {
  assert.equal(contentDisposition('a "b".zip'), `attachment; filename="a _b_.zip"; filename*=UTF-8''a%20%22b%22.zip`);
  assert.equal(contentDisposition('é(1).zip'), `attachment; filename="_(1).zip"; filename*=UTF-8''%C3%A9%281%29.zip`);
  assert.deepEqual(parseRange('bytes=-5', 3), { start: 0, end: 2 });
  assert.equal(parseRange('bytes=3-', 3), 'unsatisfiable');
  assert.equal(parseRange('bytes=0-0', 0), 'unsatisfiable');
  assert.equal(parseRange(undefined, 3), undefined);
});
