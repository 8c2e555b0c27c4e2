/**
 * Many concurrent slow downloads against the real daemon: 300 WebDAV GETs of one 24 MiB disk file
 * whose clients read slowly (a few KiB every 100 ms). With `limits.transferBufferMiB: 16` the
 * daemon's RSS must stay bounded by the budget, not grow by 2 MiB per transfer (the send buffers
 * before the budget: 300 × 2 MiB = 600 MiB), and every reader must get the file's first bytes right.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { randomBytes } from 'node:crypto';
import { startChildDaemon, type ChildDaemon } from '../helpers/child-daemon.ts';
import { basicAuth, makeWorld, send, type World } from '../helpers/world.ts';

const W = { authorization: basicAuth('writer') };
const READERS = 300;
const FILE_BYTES = 24 * 1024 * 1024;
/** Bytes each reader takes before leaving (slowly: 8 KiB per 100 ms tick, ~3 s). */
const READ_BYTES = 256 * 1024;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A raw GET that reads `want` bytes of body slowly, then closes; resolves with the body bytes read. */
function slowReader(origin: string, path: string, auth: string, want: number): Promise<Buffer> {
  const u = new URL(origin);
  return new Promise((resolve, reject) => {
    const s = net.connect(Number(u.port), u.hostname);
    s.write(`GET ${path} HTTP/1.1\r\nHost: x\r\nAuthorization: ${auth}\r\n\r\n`);
    let head: Buffer | undefined = Buffer.alloc(0);
    const body: Buffer[] = [];
    let got = 0;
    s.pause();
    const tick = setInterval(() => {
      for (let c: Buffer | null; got < want && (c = s.read(8192) as Buffer | null ?? s.read() as Buffer | null);) {
        if (head) {
          head = Buffer.concat([head, c]);
          const end = head.indexOf('\r\n\r\n');
          if (end < 0) continue;
          c = head.subarray(end + 4);
          head = undefined;
        }
        body.push(c);
        got += c.length;
        break; // one read per tick: a slow client
      }
      if (got >= want) {
        clearInterval(tick);
        s.destroy();
        resolve(Buffer.concat(body).subarray(0, want));
      }
    }, 100);
    s.on('error', (e) => { clearInterval(tick); reject(e); });
  });
}

describe('many concurrent slow downloads', { timeout: 180_000 }, () => {
  let world: World;
  let d: ChildDaemon;
  const data = randomBytes(FILE_BYTES);
  before(async () => {
    world = await makeWorld({ name: 'manydl', s3: false });
    d = await startChildDaemon(world.dir, { ...world.config, limits: { transferBufferMiB: 16 } });
    assert.equal((await send('MKCOL', d.dav, '/files/rel/', { headers: W })).status, 201);
    assert.equal((await send('PUT', d.dav, '/files/rel/big.bin', { headers: W, body: data })).status, 201);
    assert.equal((await send('GET', d.dav, '/files/rel/big.bin', { headers: { ...W, range: 'bytes=0-9' } })).status, 206); // warms the Basic cache
  });
  after(async () => {
    await d?.stop();
    await world?.cleanup();
  });

  test(`${READERS} slow readers: RSS bounded by the budget, every reader gets the right bytes`, async () => {
    await sleep(500);
    const idle = d.rssKiB() / 1024;
    let peak = idle;
    const sampler = setInterval(() => { try { peak = Math.max(peak, d.rssKiB() / 1024); } catch { /* gone: the assertions below say so */ } }, 50);
    const t0 = performance.now();
    const bodies = await Promise.all(Array.from({ length: READERS }, () => slowReader(d.dav, '/files/rel/big.bin', W.authorization, READ_BYTES)));
    clearInterval(sampler);
    const seconds = (performance.now() - t0) / 1000;
    for (const b of bodies) assert.ok(b.equals(data.subarray(0, READ_BYTES)), 'body bytes');
    const growth = peak - idle;
    // Budget 16 MiB (+ the 16 KiB floor × 2 × 300 = 9.4 MiB) plus per-connection objects and GC slack.
    const bound = 16 + 9.4 + 100;
    console.log(`${READERS} slow readers: RSS idle ${idle.toFixed(0)} MiB, peak ${peak.toFixed(0)} MiB (+${growth.toFixed(0)}, bound ${bound.toFixed(0)}); ${seconds.toFixed(1)} s`);
    assert.ok(growth <= bound, `RSS grew ${growth.toFixed(0)} MiB (bound ${bound.toFixed(0)} MiB)`);
    assert.ok(seconds < 120, `the readers took ${seconds.toFixed(0)} s`);
    // The daemon still serves, and the budget is free again: a new GET gets the whole file.
    const r = await send('GET', d.dav, '/files/rel/big.bin', { headers: W });
    assert.equal(r.status, 200);
    assert.ok(r.body.equals(data));
  });
});
