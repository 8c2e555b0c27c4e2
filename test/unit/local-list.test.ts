/**
 * Local listings from the listing worker: pages bounded in size, every entry once, the same ETag
 * and mtime as a single stat, sorted up to SORTED_MAX, temp files and vanished entries left out,
 * errors carrying the fs code, early stops releasing the folder.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { listLocalPages, LIST_PAGE, SORTED_MAX } from '../../src/backends/local-list.ts';
import { createLocalBackend, TEMP_FILE_RE } from '../../src/backends/local.ts';
import { openOn } from '../helpers/open-fds.ts';

const root = mkdtempSync(join(tmpdir(), 'rdav-list-'));

function folder(name: string, n: number): string {
  const d = join(root, name);
  mkdirSync(d);
  // Written in reverse so directory order is not already sorted on most file systems.
  for (let i = n - 1; i >= 0; i--) writeFileSync(join(d, `f${String(i).padStart(6, '0')}`), 'x'.repeat(i % 7));
  return d;
}

test('a small folder lists sorted, with the entries a single stat gives', async () => {
  const d = folder('small', 300);
  mkdirSync(join(d, 'sub'));
  writeFileSync(join(d, '.rdav-0123456789abcdef.tmp'), 'partial');
  symlinkSync(join(d, 'nowhere'), join(d, 'dangling'));
  const pages: number[] = [];
  const names: string[] = [];
  for await (const p of listLocalPages(d, 'small', { skip: TEMP_FILE_RE })) {
    pages.push(p.length);
    names.push(...p.map((e) => e.path));
  }
  const expected = [...Array.from({ length: 300 }, (_, i) => `small/f${String(i).padStart(6, '0')}`), 'small/sub'];
  assert.deepEqual(names, expected);
  assert.ok(pages.every((n) => n <= LIST_PAGE));
  const b = createLocalBackend(root);
  for (const p of ['small/f000005', 'small/sub']) {
    const listed = (await (async () => { for await (const e of b.list('small')) if (e.path === p) return e; })())!;
    assert.deepEqual(listed, await b.stat(p), `${p}: listing and stat agree (kind, size, mtime, ETag)`);
  }
});

test('a folder larger than SORTED_MAX streams every entry once in pages of at most LIST_PAGE', async () => {
  const n = SORTED_MAX + 1500;
  const d = folder('large', n);
  const seen = new Set<string>();
  let pages = 0;
  for await (const p of listLocalPages(d, '', { skip: TEMP_FILE_RE })) {
    pages++;
    assert.ok(p.length > 0 && p.length <= LIST_PAGE, `page of ${p.length}`);
    for (const e of p) {
      assert.ok(!seen.has(e.path), `${e.path} listed twice`);
      seen.add(e.path);
      assert.equal(e.kind, 'file');
    }
  }
  assert.equal(seen.size, n);
  assert.ok(pages >= Math.ceil(n / LIST_PAGE));
});

test('stopping early closes the folder; errors carry the fs code', async () => {
  const d = folder('stop', 2000);
  for await (const p of listLocalPages(d, '', { skip: TEMP_FILE_RE })) { assert.ok(p.length > 0); break; }
  // The worker closes its directory handle on the close message; give it a moment.
  for (let i = 0; i < 50 && openOn(d) > 0; i++) await new Promise((r) => setTimeout(r, 20));
  assert.equal(openOn(d), 0);
  await assert.rejects(async () => { for await (const _ of listLocalPages(join(root, 'missing'), '', { skip: TEMP_FILE_RE })) { /* nothing */ } }, { code: 'ENOENT' });
  await assert.rejects(async () => { for await (const _ of listLocalPages(join(d, 'f000001'), '', { skip: TEMP_FILE_RE })) { /* nothing */ } }, { code: 'ENOTDIR' });
  const ac = new AbortController();
  ac.abort();
  await assert.rejects(async () => { for await (const _ of listLocalPages(d, '', { skip: TEMP_FILE_RE, signal: ac.signal })) { /* nothing */ } }, { name: 'AbortError' });
});
