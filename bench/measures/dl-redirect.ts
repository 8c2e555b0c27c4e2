/**
 * Measure: /dl redirect rate and p99 on an S3 category (wrk -t2 -c32) vs a bare Node server answering
 * a fixed 302. Target: ≥ 0.5× the bare server's rate, p99 < 20 ms.
 */
import { wrk } from '../lib/http-tools.ts';
import { curl, userArg } from '../lib/http-tools.ts';
import { fmt } from '../lib/stats.ts';
import { ratio } from '../lib/results.ts';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { logCommand, type Ctx } from '../lib/context.ts';

const SECTION = '/dl redirects';

/** Runs the measure. @throws never */
export async function dlRedirect(ctx: Ctx): Promise<void> {
  const { s, r, peers } = ctx;
  const q = `wrk -t2 -c32 -d${s.wrkSeconds}s`;
  const subjects: { name: string; url: string | null }[] = [
    { name: 'bare Node, fixed 302', url: peers.bare && `${peers.bare.baseUrl}/dl/s3/1.0.0/app.bin` },
    { name: 'ReleaseDAV /dl → presigned S3', url: null },
  ];
  if (peers.rdav?.s3Prefix) {
    try {
      const f = join(s.workDir, 'app.bin');
      writeFileSync(f, Buffer.alloc(4096, 'a'));
      const auth = userArg(s.user, s.password);
      await curl([...auth, '-o', '/dev/null', '-X', 'MKCOL', `${peers.rdav.davUrl}/s3/1.0.0/`]);
      const put = await curl([...auth, '-o', '/dev/null', '-T', f, `${peers.rdav.davUrl}/s3/1.0.0/app.bin`]);
      if (put.status >= 300) throw new Error(`PUT of the release file answered ${put.status}`);
      const url = `${peers.rdav.dlUrl}/dl/s3/1.0.0/app.bin`;
      const t0 = Date.now();
      const probe = await curl(['-o', '/dev/null', '--max-time', '120', url]);
      console.log(`  first /dl answer after ${Date.now() - t0} ms (catalog scan)`);
      if (probe.status !== 302) throw new Error(`GET ${url} answered ${probe.status}, not 302`);
      subjects[1]!.url = url;
    } catch (e) { r.problem(`${SECTION}, ReleaseDAV: ${(e as Error).message}`); }
  }
  for (const sub of subjects) {
    if (!sub.url) continue;
    logCommand(ctx, `/dl rate (${sub.name})`, `wrk -t2 -c32 -d${s.wrkSeconds}s --latency ${sub.url}`);
    try {
      const w = await wrk(sub.url, { threads: 2, conns: 32, seconds: s.wrkSeconds, workDir: s.workDir, name: 'dl' });
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
