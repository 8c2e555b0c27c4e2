/**
 * Measure: PROPFIND Depth 1 (allprop) on a folder of `files` small files on disk — ReleaseDAV vs
 * nginx dav_ext and rclone, one warm-up then the median of 5.
 * Target: ≤ 2× nginx's time and ≥ 2× faster than rclone.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { propfindCommand } from '../lib/propfind.ts';
import { listingRun } from '../lib/rates.ts';
import { fmt } from '../lib/stats.ts';
import { ratio } from '../lib/results.ts';
import { logCommand, LIST, type Ctx } from '../lib/context.ts';

const SECTION = 'PROPFIND disk';

/** Creates `<tree>/deep/list/` with `n` 1 KiB files; called before the peers start (rclone caches listings). */
export function makeListFolder(tree: string, n: number): string {
  const dir = join(tree, LIST);
  mkdirSync(dir, { recursive: true });
  const body = Buffer.alloc(1024, 'x');
  for (let i = 0; i < n; i++) writeFileSync(join(dir, `f${String(i).padStart(5, '0')}.bin`), body);
  return dir;
}

/** Runs the measure. @throws never (failures become problems) */
export async function propfindDisk(ctx: Ctx): Promise<void> {
  const { s, r, peers } = ctx;
  const subjects = [
    { name: 'ReleaseDAV', url: peers.rdav && `${peers.rdav.davUrl}/disk/${LIST}/` },
    { name: 'nginx dav_ext', url: peers.nginx && `${peers.nginx.baseUrl}/${LIST}/` },
    { name: 'rclone serve webdav', url: peers.rcloneDisk && `${peers.rcloneDisk.baseUrl}/${LIST}/` },
  ];
  const q = `Depth 1, ${s.files} files`;
  for (const sub of subjects) {
    if (!sub.url) continue;
    logCommand(ctx, `PROPFIND Depth 1 disk (${sub.name})`, propfindCommand(sub.url, '1', 'allprop'));
    try {
      const l = await listingRun(ctx, sub.url);
      r.add({ section: SECTION, subject: sub.name, quantity: q, value: l.medianMs, unit: 'ms',
        note: `${l.responses} responses, ${fmt(l.bytes / 1e6, 1)} MB; first ${fmt(l.firstMs, 0)} ms${l.responses !== s.files + 1 ? ` — expected ${s.files + 1} responses` : ''}` });
    } catch (e) { r.problem(`${SECTION}, ${sub.name}: ${(e as Error).message}`); }
  }
  const ours = r.value(SECTION, 'ReleaseDAV', q), ng = r.value(SECTION, 'nginx dav_ext', q), rc = r.value(SECTION, 'rclone serve webdav', q);
  const a = ratio(ours, ng), b = ratio(rc, ours);
  r.check({ section: SECTION, target: `PROPFIND ${q} ≤ 2× nginx`, met: a === null ? null : a <= 2, measured: `${fmt(a)}× (ReleaseDAV ${fmt(ours)} / nginx ${fmt(ng)} ms)` });
  r.check({ section: SECTION, target: `PROPFIND ${q} ≥ 2× faster than rclone`, met: b === null ? null : b >= 2, measured: `${fmt(b)}× (rclone ${fmt(rc)} / ReleaseDAV ${fmt(ours)} ms)` });
}
