/**
 * 200 concurrent keep-alive clients against the real daemon (child process) for LOAD_SECONDS
 * (default 60): PROPFIND, ranged GET, small PUT over WebDAV and ranged /dl on the downloads
 * listener, on the local category and (with the test S3) the S3 category. Zero 5xx or socket
 * errors, bounded RSS; latency percentiles printed.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { startChildDaemon, type ChildDaemon } from '../helpers/child-daemon.ts';
import { basicAuth, makeWorld, send, type World } from '../helpers/world.ts';
import { MiB, patternBody, startPut } from '../helpers/uploads.ts';

const SECONDS = Number(process.env.LOAD_SECONDS ?? 60);
const CLIENTS = Number(process.env.LOAD_CLIENTS ?? 200);
const RSS_LIMIT_MIB = 512;
const W = { authorization: basicAuth('writer') };
const R = { authorization: basicAuth('reader') };

/** Stale keep-alive sockets the server closed just as the client reused them (each one retried). */
let staleSocketRetries = 0;

/**
 * One request. A reset on a *reused* keep-alive socket is the HTTP/1.1 idle-close race every
 * client must handle (Node's documented pattern: retry when `req.reusedSocket`); it is retried
 * (the retry may meet another idle socket closed at the same moment: up to 3 times) and counted.
 * Any error on a fresh socket is an error.
 */
function request(agent: http.Agent, origin: string, method: string, path: string, headers: Record<string, string>, body?: string, retries = 0): Promise<number> {
  const u = new URL(origin);
  return new Promise((res, rej) => {
    const req = http.request({ host: u.hostname, port: u.port, method, path, headers: body ? { ...headers, 'content-length': String(Buffer.byteLength(body)) } : headers, agent }, (r) => {
      r.on('data', () => undefined);
      r.on('end', () => res(r.statusCode ?? 0));
      r.on('error', rej);
    });
    req.setTimeout(30_000, () => req.destroy(new Error('client timeout 30 s')));
    req.on('error', (err: NodeJS.ErrnoException) => {
      const idleRace = req.reusedSocket && retries < 3 && (err.code === 'ECONNRESET' || err.message === 'socket hang up');
      if (!idleRace) return rej(err);
      staleSocketRetries++;
      request(agent, origin, method, path, headers, body, retries + 1).then(res, rej);
    });
    req.end(body);
  });
}

const pct = (xs: number[], p: number) => xs.length ? xs[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]! : NaN;

describe(`load: ${CLIENTS} keep-alive clients for ${SECONDS} s`, { timeout: (SECONDS + 120) * 1000 }, () => {
  let world: World;
  let d: ChildDaemon;
  let cats: string[];

  before(async () => {
    world = await makeWorld({ name: 'load' });
    d = await startChildDaemon(world.dir, world.config); // info level: one log line per request, as in production
    cats = ['files', ...world.s3Slugs.filter((s) => s === 's3')];
    for (const c of cats) {
      assert.equal((await send('MKCOL', d.dav, `/${c}/rel/`, { headers: W })).status, 201);
      assert.equal((await send('MKCOL', d.dav, `/${c}/rel/small/`, { headers: W })).status, 201);
      const up = await startPut(d.dav, `/${c}/rel/big.bin`, patternBody(4 * MiB, 1).stream, { ...W, 'content-length': String(4 * MiB) }).response;
      assert.equal(up.status, 201);
    }
  });
  after(async () => {
    if (d && d.child.exitCode !== null) console.log(`# daemon exited early; output tail:\n${d.output().slice(-3000)}`);
    await d?.stop();
    await world?.cleanup();
  });

  test('mixed PROPFIND / ranged GET / small PUT / /dl: zero errors of ours, bounded RSS, percentiles', async () => {
    const davAgent = new http.Agent({ keepAlive: true, maxSockets: CLIENTS });
    const dlAgent = new http.Agent({ keepAlive: true, maxSockets: CLIENTS });
    const lat: Record<string, number[]> = { PROPFIND: [], GET: [], PUT: [], DL: [] };
    const errors: string[] = [];
    const statuses: Record<string, number> = {};
    const rss: number[] = [d.rssKiB()];
    const sampler = setInterval(() => { try { rss.push(d.rssKiB()); } catch { /* gone */ } }, 500);
    const deadline = Date.now() + SECONDS * 1000;
    const client = async (id: number) => {
      for (let i = 0; Date.now() < deadline; i++) {
        const c = cats[Math.floor((id + i) / 4) % cats.length]!;
        const op = (['PROPFIND', 'GET', 'PUT', 'DL'] as const)[(id + i) % 4]!;
        const start = (id * 7919 + i * 104729) % (4 * MiB - 65536);
        const t0 = performance.now();
        try {
          let status: number;
          if (op === 'PROPFIND') status = await request(davAgent, d.dav, 'PROPFIND', `/${c}/rel/`, { ...R, depth: '1' });
          else if (op === 'GET') status = await request(davAgent, d.dav, 'GET', `/${c}/rel/big.bin`, { ...R, range: `bytes=${start}-${start + 65535}` });
          else if (op === 'PUT') status = await request(davAgent, d.dav, 'PUT', `/${c}/rel/small/c${id % 50}.txt`, W, `client ${id} round ${i}\n`);
          else status = await request(dlAgent, d.dl, 'GET', `/dl/${c}/rel/big.bin`, { range: `bytes=${start}-${start + 65535}` });
          lat[op]!.push(performance.now() - t0);
          const k = `${op} ${status}`;
          statuses[k] = (statuses[k] ?? 0) + 1;
          if (status >= 500) errors.push(`${op} /${c}: ${status}`);
        } catch (e) {
          errors.push(`${op} /${c}: ${(e as Error).message}`);
        }
      }
    };
    const t0 = Date.now();
    await Promise.all(Array.from({ length: CLIENTS }, (_, id) => client(id)));
    const elapsed = (Date.now() - t0) / 1000;
    clearInterval(sampler);
    davAgent.destroy();
    dlAgent.destroy();
    const total = Object.values(lat).reduce((n, xs) => n + xs.length, 0);
    console.log(`# load: ${CLIENTS} clients, ${elapsed.toFixed(1)} s, ${total} requests (${Math.round(total / elapsed)} req/s), categories ${cats.join('+')}`);
    for (const [op, xs] of Object.entries(lat)) {
      xs.sort((a, b) => a - b);
      console.log(`# load ${op.padEnd(8)} n=${xs.length} p50=${pct(xs, 50).toFixed(1)} ms p95=${pct(xs, 95).toFixed(1)} ms p99=${pct(xs, 99).toFixed(1)} ms max=${pct(xs, 100).toFixed(1)} ms`);
    }
    const maxRss = Math.max(...rss) / 1024;
    console.log(`# load RSS: start ${Math.round(rss[0]! / 1024)} MiB, max ${Math.round(maxRss)} MiB, end ${Math.round(rss.at(-1)! / 1024)} MiB; statuses ${JSON.stringify(statuses)}`);
    console.log(`# load: ${staleSocketRetries} retries after the server closed an idle keep-alive socket as it was reused`);
    assert.deepEqual(errors.slice(0, 20), [], `${errors.length} errors`);
    for (const op of Object.keys(lat)) assert.ok(lat[op]!.length > 0, `${op} ran`);
    assert.ok(maxRss < RSS_LIMIT_MIB, `RSS stayed under ${RSS_LIMIT_MIB} MiB (max ${Math.round(maxRss)})`);
    const ok = await send('GET', d.dl, '/healthz');
    assert.equal(ok.status, 200);
  });
});
