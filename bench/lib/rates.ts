/**
 * The request-rate and listing runs several measures share (depth0, dl-redirect, propfind-disk,
 * workers): the same wrk invocation (connections, Lua script, probe first), the same /dl release
 * file, the same "one warm-up then the median of 5" listing, plus the server's CPU over a run.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { wrk, propfindLua, curl, userArg, type WrkResult } from './http-tools.ts';
import { propfind, BODIES } from './propfind.ts';
import { cpuMs } from './proc-cpu.ts';
import { median } from './stats.ts';
import type { Ctx } from './context.ts';
import type { ReleaseDavPeer } from '../peers/releasedav.ts';

/** Connections per wrk run: PROPFIND Depth 0 and /dl (as in peers.md). */
export const DEPTH0_CONNS = 8;
export const DL_CONNS = 32;

/** One wrk run plus the server's CPU over it. */
export interface RateRun extends WrkResult {
  /** Server CPU (utime+stime of the process and its direct children) / wall time, in cores; null without a pid. */
  serverCores: number | null;
  /** CPU of a helper the server uses (e.g. Redis, from `extraCpuMs`) / wall time, in cores; null without one. */
  extraCores: number | null;
}

/** Whose CPU to count over a run: the server's pid (and its direct children), plus an optional helper's CPU clock in ms. */
export interface CpuWatch { pid?: number; extraCpuMs?: () => Promise<number | null> }

/** The wrk quantity label, e.g. `wrk -t2 -c8 -d10s`. */
export const wrkLabel = (threads: number, conns: number, seconds: number): string => `wrk -t${threads} -c${conns} -d${seconds}s`;

async function timedWrk(url: string, o: Parameters<typeof wrk>[1], cpu: CpuWatch = {}): Promise<RateRun> {
  const { pid, extraCpuMs } = cpu;
  const c0 = pid ? cpuMs(pid) : 0;
  const e0 = extraCpuMs ? await extraCpuMs() : null;
  const t0 = Date.now();
  const w = await wrk(url, o);
  const wall = Date.now() - t0;
  const serverCores = pid ? (cpuMs(pid) - c0) / wall : null;
  const e1 = extraCpuMs ? await extraCpuMs() : null;
  return { ...w, serverCores, extraCores: e0 === null || e1 === null ? null : (e1 - e0) / wall };
}

/**
 * PROPFIND Depth 0 (allprop unless `body` says otherwise, Basic auth) at `url`: one probe with curl
 * (a 207 is required), then wrk.
 * @throws Error when the probe is not a 207 or wrk fails.
 */
export async function depth0Run(ctx: Ctx, url: string, threads: number, cpu?: CpuWatch, body: keyof typeof BODIES = 'allprop'): Promise<RateRun> {
  const { s } = ctx;
  await propfind(url, '0', body, s.user, s.password, s.workDir);
  return timedWrk(url, { threads, conns: DEPTH0_CONNS, seconds: s.wrkSeconds, lua: propfindLua('0', s.user, s.password, BODIES[body]), workDir: s.workDir, name: `propfind0-${body}` }, cpu);
}

/** GET `url` (a /dl link or the bare server's fixed 302) with wrk. @throws Error when wrk fails */
export async function dlRun(ctx: Ctx, url: string, threads: number, cpu?: CpuWatch): Promise<RateRun> {
  const { s } = ctx;
  return timedWrk(url, { threads, conns: DL_CONNS, seconds: s.wrkSeconds, workDir: s.workDir, name: 'dl' }, cpu);
}

/**
 * Puts the release file `s3/1.0.0/app.bin` through the daemon's WebDAV and waits for its /dl link
 * to answer 302 (the first answer waits for the catalog scan). Returns the /dl URL.
 * @throws Error when the PUT or the probe fails.
 */
export async function prepareDl(ctx: Ctx, rdav: ReleaseDavPeer): Promise<string> {
  const { s } = ctx;
  const f = join(s.workDir, 'app.bin');
  writeFileSync(f, Buffer.alloc(4096, 'a'));
  const auth = userArg(s.user, s.password);
  await curl([...auth, '-o', '/dev/null', '-X', 'MKCOL', `${rdav.davUrl}/s3/1.0.0/`]);
  const put = await curl([...auth, '-o', '/dev/null', '-T', f, `${rdav.davUrl}/s3/1.0.0/app.bin`]);
  if (put.status >= 300) throw new Error(`PUT of the release file answered ${put.status}`);
  const url = `${rdav.dlUrl}/dl/s3/1.0.0/app.bin`;
  const t0 = Date.now();
  const probe = await curl(['-o', '/dev/null', '--max-time', '120', url]);
  console.log(`  first /dl answer after ${Date.now() - t0} ms (catalog scan)`);
  if (probe.status !== 302) throw new Error(`GET ${url} answered ${probe.status}, not 302`);
  return url;
}

/** A Depth 1 listing: the first request, then the median of 5. */
export interface ListingRun { firstMs: number; medianMs: number; samples: number[]; responses: number; bytes: number }

/** PROPFIND Depth 1 allprop at `url`: one first request, then the median of `n`. @throws Error when one is not a 207 */
export async function listingRun(ctx: Ctx, url: string, n = 5): Promise<ListingRun> {
  const { s } = ctx;
  const first = await propfind(url, '1', 'allprop', s.user, s.password, s.workDir);
  const samples: number[] = [];
  for (let i = 0; i < n; i++) samples.push((await propfind(url, '1', 'allprop', s.user, s.password, s.workDir)).ms);
  return { firstMs: first.ms, medianMs: median(samples), samples, responses: first.responses, bytes: first.bytes };
}
