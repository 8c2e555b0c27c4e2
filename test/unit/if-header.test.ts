import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseIfHeader, submittedTokens, evaluateIf, type IfResourceState } from '../../src/webdav/locks/if-header.ts';
import { isVfsError } from '../../src/vfs/errors.ts';

const TOK = 'opaquelocktoken:1b6c2a3e-0000-4000-8000-000000000001';
const OTHER = 'opaquelocktoken:1b6c2a3e-0000-4000-8000-000000000002';

const states = (m: Record<string, IfResourceState>) => async (p: string) => m[p] ?? { exists: false, lockTokens: [] };

test('parses an untagged token list and the Not <DAV:no-lock> list', () => {
  const lists = parseIfHeader(`(<${TOK}>) (Not <DAV:no-lock>)`);
  assert.deepEqual(lists, [
    { conditions: [{ not: false, kind: 'token', value: TOK }] },
    { conditions: [{ not: true, kind: 'token', value: 'DAV:no-lock' }] },
  ]);
  assert.deepEqual(submittedTokens(lists), [TOK]);
});

test('parses tagged lists with absolute URLs and paths, decoding the tag', () => {
  const lists = parseIfHeader(`<http://Example.com:8080/stable/a%20b/> (<${TOK}> ["x1"]) </nightly/%C3%A9> (Not ["y"])`);
  assert.equal(lists.length, 2);
  assert.equal(lists[0]!.resourceTag, '/stable/a b/');
  assert.equal(lists[0]!.resourceHost, 'example.com:8080');
  assert.deepEqual(lists[0]!.conditions[1], { not: false, kind: 'etag', value: 'x1' });
  assert.equal(lists[1]!.resourceTag, '/nightly/é');
  assert.equal(lists[1]!.resourceHost, undefined);
  assert.deepEqual(lists[1]!.conditions, [{ not: true, kind: 'etag', value: 'y' }]);
});

test('etags: weak prefix, quotes and brackets inside the quoted string', () => {
  const [l] = parseIfHeader('([W/"a]b"])');
  assert.deepEqual(l!.conditions, [{ not: false, kind: 'etag', value: 'a]b' }]);
});

test('syntax errors throw EINVAL', () => {
  for (const bad of ['', '   ', '(', '()', '(<tok>', '<http://x/a>', '(["unterminated])', '([noquotes])', '(foo)', 'garbage', '</a%ZZ> (<t>)', '(<>)']) {
    assert.throws(() => parseIfHeader(bad), (e) => isVfsError(e, 'EINVAL'), bad);
  }
});

test('token lists hold only when the token covers the resource', async () => {
  const st = states({ '/s/f': { exists: true, etag: 'e1', lockTokens: [TOK] } });
  assert.equal(await evaluateIf(parseIfHeader(`(<${TOK}>)`), '/s/f', st), true);
  assert.equal(await evaluateIf(parseIfHeader(`(<${OTHER}>)`), '/s/f', st), false);
  assert.equal(await evaluateIf(parseIfHeader(`(<DAV:no-lock>)`), '/s/f', st), false);
  assert.equal(await evaluateIf(parseIfHeader(`(Not <DAV:no-lock>)`), '/s/f', st), true);
  // the litmus cond_put_with_not shape: a foreign token, or anything
  assert.equal(await evaluateIf(parseIfHeader(`(<${OTHER}>) (Not <DAV:no-lock>)`), '/s/f', st), true);
  // token + etag must both hold
  assert.equal(await evaluateIf(parseIfHeader(`(<${TOK}> ["e1"])`), '/s/f', st), true);
  assert.equal(await evaluateIf(parseIfHeader(`(<${TOK}> ["e2"])`), '/s/f', st), false);
  assert.equal(await evaluateIf(parseIfHeader(`(<${TOK}> ["e2"]) (Not <DAV:no-lock> ["e1"])`), '/s/f', st), true);
  assert.equal(await evaluateIf(parseIfHeader(`(<${TOK}> ["e2"]) (Not <DAV:no-lock> ["e2"])`), '/s/f', st), false);
});

test('etag conditions never hold on a missing resource; Not etag does', async () => {
  const st = states({});
  assert.equal(await evaluateIf(parseIfHeader('(["e1"])'), '/s/missing', st), false);
  assert.equal(await evaluateIf(parseIfHeader('(Not ["e1"])'), '/s/missing', st), true);
});

test('tagged lists are evaluated against the tagged resource; other hosts never match', async () => {
  const st = states({ '/s/coll/': { exists: true, etag: 'c', lockTokens: [TOK] }, '/s/coll/f': { exists: true, etag: 'f', lockTokens: [] } });
  const h = `<http://dav.test/s/coll/> (<${TOK}>)`;
  assert.equal(await evaluateIf(parseIfHeader(h), '/s/coll/f', st, { host: 'dav.test' }), true);
  assert.equal(await evaluateIf(parseIfHeader(h), '/s/coll/f', st, { host: 'elsewhere.test' }), false);
  assert.equal(await evaluateIf(parseIfHeader(`</s/coll/f> (<${TOK}>)`), '/s/coll/f', st), false);
});

test('tokens from the state are compared without brackets', async () => {
  const st = states({ '/s/f': { exists: true, lockTokens: [`<${TOK}>`] } });
  assert.equal(await evaluateIf(parseIfHeader(`(<${TOK}>)`), '/s/f', st), true);
});

test('host check: several own names, default ports ignored, case-insensitive', async () => {
  const st = states({ '/s/f': { exists: true, lockTokens: [TOK] } });
  const lists = parseIfHeader(`<http://DAV.example:80/s/f> (<${TOK}>)`);
  assert.equal(await evaluateIf(lists, '/s/f', st, { host: ['127.0.0.1:8080', 'dav.example'] }), true);
  assert.equal(await evaluateIf(lists, '/s/f', st, { host: ['127.0.0.1:8080'] }), false);
  assert.equal(await evaluateIf(parseIfHeader(`<https://dav.example:443/s/f> (<${TOK}>)`), '/s/f', st, { host: 'dav.example' }), true);
  assert.equal(await evaluateIf(parseIfHeader(`<http://dav.example:8443/s/f> (<${TOK}>)`), '/s/f', st, { host: 'dav.example' }), false);
});
