/**
 * Measure: update feeds from cache on an S3 category (wrk -t2 -c32): electron-updater's latest.yml,
 * the Sparkle appcast and Tauri's latest.json against /api/v1/…/latest, which answers from the same
 * catalog cache. A cached feed makes no storage call (asserted in test/feeds/feeds-suite.ts), so it
 * should answer about as fast. Target: each feed ≥ 0.8× the API's rate.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { curl, userArg, wrk } from '../lib/http-tools.ts';
import { fmt } from '../lib/stats.ts';
import { ratio } from '../lib/results.ts';
import { logCommand, type Ctx } from '../lib/context.ts';

const SECTION = 'update feeds (from cache)';

/** Runs the measure. @throws never */
export async function feeds(ctx: Ctx): Promise<void> {
  const { s, r, peers } = ctx;
  if (!peers.rdav?.s3Prefix) return;
  const q = `wrk -t2 -c32 -d${s.wrkSeconds}s`;
  const dl = peers.rdav.dlUrl;
  try {
    const auth = userArg(s.user, s.password);
    await curl([...auth, '-o', '/dev/null', '-X', 'MKCOL', `${peers.rdav.davUrl}/s3/9.9.9/`]);
    for (const name of ['MyApp-Setup-9.9.9.exe', 'MyApp-9.9.9-universal-mac.zip', 'MyApp-9.9.9.AppImage']) {
      const f = join(s.workDir, name);
      writeFileSync(f, Buffer.alloc(65536, name));
      const put = await curl([...auth, '-o', '/dev/null', '-T', f, `${peers.rdav.davUrl}/s3/9.9.9/${name}`]);
      if (put.status >= 300) throw new Error(`PUT ${name} answered ${put.status}`);
      const sig = Buffer.from(`untrusted comment: bench\nRW${'A'.repeat(98)}\ntrusted comment: bench\n${'B'.repeat(88)}\n`).toString('base64');
      writeFileSync(`${f}.sig`, sig);
      await curl([...auth, '-o', '/dev/null', '-T', `${f}.sig`, `${peers.rdav.davUrl}/s3/9.9.9/${name}.sig`]);
    }
  } catch (e) {
    r.problem(`${SECTION}: ${(e as Error).message}`);
    return;
  }
  const subjects = [
    { name: 'API /api/v1/categories/s3/latest', url: `${dl}/api/v1/categories/s3/latest` },
    { name: 'electron latest.yml', url: `${dl}/feeds/s3/electron/latest.yml` },
    { name: 'Sparkle appcast.xml', url: `${dl}/feeds/s3/appcast.xml` },
    { name: 'Tauri latest.json', url: `${dl}/feeds/s3/tauri/latest.json` },
  ];
  for (const sub of subjects) {
    const probe = await curl(['-o', '/dev/null', '--max-time', '60', sub.url]);
    if (probe.status !== 200) { r.problem(`${SECTION}, ${sub.name}: answered ${probe.status}`); continue; }
    logCommand(ctx, `${SECTION}: ${sub.name}`, `${q} --latency ${sub.url}`);
    try {
      const w = await wrk(sub.url, { threads: 2, conns: 32, seconds: s.wrkSeconds, workDir: s.workDir, name: 'feeds' });
      if (w.non2xx3xx > 0) r.problem(`${SECTION}, ${sub.name}: ${w.non2xx3xx} of ${w.requests} answers were not 2xx/3xx`);
      r.add({ section: SECTION, subject: sub.name, quantity: `${q} req/s`, value: w.reqPerSec, unit: 'req/s' });
      r.add({ section: SECTION, subject: sub.name, quantity: `${q} p99`, value: w.p99Ms, unit: 'ms' });
    } catch (e) { r.problem(`${SECTION}, ${sub.name}: ${(e as Error).message}`); }
  }
  const api = r.value(SECTION, subjects[0]!.name, `${q} req/s`);
  for (const sub of subjects.slice(1)) {
    const x = ratio(r.value(SECTION, sub.name, `${q} req/s`), api);
    r.check({ section: SECTION, target: `${sub.name} req/s ≥ 0.8× the API's latest`, met: x === null ? null : x >= 0.8, measured: `${fmt(x)}×` });
  }
}
