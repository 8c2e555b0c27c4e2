/**
 * Measure (issue 13): `workers: 2` with Redis against `workers: 1` with Redis (the worker count is
 * the only difference), the in-memory single process, rclone and a bare Node 302, in one run.
 * Rates use `wrk -t1` (one client thread: on 2 cores wrk itself takes up to one) and are the
 * median of `reps` interleaved rounds; each rate notes the server's and wrk's CPU in cores.
 * Also: PROPFIND Depth 1 on the 10,000-file folder, and LOCK/PUT/UNLOCK cycles (memory vs Redis).
 * Targets: Depth 0 req/s ≥ 2× rclone; /dl req/s ≥ 1.0× the bare Node fixed 302 (two workers against
 * one bare process). Needs S3 only for /dl (skipped without it).
 */
import { startTestRedis, type TestRedis } from '../../test/helpers/redis-server.ts';
import { startReleaseDav, type ReleaseDavPeer } from '../peers/releasedav.ts';
import { depth0Run, dlRun, listingRun, prepareDl, wrkLabel, DEPTH0_CONNS, DL_CONNS, type RateRun, type CpuWatch } from '../lib/rates.ts';
import { redisCpuMs } from '../lib/redis-cpu.ts';
import { lockCycles } from '../lib/lock-cycle.ts';
import { curl, userArg } from '../lib/http-tools.ts';
import { median, fmt } from '../lib/stats.ts';
import { ratio } from '../lib/results.ts';
import { logCommand, LIST, type Ctx } from '../lib/context.ts';

const SECTION = 'workers: 2 (Redis)';
const CYCLES = 500;
const MEM = 'ReleaseDAV, workers 1, memory';
const W1 = 'ReleaseDAV, workers 1, Redis';
const W2 = 'ReleaseDAV, workers 2, Redis';

interface Subject { name: string; url: string | null; cpu?: CpuWatch }
type RunOne = (ctx: Ctx, url: string, threads: number, cpu?: CpuWatch) => Promise<RateRun>;

/** Runs the measure. @throws never (failures become problems) */
export async function workers(ctx: Ctx): Promise<void> {
  const { s, r, peers } = ctx;
  let redis: TestRedis | null = null;
  const daemons: ReleaseDavPeer[] = [];
  try {
    redis = await startTestRedis();
    const start = async (n: number) => {
      const d = await startReleaseDav({ repoRoot: s.repoRoot, workDir: s.workDir, diskRoot: ctx.tree, user: s.user, pass: s.password, s3: s.s3, runId: s.runId,
        name: `releasedav-redis-w${n}`, workers: n, redisUrl: redis!.url, redisKeyPrefix: `${s.runId}-w${n}:` });
      daemons.push(d);
      return d;
    };
    const w1 = await start(1), w2 = await start(2);
    logCommand(ctx, 'Redis (workers measure)', 'redis-server --port PORT --bind 127.0.0.1 --save "" --appendonly no   # test/helpers/redis-server.ts');
    logCommand(ctx, 'ReleaseDAV, workers 2 (config additions)', `workers: 2 + coordination: { redis: { url: redis://127.0.0.1:PORT, keyPrefix: "${s.runId}-w2:" } }   # workers 1 + Redis: the same without workers`);
    const mem = peers.rdav;
    const port = redis.port;
    const withRedis = (pid: number): CpuWatch => ({ pid, extraCpuMs: () => redisCpuMs(port) });
    const depth0 = (): Subject[] => [
      { name: 'rclone, disk', url: peers.rcloneDisk && `${peers.rcloneDisk.baseUrl}/${LIST}/`, cpu: { pid: peers.rcloneDisk?.service.pid } },
      { name: MEM, url: mem && `${mem.davUrl}/disk/${LIST}/`, cpu: { pid: mem?.service.pid } },
      { name: W1, url: `${w1.davUrl}/disk/${LIST}/`, cpu: withRedis(w1.service.pid) },
      { name: W2, url: `${w2.davUrl}/disk/${LIST}/`, cpu: withRedis(w2.service.pid) },
    ];
    await rates(ctx, 'PROPFIND Depth 0', depth0(), DEPTH0_CONNS, depth0Run);
    // Named properties without DAV:lockdiscovery: the same request without the lock-store lookup (a Redis round trip with Redis).
    await rates(ctx, 'PROPFIND Depth 0 named props', depth0(), DEPTH0_CONNS, (c, u, t, w) => depth0Run(c, u, t, w, 'named'));
    const dlUrl = async (d: ReleaseDavPeer | null) => {
      if (!d?.s3Prefix) return null;
      try { return await prepareDl(ctx, d); } catch (e) { r.problem(`${SECTION}, /dl setup: ${(e as Error).message}`); return null; }
    };
    if (!s.s3) r.problem(`${SECTION}: no S3 endpoint, the /dl rates are skipped`);
    await rates(ctx, '/dl redirect', [
      { name: 'bare Node, fixed 302', url: peers.bare && `${peers.bare.baseUrl}/dl/s3/1.0.0/app.bin`, cpu: { pid: peers.bare?.service.pid } },
      { name: MEM, url: await dlUrl(mem), cpu: { pid: mem?.service.pid } },
      { name: W1, url: await dlUrl(w1), cpu: withRedis(w1.service.pid) },
      { name: W2, url: await dlUrl(w2), cpu: withRedis(w2.service.pid) },
    ], DL_CONNS, dlRun);
    await listings(ctx, [
      { name: 'rclone serve webdav', url: peers.rcloneDisk && `${peers.rcloneDisk.baseUrl}/${LIST}/` },
      { name: MEM, url: mem && `${mem.davUrl}/disk/${LIST}/` },
      { name: W1, url: `${w1.davUrl}/disk/${LIST}/` },
      { name: W2, url: `${w2.davUrl}/disk/${LIST}/` },
    ]);
    await cycles(ctx, [
      { name: MEM, base: mem?.davUrl ?? null, keepAlive: true },
      { name: W1, base: w1.davUrl, keepAlive: true },
      { name: W2, base: w2.davUrl, keepAlive: true },
      { name: `${W2}, a connection per request`, base: w2.davUrl, keepAlive: false },
    ]);
    checks(ctx);
  } catch (e) {
    r.problem(`${SECTION}: ${(e as Error).message}`);
  } finally {
    await Promise.all(daemons.map((d) => d.service.stop()));
    await redis?.stop();
  }
}

/** Interleaved rounds of one wrk rate over the subjects; records the median per subject. */
async function rates(ctx: Ctx, what: string, subjects: Subject[], conns: number, runOne: RunOne): Promise<void> {
  const { s, r } = ctx;
  const q = `${what}, ${wrkLabel(1, conns, s.wrkSeconds)}`;
  const runs = new Map<string, RateRun[]>();
  for (let round = 0; round < s.reps; round++) {
    for (const sub of subjects) {
      if (!sub.url) continue;
      logCommand(ctx, `${what} rate, workers measure (${sub.name})`, `${wrkLabel(1, conns, s.wrkSeconds)} --latency ${what.startsWith('PROPFIND') ? `-s ${what.includes('named') ? 'propfind0-named.lua' : 'propfind0.lua'} ` : ''}${sub.url}`);
      try {
        const w = await runOne(ctx, sub.url, 1, sub.cpu);
        if (w.non2xx3xx > 0) r.problem(`${SECTION}, ${what}, ${sub.name}: ${w.non2xx3xx} of ${w.requests} answers were not 2xx/3xx`);
        runs.set(sub.name, [...(runs.get(sub.name) ?? []), w]);
      } catch (e) { r.problem(`${SECTION}, ${what}, ${sub.name}: ${(e as Error).message}`); }
    }
  }
  for (const [name, ws] of runs) {
    const ok = ws.filter((w) => w.non2xx3xx <= w.requests / 2);
    const cores = (f: (w: RateRun) => number | null) => { const xs = ws.map(f).filter((x): x is number => x !== null); return xs.length ? fmt(median(xs), 2) : 'n/a'; };
    r.add({ section: SECTION, subject: name, quantity: `${q} req/s`, value: ok.length ? median(ok.map((w) => w.reqPerSec)) : null, unit: 'req/s',
      note: `${ws.map((w) => fmt(w.reqPerSec, 0)).join(', ')}; p99 ${fmt(median(ws.map((w) => w.p99Ms ?? NaN)))} ms; CPU: server ${cores((w) => w.serverCores)}${ws.some((w) => w.extraCores !== null) ? `, Redis ${cores((w) => w.extraCores)}` : ''}, wrk ${cores((w) => w.clientCores)} cores` +
        `${ws.some((w) => w.errors) ? `; socket errors ${ws.map((w) => w.errors ?? '-').join(' / ')}` : ''}` });
  }
}

/** PROPFIND Depth 1 allprop on the 10,000-file folder: first request and median of 5 per subject. */
async function listings(ctx: Ctx, subjects: Subject[]): Promise<void> {
  const { s, r } = ctx;
  for (const sub of subjects) {
    if (!sub.url) continue;
    try {
      const l = await listingRun(ctx, sub.url);
      r.add({ section: SECTION, subject: sub.name, quantity: `PROPFIND Depth 1, ${s.files} files`, value: l.medianMs, unit: 'ms',
        note: `${l.responses} responses; first ${fmt(l.firstMs, 0)} ms; ${l.samples.map((x) => fmt(x, 0)).join(', ')}${l.responses !== s.files + 1 ? ` — expected ${s.files + 1} responses` : ''}` });
    } catch (e) { r.problem(`${SECTION}, listing, ${sub.name}: ${(e as Error).message}`); }
  }
}

/** Sequential LOCK/PUT/UNLOCK cycles on `disk/deep/cycle/<n>.bin` per subject. */
async function cycles(ctx: Ctx, subjects: { name: string; base: string | null; keepAlive: boolean }[]): Promise<void> {
  const { s, r } = ctx;
  const q = `LOCK/PUT/UNLOCK cycle, 1 KiB, ${CYCLES} sequential`;
  let i = 0;
  for (const sub of subjects) {
    if (!sub.base) continue;
    try {
      await curl([...userArg(s.user, s.password), '-o', '/dev/null', '-X', 'MKCOL', `${sub.base}/disk/deep/cycle/`]);
      const c = await lockCycles(`${sub.base}/disk/deep/cycle/f${i++}.bin`, s.user, s.password, { cycles: CYCLES, warmup: 20, keepAlive: sub.keepAlive });
      const steps = `LOCK ${fmt(c.lock.p50)}/${fmt(c.lock.p99)}, PUT ${fmt(c.put.p50)}/${fmt(c.put.p99)}, UNLOCK ${fmt(c.unlock.p50)}/${fmt(c.unlock.p99)} ms (p50/p99)`;
      r.add({ section: SECTION, subject: sub.name, quantity: `${q} p50`, value: c.cycle.p50, unit: 'ms', note: steps });
      r.add({ section: SECTION, subject: sub.name, quantity: `${q} p99`, value: c.cycle.p99, unit: 'ms' });
    } catch (e) { r.problem(`${SECTION}, lock cycle, ${sub.name}: ${(e as Error).message}`); }
  }
  logCommand(ctx, 'LOCK/PUT/UNLOCK cycle (workers measure)', `bench/lib/lock-cycle.ts: LOCK (exclusive, Depth 0, Timeout Second-60) → PUT 1 KiB with If: (<token>) → UNLOCK; ${CYCLES} cycles after 20 untimed, one keep-alive connection (or one per request)`);
}

/** The targets of issue 13 and the 1 → 2 worker scaling. */
function checks(ctx: Ctx): void {
  const { s, r } = ctx;
  const v = (subject: string, quantity: string) => r.value(SECTION, subject, quantity);
  const d0 = `PROPFIND Depth 0, ${wrkLabel(1, DEPTH0_CONNS, s.wrkSeconds)} req/s`, dl = `/dl redirect, ${wrkLabel(1, DL_CONNS, s.wrkSeconds)} req/s`;
  const pair = (target: string, a: number | null, b: number | null, aName: string, bName: string, unit: string, goal: number | null) => {
    const x = ratio(a, b);
    r.check({ section: SECTION, target, met: goal === null || x === null ? null : x >= goal, measured: `${fmt(x)}× (${aName} ${fmt(a, 0)} / ${bName} ${fmt(b, 0)} ${unit})` });
  };
  pair('workers: 2, PROPFIND Depth 0 req/s (disk, wrk -t1) ≥ 2× rclone', v(W2, d0), v('rclone, disk', d0), 'workers 2', 'rclone', 'req/s', 2);
  pair('workers: 2, /dl redirect req/s (wrk -t1) ≥ 1.0× bare Node fixed 302', v(W2, dl), v('bare Node, fixed 302', dl), 'workers 2', 'bare', 'req/s', 1);
  pair('scaling 1 → 2 workers, PROPFIND Depth 0 req/s (no target)', v(W2, d0), v(W1, d0), 'workers 2', 'workers 1', 'req/s', null);
  pair('scaling 1 → 2 workers, /dl redirect req/s (no target)', v(W2, dl), v(W1, dl), 'workers 2', 'workers 1', 'req/s', null);
  pair('Redis on reads, PROPFIND Depth 0 req/s, workers 1 Redis vs memory (no target)', v(W1, d0), v(MEM, d0), 'Redis', 'memory', 'req/s', null);
  const nq = `PROPFIND Depth 0 named props, ${wrkLabel(1, DEPTH0_CONNS, s.wrkSeconds)} req/s`;
  pair('workers: 2, PROPFIND Depth 0 named props (no lockdiscovery) req/s ≥ 2× rclone (for scale)', v(W2, nq), v('rclone, disk', nq), 'workers 2', 'rclone', 'req/s', null);
  pair('scaling 1 → 2 workers, PROPFIND Depth 0 named props req/s (no target)', v(W2, nq), v(W1, nq), 'workers 2', 'workers 1', 'req/s', null);
  const lq = `PROPFIND Depth 1, ${s.files} files`;
  const l2 = v(W2, lq), lr = v('rclone serve webdav', lq), l1 = v(W1, lq);
  r.check({ section: SECTION, target: `workers: 2, ${lq} ≥ 2× faster than rclone`, met: ratio(lr, l2) === null ? null : ratio(lr, l2)! >= 2,
    measured: `${fmt(ratio(lr, l2))}× (rclone ${fmt(lr)} / workers 2 ${fmt(l2)} ms; workers 1 ${fmt(l1)} ms)` });
  const cq = `LOCK/PUT/UNLOCK cycle, 1 KiB, ${CYCLES} sequential`;
  for (const p of ['p50', 'p99'] as const) {
    const m = v(MEM, `${cq} ${p}`), red = v(W1, `${cq} ${p}`), red2 = v(W2, `${cq} ${p}`), cross = v(`${W2}, a connection per request`, `${cq} ${p}`);
    r.check({ section: SECTION, target: `Redis cost on a LOCK/PUT/UNLOCK cycle, ${p} (no target)`, met: null,
      measured: `${red === null || m === null ? 'n/a' : `+${fmt(red - m, 2)} ms`} (Redis ${fmt(red, 2)} / memory ${fmt(m, 2)} ms; workers 2 ${fmt(red2, 2)} ms, requests spread over both workers ${fmt(cross, 2)} ms)` });
  }
}
