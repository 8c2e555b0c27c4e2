import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  changelogNotes, isJunk, isItemName, planRetention, parseSha256Sums, releaseFacts, compareNewestFirst,
} from '../../src/catalog/bleeding-edge/index.ts';
import type { Entry } from '../../src/vfs/types.ts';

test('changelogNotes: whole changelog for a first release, kinds from the first character', () => {
  const notes = changelogNotes(undefined, '+ new thing\n- old thing\n# crash fixed\n~ tweak\n! breaking\nplain\n\n');
  assert.deepEqual(notes, [
    { kind: 'added', text: 'new thing' },
    { kind: 'removed', text: 'old thing' },
    { kind: 'fixed', text: 'crash fixed' },
    { kind: 'minor', text: 'tweak' },
    { kind: 'important', text: 'breaking' },
    { kind: 'other', text: 'plain' },
  ]);
});

test('changelogNotes: only lines the previous changelog lacked, CRLF and indentation ignored, once each', () => {
  const prev = '+ a\r\n# b\r\n';
  const cur = '\uFEFF+ c\n  + a\n# b\n! d\n! d\n';
  assert.deepEqual(changelogNotes(prev, cur), [{ kind: 'added', text: 'c' }, { kind: 'important', text: 'd' }]);
  assert.deepEqual(changelogNotes(cur, cur), []);
  assert.deepEqual(changelogNotes('', ''), []);
});

test('isJunk / isItemName', () => {
  for (const j of ['._app.tar.gz', '.DS_Store', 'Thumbs.db', 'thumbs.db', 'desktop.ini', 'Desktop.INI', '.hidden', '.releasedav']) assert.ok(isJunk(j), j);
  for (const ok of ['app.tar.gz', 'SHA256SUMS', 'CHANGELOG', 'release.yaml', 'x.DS_Store']) assert.ok(!isJunk(ok), ok);
  assert.ok(!isItemName('CHANGELOG'));
  assert.ok(!isItemName('changelog.md'));
  assert.ok(!isItemName('release.yaml'));
  assert.ok(isItemName('SHA256SUMS'));
  assert.ok(isItemName('app.zip'));
});

const day = 86_400_000;
const now = new Date('2026-11-25T12:00:00Z');
const rel = (version: string, daysAgo: number, o: { settling?: boolean; locked?: boolean } = {}) =>
  ({ version, date: new Date(now.getTime() - daysAgo * day), settling: o.settling ?? false, locked: o.locked ?? false });

test('planRetention: keep N newest, oldest pruned first', () => {
  const rs = [rel('b1', 5), rel('b2', 4), rel('b3', 3), rel('b4', 2), rel('b5', 1)];
  assert.deepEqual(planRetention(rs, { keep: 3, maxAgeDays: 0 }, now), ['b1', 'b2']);
  assert.deepEqual(planRetention(rs, { keep: 0, maxAgeDays: 0 }, now), []);
  assert.deepEqual(planRetention(rs, { keep: 10, maxAgeDays: 0 }, now), []);
});

test('planRetention: maxAgeDays, never the newest settled release by age alone', () => {
  const rs = [rel('old1', 30), rel('old2', 20), rel('new', 1)];
  assert.deepEqual(planRetention(rs, { keep: 0, maxAgeDays: 7 }, now), ['old1', 'old2']);
  assert.deepEqual(planRetention([rel('a', 30), rel('b', 20)], { keep: 0, maxAgeDays: 7 }, now), ['a']);
  // both rules: either one prunes
  assert.deepEqual(planRetention([rel('a', 3), rel('b', 2), rel('c', 1)], { keep: 2, maxAgeDays: 2.5 }, now), ['a']);
  assert.deepEqual(planRetention([rel('a', 30), rel('b', 2), rel('c', 1)], { keep: 5, maxAgeDays: 7 }, now), ['a']);
});

test('planRetention: settling releases neither counted nor pruned; locked never pruned', () => {
  const rs = [rel('a', 5), rel('b', 4), rel('c', 3), rel('up', 0, { settling: true })];
  assert.deepEqual(planRetention(rs, { keep: 2, maxAgeDays: 0 }, now), ['a']);
  assert.deepEqual(planRetention([rel('old', 40, { settling: true }), rel('n', 1)], { keep: 1, maxAgeDays: 7 }, now), []);
  const locked = [rel('a', 5, { locked: true }), rel('b', 4), rel('c', 3), rel('d', 2)];
  assert.deepEqual(planRetention(locked, { keep: 1, maxAgeDays: 0 }, now), ['b', 'c']);
});

test('compareNewestFirst: by date, then numeric-aware version', () => {
  const d = new Date(0);
  const sorted = [{ version: 'build-9', date: d }, { version: 'build-10', date: d }, { version: 'x', date: new Date(1) }].sort(compareNewestFirst);
  assert.deepEqual(sorted.map((r) => r.version), ['x', 'build-10', 'build-9']);
});

test('parseSha256Sums: GNU text/binary, ./ prefixes, escapes, BSD tags, junk skipped', () => {
  const h = (c: string) => c.repeat(64);
  const text = [
    `${h('a')}  app.tar.gz`,
    `${h('B')} *./app.zip`,
    `\\${h('c')}  we\\\\ird\\nname`,
    `SHA256 (dir/bsd.bin) = ${h('d')}`,
    '# comment',
    'garbage line',
    `${h('e')}  two  spaces.txt`,
    '',
  ].join('\r\n');
  const m = parseSha256Sums(text);
  assert.equal(m.get('app.tar.gz'), h('a'));
  assert.equal(m.get('app.zip'), h('b'));
  assert.equal(m.get('we\\ird\nname'), h('c'));
  assert.equal(m.get('bsd.bin'), h('d'));
  assert.equal(m.get('two  spaces.txt'), h('e'));
  assert.equal(m.size, 5);
  assert.equal(parseSha256Sums('').size, 0);
});

test('releaseFacts: date = earliest non-junk file time, settling window, fingerprint', () => {
  const f = (name: string, t: number, size = 1): Entry => ({ path: `r/${name}`, kind: 'file', size, mtime: new Date(t), etag: `e${t}` });
  const base = now.getTime();
  const facts = releaseFacts([f('b.bin', base - 100_000), f('a.bin', base - 200_000), f('.DS_Store', base - 900_000), f('._a.bin', base)], undefined, 60, now);
  assert.equal(facts.date.getTime(), base - 200_000);
  assert.equal(facts.settling, false);
  assert.equal(facts.files.length, 2);
  const settling = releaseFacts([f('a.bin', base - 200_000), f('b.bin', base - 10_000)], undefined, 60, now);
  assert.equal(settling.settling, true);
  assert.equal(settling.settlesAt, base + 50_000);
  assert.notEqual(settling.fingerprint, facts.fingerprint);
  const onlyJunk = releaseFacts([f('.DS_Store', base)], { path: 'r', kind: 'dir', size: 0, mtime: new Date(base - 500_000) }, 60, now);
  assert.equal(onlyJunk.files.length, 0);
  assert.equal(onlyJunk.settling, false);
  assert.equal(onlyJunk.date.getTime(), base - 500_000);
});
