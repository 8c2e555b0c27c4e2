/**
 * /dl answers several byte ranges in one request (multipart/byteranges) itself, on disk and on S3,
 * read back by electron-updater's own multipart parser (DataSplitter) and by a strict parser here;
 * plain and single-range requests on S3 still redirect to a presigned URL.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { Writable } from 'node:stream';
import { prngSlice } from '../helpers/prng-bytes.ts';
import { skipUnlessS3 } from '../helpers/s3env.ts';
import { startHarness } from '../feeds/harness.ts';

const require = createRequire(import.meta.url);
const { DataSplitter } = require('electron-updater/out/differentialDownloader/DataSplitter') as { DataSplitter: new (...a: unknown[]) => Writable };

interface Part { type: string; range: string; bytes: Buffer }

/** Parses a multipart/byteranges body strictly (delimiters, CRLFs, headers, closing delimiter). */
function parseMultipart(body: Buffer, boundary: string): Part[] {
  const parts: Part[] = [];
  let at = 0;
  const expect = (s: string) => {
    assert.equal(body.subarray(at, at + s.length).toString('latin1'), s, `at byte ${at}`);
    at += s.length;
  };
  expect(`--${boundary}\r\n`);
  for (;;) {
    const headEnd = body.indexOf('\r\n\r\n', at);
    const headers = Object.fromEntries(body.subarray(at, headEnd).toString('latin1').split('\r\n').map((l) => l.split(/:\s*/, 2).map((x, i) => (i === 0 ? x.toLowerCase() : x)) as [string, string]));
    at = headEnd + 4;
    const m = /^bytes (\d+)-(\d+)\/\d+$/.exec(headers['content-range']!)!;
    const len = Number(m[2]) - Number(m[1]) + 1;
    parts.push({ type: headers['content-type']!, range: headers['content-range']!, bytes: body.subarray(at, at + len) });
    at += len;
    expect(`\r\n--${boundary}`);
    if (body.subarray(at, at + 2).toString() === '--') { expect('--\r\n'); break; }
    expect('\r\n');
  }
  assert.equal(at, body.length, 'nothing after the closing delimiter');
  return parts;
}

/** Feeds a response body through electron-updater's DataSplitter; returns what it writes out (the parts' bytes, in order). */
async function electronSplit(body: Buffer, boundary: string, ranges: [number, number][]): Promise<Buffer> {
  const chunks: Buffer[] = [];
  const out = new Writable({ write(c, _e, cb) { chunks.push(c as Buffer); cb(); } });
  const tasks = ranges.map(([s, e]) => ({ kind: 1, start: s, end: e + 1 }));
  const done = new Promise<void>((resolve, reject) => {
    const splitter = new DataSplitter(out, { tasks, start: 0, end: tasks.length, oldFileFd: 0 }, new Map(tasks.map((_, i) => [i, i])), boundary,
      tasks.map((t) => t.end - t.start), resolve, 0, undefined);
    splitter.on('error', reject);
    // Feed in small uneven pieces, as a socket would.
    for (let i = 0; i < body.length; i += 7919) splitter.write(body.subarray(i, i + 7919));
    splitter.end();
  });
  await done;
  return Buffer.concat(chunks);
}

for (const backend of ['disk', 's3'] as const) {
  test(`multi-range GET through /dl on ${backend}`, { skip: backend === 's3' ? skipUnlessS3() : false, timeout: 120_000 }, async (t) => {
    const h = (await startHarness(backend, `multirange-${backend}`))!;
    t.after(() => h.close());
    const data = prngSlice(`multirange-${backend}`, 0, 3 * 1024 * 1024 + 17);
    await h.put('apps', '1.0.0/app.bin', data);
    const url = `${h.dl}/dl/apps/1.0.0/app.bin`;

    const ranges: [number, number][] = [[0, 99], [1_000_000, 2_600_000], [5, 5], [data.length - 50, data.length - 1]];
    const r = await fetch(url, { headers: { Range: `bytes=${ranges.map(([a, b]) => `${a}-${b}`).join(', ')}` }, redirect: 'manual' });
    assert.equal(r.status, 206);
    const m = /^multipart\/byteranges; boundary=(\S+)$/.exec(r.headers.get('content-type') ?? '');
    assert.ok(m, `content-type ${r.headers.get('content-type')}`);
    const body = Buffer.from(await r.arrayBuffer());
    assert.equal(Number(r.headers.get('content-length')), body.length, 'Content-Length is exact');
    const parts = parseMultipart(body, m[1]!);
    assert.deepEqual(parts.map((p) => p.range), ranges.map(([a, b]) => `bytes ${a}-${b}/${data.length}`), 'parts in the order asked for');
    parts.forEach((p, i) => assert.ok(p.bytes.equals(data.subarray(ranges[i]![0], ranges[i]![1] + 1)), `part ${i} bytes`));
    assert.ok((await electronSplit(body, m[1]!, ranges)).equals(Buffer.concat(ranges.map(([a, b]) => data.subarray(a, b + 1)))), "electron-updater's DataSplitter reads the same bytes");

    const many = Array.from({ length: 300 }, (_, i) => [i * 10_000, i * 10_000 + 99] as [number, number]);
    const r2 = await fetch(url, { headers: { Range: `bytes=${many.map(([a, b]) => `${a}-${b}`).join(',')}` } });
    const b2 = Buffer.from(await r2.arrayBuffer());
    const boundary2 = /boundary=(\S+)/.exec(r2.headers.get('content-type')!)![1]!;
    assert.ok((await electronSplit(b2, boundary2, many)).equals(Buffer.concat(many.map(([a, b]) => data.subarray(a, b + 1)))), '300 ranges');

    const bad = await fetch(url, { headers: { Range: `bytes=${data.length}-, ${data.length + 5}-${data.length + 9}` }, redirect: 'manual' });
    assert.equal(bad.status, 416);
    assert.equal(bad.headers.get('content-range'), `bytes */${data.length}`);

    const stale = await fetch(url, { headers: { Range: 'bytes=0-1, 4-5', 'If-Range': '"not-the-etag"' }, redirect: 'manual' });
    assert.equal(stale.status, 200, 'If-Range mismatch: the whole file (streamed by the daemon on S3 too)');
    assert.equal(Buffer.from(await stale.arrayBuffer()).length, data.length);

    const single = await fetch(url, { headers: { Range: 'bytes=10-19' }, redirect: 'manual' });
    const plain = await fetch(url, { redirect: 'manual' });
    if (backend === 's3') {
      assert.equal(single.status, 302, 'one range still redirects on S3');
      assert.equal(plain.status, 302, 'a plain GET still redirects on S3');
      const followed = await fetch(single.headers.get('location')!, { headers: { Range: 'bytes=10-19' } });
      assert.ok(Buffer.from(await followed.arrayBuffer()).equals(data.subarray(10, 20)));
    } else {
      assert.equal(single.status, 206);
      assert.ok(Buffer.from(await single.arrayBuffer()).equals(data.subarray(10, 20)));
    }
    await plain.arrayBuffer();
  });
}
