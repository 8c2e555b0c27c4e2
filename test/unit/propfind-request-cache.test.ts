/** propfindFromBody: the same body gives the same parsed request; malformed bodies are refused every time. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { propfindFromBody } from '../../src/webdav/propfind/request-cache.ts';
import { isVfsError } from '../../src/vfs/errors.ts';
import { DavHttpError } from '../../src/webdav/http-error.ts';

const ALLPROP = '<?xml version="1.0" encoding="utf-8"?><D:propfind xmlns:D="DAV:"><D:allprop/></D:propfind>';

describe('propfindFromBody', () => {
  it('parses the empty body and allprop as allprop, once per text', () => {
    assert.deepEqual(propfindFromBody('').request, { kind: 'allprop', include: [] });
    const a = propfindFromBody(ALLPROP);
    assert.deepEqual(a.request, { kind: 'allprop', include: [] });
    assert.equal(propfindFromBody(ALLPROP), a);
  });

  it('keeps prop lists apart by their exact text', () => {
    const one = propfindFromBody('<propfind xmlns="DAV:"><prop><getetag/></prop></propfind>');
    const two = propfindFromBody('<propfind xmlns="DAV:"><prop><getcontentlength/></prop></propfind>');
    assert.deepEqual(one.request, { kind: 'prop', names: [{ ns: 'DAV:', local: 'getetag' }] });
    assert.deepEqual(two.request, { kind: 'prop', names: [{ ns: 'DAV:', local: 'getcontentlength' }] });
  });

  it('refuses malformed XML and invalid propfind bodies on every call', () => {
    for (let i = 0; i < 2; i++) {
      assert.throws(() => propfindFromBody('<D:propfind xmlns:D="DAV:"><D:allprop/>'), (e: unknown) => isVfsError(e, 'EINVAL'));
      assert.throws(() => propfindFromBody('<x xmlns="DAV:"/>'), (e: unknown) => e instanceof DavHttpError && e.status === 400);
      assert.throws(() => propfindFromBody('  '), (e: unknown) => isVfsError(e, 'EINVAL'));
    }
  });

  it('stays bounded with many distinct bodies', () => {
    for (let i = 0; i < 1000; i++) propfindFromBody(`<propfind xmlns="DAV:"><prop><x${i} xmlns="urn:t"/></prop></propfind>`);
    assert.deepEqual(propfindFromBody(ALLPROP).request, { kind: 'allprop', include: [] });
  });
});
