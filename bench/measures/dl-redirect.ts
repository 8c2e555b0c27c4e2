/**
 * Measure: /dl redirect rate and p99 on an S3 category (wrk -t2 -c32) vs a bare Node server answering
 * a fixed 302. Target: ≥ 0.5× the bare server's rate, p99 < 20 ms.
 */
import { dlRun, prepareDl, wrkLabel, DL_CONNS } from '../lib/rates.ts';
import { fmt } from '../lib/stats.ts';
import { ratio } from '../lib/results.ts';
import { logCommand, type Ctx } from '../lib/context.ts';

const SECTION = '/dl redirects';

/** Runs the measure. @throws never */
export async function dlRedirect(ctx: Ctx): Promise<void> {
  const { s, r, peers } = ctx;
  const q = wrkLabel(2, DL_CONNS, s.wrkSeconds);
  const subjects: { name: string; url: string | null }[] = [
    { name: 'bare Node, fixed 302', url: peers.bare && `${peers.bare.baseUrl}/dl/s3/1.0.0/app.bin` },
    { name: 'ReleaseDAV /dl → presigned S3', url: null },
  ];
  if (peers.rdav?.s3Prefix) {
    try { subjects[1]!.url = await prepareDl(ctx, peers.rdav); } catch (e) { r.problem(`${SECTION}, ReleaseDAV: ${(e as Error).message}`); }
  }
  for (const sub of subjects) {
    if (!sub.url) continue;
    logCommand(ctx, `/dl rate (${sub.name})`, `${q} --latency ${sub.url}`);
    try {
      const w = await dlRun(ctx, sub.url, 2);
      if (w.non2xx3xx > 0) r.problem(`${SECTION}, ${sub.name}: ${w.non2xx3xx} of ${w.requests} answers were not 2xx/3xx`);
      r.add({ section: SECTION, subject: sub.name, quantity: `${q} req/s`, value: w.reqPerSec, unit: 'req/s', note: w.errors ? `socket errors ${w.errors}` : undefined });
      r.add({ section: SECTION, subject: sub.name, quantity: `${q} p99`, value: w.p99Ms, unit: 'ms' });
    } catch (e) { r.problem(`${SECTION}, ${sub.name}: ${(e as Error).message}`); }
  }
  const a = r.value(SECTION, subjects[1]!.name, `${q} req/s`), b = r.value(SECTION, subjects[0]!.name, `${q} req/s`);
  const x = ratio(a, b);
  r.check({ section: SECTION, target: '/dl redirect req/s ≥ 0.5× bare Node fixed 302', met: x === null ? null : x >= 0.5, measured: `${fmt(x)}× (ReleaseDAV ${fmt(a, 0)} / bare ${fmt(b, 0)} req/s)` });
  const p = r.value(SECTION, subjects[1]!.name, `${q} p99`);
  r.check({ section: SECTION, target: '/dl redirect p99 < 20 ms', met: p === null ? null : p < 20, measured: `${fmt(p)} ms` });
}
