/** normalizePath / decodeUrlPath: every traversal encoding and malformed input is refused. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isVfsError } from '../../src/vfs/errors.ts';
import { MAX_NAME_BYTES, MAX_PATH_BYTES, decodeUrlPath, encodeUrlPath, isWithin, normalizePath, parentPath } from '../../src/vfs/path.ts';

const invalid = (fn: () => unknown, why: string) =>
  assert.throws(fn, (e: unknown) => isVfsError(e, 'EINVAL'), why);

describe('normalizePath', () => {
  it('collapses slashes and gives the root as ""', () => {
    assert.equal(normalizePath('/a//b/'), 'a/b');
    assert.equal(normalizePath('a/b'), 'a/b');
    assert.equal(normalizePath('/'), '');
    assert.equal(normalizePath(''), '');
  });

  it('refuses traversal, backslashes, NUL and control characters', () => {
    for (const p of ['..', '/a/../b', 'a/..', './a', 'a/./b']) invalid(() => normalizePath(p), p);
    invalid(() => normalizePath('a\\..\\b'), 'backslash');
    invalid(() => normalizePath('a\u0000b'), 'NUL');
    invalid(() => normalizePath('a\nb'), 'newline');
    invalid(() => normalizePath('a\u001fb'), 'unit separator');
    invalid(() => normalizePath('a\u007fb'), 'DEL');
  });

  it('keeps dots that are not traversal and unicode as given', () => {
    assert.equal(normalizePath('/a/...'), 'a/...');
    assert.equal(normalizePath('.hidden/..x'), '.hidden/..x');
    assert.equal(normalizePath('caf\u00e9'), 'caf\u00e9');
    assert.equal(normalizePath('cafe\u0301'), 'cafe\u0301', 'NFD is not normalised to NFC');
  });

  it('limits name and path length in bytes', () => {
    assert.equal(normalizePath('n'.repeat(MAX_NAME_BYTES)).length, MAX_NAME_BYTES);
    invalid(() => normalizePath('n'.repeat(MAX_NAME_BYTES + 1)), 'long name');
    invalid(() => normalizePath('\u00e9'.repeat(128)), '256 bytes of 2-byte characters');
    const segs = Array.from({ length: Math.ceil(MAX_PATH_BYTES / 100) + 1 }, () => 'x'.repeat(99));
    invalid(() => normalizePath(segs.join('/')), 'long path');
  });
});

describe('decodeUrlPath', () => {
  it('decodes segments and reports the trailing slash', () => {
    assert.deepEqual(decodeUrlPath('/a%20b/c'), { path: 'a b/c', trailingSlash: false });
    assert.deepEqual(decodeUrlPath('/dir/'), { path: 'dir', trailingSlash: true });
    assert.deepEqual(decodeUrlPath('/'), { path: '', trailingSlash: false });
    assert.deepEqual(decodeUrlPath('/x?y=1/..'), { path: 'x', trailingSlash: false }, 'query ignored');
    assert.equal(decodeUrlPath('/caf%C3%A9').path, 'caf\u00e9');
    assert.equal(decodeUrlPath('/cafe%CC%81').path, 'cafe\u0301');
    assert.equal(decodeUrlPath('/%F0%9F%9A%80').path, '\u{1F680}');
    assert.equal(decodeUrlPath('/a%23b%25c%2Bd%3F').path, 'a#b%c+d?');
  });

  it('refuses traversal in every encoding', () => {
    for (const raw of ['/..', '/a/../b', '/%2e%2e', '/%2E%2E/x', '/.%2e/x', '/a/%2e', '/%2e']) invalid(() => decodeUrlPath(raw), raw);
  });

  it('refuses encoded separators and backslashes', () => {
    invalid(() => decodeUrlPath('/a%2Fb'), '%2F');
    invalid(() => decodeUrlPath('/a%2fb'), '%2f');
    invalid(() => decodeUrlPath('/a%2F..%2Fb'), '%2F with traversal');
    invalid(() => decodeUrlPath('/a%5Cb'), '%5C');
    invalid(() => decodeUrlPath('/a\\b'), 'raw backslash');
    invalid(() => decodeUrlPath('/..%5C..%5Cetc'), 'traversal with %5C');
  });

  it('refuses NUL and control characters', () => {
    invalid(() => decodeUrlPath('/a%00b'), '%00');
    invalid(() => decodeUrlPath('/a%0Ab'), '%0A');
    invalid(() => decodeUrlPath('/a%7Fb'), '%7F');
  });

  it('refuses malformed escapes', () => {
    invalid(() => decodeUrlPath('/%E9'), 'lone Latin-1 byte');
    invalid(() => decodeUrlPath('/%zz'), 'not hex');
    invalid(() => decodeUrlPath('/%'), 'truncated');
    invalid(() => decodeUrlPath('/%C3'), 'truncated UTF-8');
    invalid(() => decodeUrlPath('/%C0%AE%C0%AE'), 'overlong UTF-8 dots');
  });

  it('refuses relative and overlong inputs', () => {
    invalid(() => decodeUrlPath('a/b'), 'no leading slash');
    invalid(() => decodeUrlPath('/' + '%41'.repeat(MAX_NAME_BYTES + 1)), 'long encoded name');
  });
});

describe('path helpers', () => {
  it('encodes every reserved character for hrefs and round-trips', () => {
    const p = 'a b/#%?+&/caf\u00e9/\u{1F680}';
    const enc = encodeUrlPath(p);
    assert.doesNotMatch(enc, /[ #?&]/);
    assert.equal(decodeUrlPath('/' + enc).path, p);
  });

  it('computes parents and containment', () => {
    assert.equal(parentPath('a/b/c'), 'a/b');
    assert.equal(parentPath('a'), '');
    assert.ok(isWithin('a', 'a/b'));
    assert.ok(isWithin('', 'x'));
    assert.ok(!isWithin('a', 'ab'));
  });
});
