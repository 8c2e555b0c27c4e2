/**
 * Measure: PROPFIND Depth 0 requests/s with wrk (2 threads, 8 connections, allprop, Basic auth) on
 * the listing folder — ReleaseDAV vs rclone and nginx on disk, and ReleaseDAV vs rclone on S3.
 * Target: ≥ 2× rclone.
 */
import { depth0Run, wrkLabel, DEPTH0_CONNS } from '../lib/rates.ts';
import { fmt } from '../lib/stats.ts';
import { ratio } from '../lib/results.ts';
import { logCommand, LIST, type Ctx } from '../lib/context.ts';

const SECTION = 'PROPFIND Depth 0 rate';

/** Runs the measure (after propfind-disk/-s3 made the folders). @throws never */
export async function depth0(ctx: Ctx): Promise<void> {
  const { s, r, peers } = ctx;
  const prefix = peers.rdav?.s3Prefix ?? '';
  const subjects = [
    { name: 'ReleaseDAV, disk', url: peers.rdav && `${peers.rdav.davUrl}/disk/${LIST}/` },
    { name: 'nginx dav_ext, disk', url: peers.nginx && `${peers.nginx.baseUrl}/${LIST}/` },
    { name: 'rclone, disk', url: peers.rcloneDisk && `${peers.rcloneDisk.baseUrl}/${LIST}/` },
    { name: 'ReleaseDAV, S3', url: peers.rdav?.s3Prefix ? `${peers.rdav.davUrl}/s3/${LIST}/` : null },
    { name: 'rclone → RGW', url: peers.rcloneS3 && prefix ? `${peers.rcloneS3.baseUrl}/${prefix}${LIST}/` : null },
  ];
  const q = wrkLabel(2, DEPTH0_CONNS, s.wrkSeconds);
  for (const sub of subjects) {
    if (!sub.url) continue;
    logCommand(ctx, `PROPFIND Depth 0 rate (${sub.name})`, `${q} --latency -s propfind0.lua ${sub.url}   # propfind0.lua: method PROPFIND, Depth: 0, Basic auth, allprop body`);
    try {
      const w = await depth0Run(ctx, sub.url, 2);
      const bad = w.non2xx3xx > 0 || w.errors;
      if (w.non2xx3xx > 0) r.problem(`${SECTION}, ${sub.name}: ${w.non2xx3xx} of ${w.requests} answers were not 2xx/3xx`);
      r.add({ section: SECTION, subject: sub.name, quantity: q, value: w.non2xx3xx > w.requests / 2 ? null : w.reqPerSec, unit: 'req/s',
        note: `p99 ${fmt(w.p99Ms)} ms${bad ? `; non-2xx ${w.non2xx3xx}${w.errors ? `; socket errors ${w.errors}` : ''}` : ''}` });
    } catch (e) { r.problem(`${SECTION}, ${sub.name}: ${(e as Error).message}`); }
  }
  for (const [ours, theirs] of [['ReleaseDAV, disk', 'rclone, disk'], ['ReleaseDAV, S3', 'rclone → RGW']] as const) {
    const a = r.value(SECTION, ours, q), b = r.value(SECTION, theirs, q);
    const x = ratio(a, b);
    r.check({ section: SECTION, target: `PROPFIND Depth 0 req/s (${ours.split(', ')[1]}) ≥ 2× rclone`, met: x === null ? null : x >= 2,
      measured: `${fmt(x)}× (ReleaseDAV ${fmt(a, 0)} / rclone ${fmt(b, 0)} req/s)` });
  }
  const ng = r.value(SECTION, 'nginx dav_ext, disk', q), ours = r.value(SECTION, 'ReleaseDAV, disk', q);
  r.check({ section: SECTION, target: 'PROPFIND Depth 0 req/s vs nginx (no target; for scale)', met: null, measured: `${fmt(ratio(ours, ng))}× (ReleaseDAV ${fmt(ours, 0)} / nginx ${fmt(ng, 0)} req/s)` });
}
