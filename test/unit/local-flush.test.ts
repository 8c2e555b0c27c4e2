/** The streaming flusher syncs while a file is written and closes its own descriptor in every case. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, createWriteStream, writeFileSync } from 'node:fs';
import { openOn } from '../helpers/open-fds.ts';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { createStreamingFlusher } from '../../src/backends/local-flush.ts';


test('flushes during a 96 MiB write and leaves no descriptor open', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'rdav-flush-'));
  const file = join(dir, 'f.bin');
  const out = createWriteStream(file);
  const f = createStreamingFlusher(file);
  const chunk = Buffer.alloc(1024 * 1024, 7);
  for (let i = 0; i < 96; i++) {
    if (!out.write(chunk)) await once(out, 'drain');
    f.wrote(chunk.length);
  }
  out.end();
  await once(out, 'close');
  assert.equal(openOn(file), 1, 'the flusher holds exactly one descriptor of its own after the stream closed');
  await f.finish();
  assert.equal(openOn(file), 0);
});

test('finish reports a file that cannot be synced; abandon never throws', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'rdav-flush-'));
  await assert.rejects(createStreamingFlusher(join(dir, 'missing')).finish(), { code: 'ENOENT' });
  const a = createStreamingFlusher(join(dir, 'missing'));
  a.wrote(64 * 1024 * 1024);
  await a.abandon();
  writeFileSync(join(dir, 'small'), 'x');
  const b = createStreamingFlusher(join(dir, 'small'));
  b.wrote(1);
  await b.abandon();
  assert.equal(openOn(join(dir, 'small')), 0);
});
