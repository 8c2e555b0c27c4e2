/**
 * Many concurrent WebDAV GETs of one S3 object, fast and stalled clients together, against the real
 * daemon and the test S3 behind a counting TCP proxy. Before reads went in segments, every GET kept
 * one whole-object request open at the store, whose read-ahead (RGW: 16 MiB per request) made
 * 1,000 concurrent GETs move almost nothing. Asserted: every fast client gets every byte right in
 * bounded time while 120 stalled clients hold their connections; beyond the first
 * SEGMENT_ABOVE_ACTIVE reads (one GET each while few transfers are open) every store GET of the
 * object asks a range of at most MAX_SEGMENT bytes, starting with FIRST_SEGMENT; afterwards a
 * single GET still gets the whole object.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { createHash, randomBytes } from 'node:crypto';
import { startChildDaemon, type ChildDaemon } from '../helpers/child-daemon.ts';
import { basicAuth, makeWorld, send, type World } from '../helpers/world.ts';
import { FIRST_SEGMENT, MAX_SEGMENT } from '../../src/backends/s3-segments.ts';
import { SEGMENT_ABOVE_ACTIVE } from '../../src/backends/s3-get.ts';

const W = { authorization: basicAuth('writer') };
const FILE_BYTES = 24 * 1024 * 1024;
const FAST = 8;
const STALLED = 120;
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const skip = !process.env.RDAV_TEST_S3_ENDPOINT?.startsWith('http:') && 'needs the test S3 on plain http (the raw read path)';

/** A proxy in front of S3 that records the Range of every GET request and counts the bytes S3 sends back. */
async function countingProxy(target: URL): Promise<{ url: string; ranges: (string | undefined)[]; storeBytes: () => number; reset(): void; close(): Promise<void> }> {
  let storeBytes = 0;
  const ranges: (string | undefined)[] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((c) => {
    const s = net.connect(Number(target.port || 80), target.hostname);
    sockets.add(c).add(s);
    let head = '';
    c.on('data', (d: Buffer) => {
      head += d.toString('latin1');
      for (let end = head.indexOf('\r\n\r\n'); end >= 0; end = head.indexOf('\r\n\r\n')) {
        const req = head.slice(0, end);
        head = head.slice(end + 4);
        if (req.startsWith('GET ') && req.includes('big.bin')) ranges.push(/\r\nrange: *bytes=(\S+)/i.exec(req)?.[1]);
      }
      if (head.length > 65536) head = ''; // a body (PUT): not a head
      if (!s.write(d)) c.pause();
    });
    s.on('data', (d: Buffer) => { storeBytes += d.length; if (!c.write(d)) s.pause(); });
    c.on('drain', () => s.resume());
    s.on('drain', () => c.resume());
    const end = () => { c.destroy(); s.destroy(); sockets.delete(c); sockets.delete(s); };
    c.on('close', end).on('error', end);
    s.on('close', end).on('error', end);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`, ranges, storeBytes: () => storeBytes,
    reset() { storeBytes = 0; ranges.length = 0; },
    close: () => new Promise((r) => { for (const x of sockets) x.destroy(); server.close(() => r()); }),
  };
}

/** A raw GET; reads `want` body bytes (all when undefined), optionally then stalls `stallMs` before closing. */
function client(origin: string, path: string, want: number | undefined, stallMs = 0): Promise<Buffer> {
  const u = new URL(origin);
  return new Promise((resolve, reject) => {
    const s = net.connect(Number(u.port), u.hostname);
    s.write(`GET ${path} HTTP/1.1\r\nHost: x\r\nAuthorization: ${W.authorization}\r\nConnection: close\r\n\r\n`);
    let head: Buffer | undefined = Buffer.alloc(0);
    const body: Buffer[] = [];
    let got = 0;
    let done = false;
    const finish = () => { if (!done) { done = true; resolve(Buffer.concat(body)); } };
    s.on('data', (c: Buffer) => {
      if (head) {
        head = Buffer.concat([head, c]);
        const end = head.indexOf('\r\n\r\n');
        if (end < 0) return;
        c = head.subarray(end + 4);
        head = undefined;
      }
      body.push(c);
      got += c.length;
      if (want !== undefined && got >= want) {
        s.pause(); // a stalled visitor: holds the connection, reads nothing more
        setTimeout(() => { s.destroy(); finish(); }, stallMs);
      }
    });
    s.on('end', finish);
    s.on('close', finish);
    s.on('error', (e) => { if (!done) reject(e); });
  });
}

describe('many concurrent S3 downloads over WebDAV', { skip, timeout: 240_000 }, () => {
  let world: World;
  let d: ChildDaemon;
  let proxy: Awaited<ReturnType<typeof countingProxy>>;
  const data = randomBytes(FILE_BYTES);
  before(async () => {
    proxy = await countingProxy(new URL(process.env.RDAV_TEST_S3_ENDPOINT!));
    world = await makeWorld({ name: 's3manydl', s3Endpoint: proxy.url });
    d = await startChildDaemon(world.dir, { ...world.config, limits: { transferBufferMiB: 16 } });
    assert.equal((await send('MKCOL', d.dav, '/s3/rel/', { headers: W })).status, 201);
    assert.equal((await send('PUT', d.dav, '/s3/rel/big.bin', { headers: W, body: data })).status, 201);
    assert.equal((await send('GET', d.dav, '/s3/rel/big.bin', { headers: { ...W, range: 'bytes=0-9' } })).status, 206); // warms the Basic cache
  });
  after(async () => {
    await d?.stop();
    await proxy?.close();
    await world?.cleanup();
  });

  test(`${FAST} fast and ${STALLED} stalled clients: every fast one gets every byte; the store is asked in segments`, async () => {
    proxy.reset();
    const t0 = performance.now();
    const stalled = Array.from({ length: STALLED }, () => client(d.dav, '/s3/rel/big.bin', 64 * 1024, 4000));
    const fast = Array.from({ length: FAST }, () => client(d.dav, '/s3/rel/big.bin', undefined));
    const fastBodies = await Promise.all(fast);
    const seconds = (performance.now() - t0) / 1000;
    const stalledBodies = await Promise.all(stalled);
    for (const b of fastBodies) assert.equal(sha(b), sha(data), 'a fast client got the whole object');
    for (const b of stalledBodies) assert.ok(b.length >= 64 * 1024 && b.subarray(0, 65536).equals(data.subarray(0, 65536)), 'a stalled client got its first bytes');
    const delivered = fastBodies.length * FILE_BYTES + stalledBodies.reduce((a, b) => a + b.length, 0);
    console.log(`${FAST} fast + ${STALLED} stalled: ${seconds.toFixed(1)} s; store sent ${(proxy.storeBytes() / 2 ** 20).toFixed(0)} MiB for ${(delivered / 2 ** 20).toFixed(0)} MiB delivered; ${proxy.ranges.length} store GETs`);
    assert.ok(seconds < 120, `the fast clients took ${seconds.toFixed(0)} s`);
    // The first reads, while few transfers are open, are one GET each (whole object); beyond
    // SEGMENT_ABOVE_ACTIVE open transfers every read goes in segments.
    const whole = proxy.ranges.filter((x) => x === undefined).length;
    assert.ok(whole <= SEGMENT_ABOVE_ACTIVE, `${whole} whole-object GETs: at most ${SEGMENT_ABOVE_ACTIVE} (while few transfers were open)`);
    const segments = proxy.ranges.filter((x): x is string => x !== undefined);
    for (const r of segments) {
      const [a, b] = r.split('-').map(Number);
      assert.ok(b! - a! + 1 <= MAX_SEGMENT, `range ${r} longer than a segment`);
    }
    // What the store sent is bounded by what was asked: a stalled client on segments costs the
    // segments that fit its socket buffers (loopback: a few MiB), never a whole-object read-ahead.
    const asked = whole * FILE_BYTES + segments.reduce((n, r) => { const [a, b] = r.split('-').map(Number); return n + b! - a! + 1; }, 0);
    assert.ok(proxy.storeBytes() <= asked + proxy.ranges.length * 4096 + 4 * 2 ** 20, `the store sent ${proxy.storeBytes()} bytes for ${asked} asked`);
    assert.ok(segments.filter((x) => x === `0-${FIRST_SEGMENT - 1}`).length >= FAST + STALLED - SEGMENT_ABOVE_ACTIVE, 'every other GET starts with a first segment');
    const r = await send('GET', d.dav, '/s3/rel/big.bin', { headers: W });
    assert.equal(r.status, 200);
    assert.equal(sha(r.body), sha(data));
  });
});
