/**
 * Slow clients against the real daemon: slowloris headers (1 byte/s) and a PUT body trickling
 * 1 byte/s do not starve others; webdav.headersTimeoutSeconds cuts the slow headers and
 * webdav.idleTimeoutSeconds cuts a stalled body. Timeouts used here: headers 2 s, idle 3 s.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { startChildDaemon, type ChildDaemon } from '../helpers/child-daemon.ts';
import { basicAuth, makeWorld, send, type World } from '../helpers/world.ts';

const W = { authorization: basicAuth('writer') };
const R = { authorization: basicAuth('reader') };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A socket writing `text` one byte per `everyMs`; resolves `closed` with the ms until the server closed it. */
function trickle(origin: string, text: string, everyMs: number) {
  const u = new URL(origin);
  const t0 = performance.now();
  const s = net.connect(Number(u.port), u.hostname);
  let i = 0;
  const timer = setInterval(() => { if (i < text.length && !s.destroyed) s.write(text[i++]!); }, everyMs);
  const closed = new Promise<number>((res) => s.on('close', () => { clearInterval(timer); res(performance.now() - t0); }));
  s.on('error', () => undefined);
  return { closed, destroy: () => { clearInterval(timer); s.destroy(); } };
}

describe('slow clients', { timeout: 120_000 }, () => {
  let world: World;
  let d: ChildDaemon;
  before(async () => {
    world = await makeWorld({ name: 'slow', s3: false });
    d = await startChildDaemon(world.dir, { ...world.config, webdav: { headersTimeoutSeconds: 2, idleTimeoutSeconds: 3 } });
    assert.equal((await send('MKCOL', d.dav, '/files/rel/', { headers: W })).status, 201);
    assert.equal((await send('PUT', d.dav, '/files/rel/a.txt', { headers: W, body: 'a\n' })).status, 201);
  });
  after(async () => {
    await d?.stop();
    await world?.cleanup();
  });

  const loris: ReturnType<typeof trickle>[] = [];
  const bodies: ReturnType<typeof trickle>[] = [];

  test('50 slowloris connections and 20 bodies at 1 byte/s do not starve other clients', async () => {
    const head = `PROPFIND /files/ HTTP/1.1\r\nHost: x\r\nAuthorization: ${R.authorization}\r\nDepth: 1\r\nX-Pad: ${'a'.repeat(200)}\r\n\r\n`;
    for (let i = 0; i < 50; i++) loris.push(trickle(d.dav, head, 1000));
    const putHead = `PUT /files/rel/slow.bin HTTP/1.1\r\nHost: x\r\nAuthorization: ${W.authorization}\r\nContent-Length: 100000\r\n\r\n`;
    for (let i = 0; i < 20; i++) {
      const u = new URL(d.dav);
      const s = net.connect(Number(u.port), u.hostname, () => s.write(putHead));
      s.on('error', () => undefined);
      const t0 = performance.now();
      let timer: NodeJS.Timeout;
      const closed = new Promise<number>((res) => s.on('close', () => { clearInterval(timer); res(performance.now() - t0); }));
      timer = setInterval(() => { if (!s.destroyed) s.write('x'); }, 1000);
      bodies.push({ closed, destroy: () => { clearInterval(timer); s.destroy(); } });
    }
    await sleep(1500);
    const ms: number[] = [];
    for (let i = 0; i < 40; i++) {
      const r = await send('PROPFIND', d.dav, '/files/rel/', { headers: { ...R, depth: '1' }, timeoutMs: 5000 });
      assert.equal(r.status, 207);
      const g = await send('GET', d.dl, '/healthz', { timeoutMs: 5000 });
      assert.equal(g.status, 200);
      ms.push(r.ms, g.ms);
      await sleep(25);
    }
    ms.sort((a, b) => a - b);
    console.log(`# with 70 slow connections: other requests p50 ${ms[Math.floor(ms.length / 2)]!.toFixed(1)} ms, max ${ms.at(-1)!.toFixed(1)} ms`);
    assert.ok(ms.at(-1)! < 1000, `other requests answered within 1 s (max ${ms.at(-1)!.toFixed(0)} ms)`);
  });

  test('a body trickling 1 byte/s is not cut (idle timeout, never a total-time cap), a stalled body is cut after idleTimeoutSeconds', async () => {
    await sleep(4000);
    const stillOpen = await Promise.race([bodies[0]!.closed.then(() => false), sleep(10).then(() => true)]);
    assert.ok(stillOpen, 'a 1 byte/s body keeps its connection (documented: not cut)');
    for (const b of bodies.slice(1)) b.destroy();
    const u = new URL(d.dav);
    const t0 = performance.now();
    const s = net.connect(Number(u.port), u.hostname, () => s.write(`PUT /files/rel/stall.bin HTTP/1.1\r\nHost: x\r\nAuthorization: ${W.authorization}\r\nContent-Length: 1000\r\n\r\nabc`));
    s.on('error', () => undefined);
    const cutAfter = await Promise.race([new Promise<number>((res) => s.on('close', () => res(performance.now() - t0))), sleep(15_000).then(() => -1)]);
    console.log(`# stalled body cut after ${Math.round(cutAfter)} ms (idleTimeoutSeconds 3)`);
    assert.ok(cutAfter > 2500 && cutAfter < 8000, `stalled body cut after ~3 s (got ${Math.round(cutAfter)} ms)`);
    bodies[0]!.destroy();
  });

  test('slowloris headers are cut by headersTimeoutSeconds (2 s) within 10 s', async () => {
    const cut = await Promise.race([Promise.all(loris.map((l) => l.closed)), sleep(10_000).then(() => undefined)]);
    for (const l of loris) l.destroy();
    assert.ok(cut, 'every slowloris connection was cut within 10 s');
    const worst = Math.max(...cut);
    console.log(`# slowloris cut after max ${Math.round(worst)} ms`);
    assert.ok(worst < 10_000);
  });
});
