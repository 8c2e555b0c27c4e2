/**
 * Measure: PROPFIND Depth 1 (allprop) over a disk folder of 10,000 and 100,000 files, cold (the
 * daemon restarted; the first listing, after one Depth 0 request on the folder that logs the session in) and warm (median of 3 repeats; 100,000 is above cache.maxEntries,
 * so it is never warm), against nginx dav_ext and rclone in the same minutes; with the daemon's CPU
 * per entry (/proc utime+stime, all threads) and its RSS growth during the listing.
 * Targets: cold ≤ 2× nginx at both sizes; warm ≤ 1.5× nginx at 10,000; 100,000 cold ≤ 12× 10,000 cold;
 * RSS growth during the 100,000-file listing ≤ 32 MiB.
 */
import { mkdirSync, writeFileSync, existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { propfind } from '../lib/propfind.ts';
import { median, fmt } from '../lib/stats.ts';
import { ratio } from '../lib/results.ts';
import { cpuMs, sampleRss } from '../lib/proc-cpu.ts';
import type { Ctx } from '../lib/context.ts';

const SECTION = 'PROPFIND disk, scale';

/** The folder sizes of the measure. */
const SIZES = [10_000, 100_000];

/**
 * Creates the measure's folders; called before the peers start: rclone serve webdav caches the
 * directories it has seen (`--dir-cache-time`, 5 min), so folders made later answered it 404
 * in a full run. @throws Error from the file system
 */
export function makeScaleFolders(tree: string): void {
  for (const n of SIZES) folder(tree, n);
}

/** `<tree>/scale/n<count>/` with `count` 1 KiB files (kept across runs of the same tree). */
function folder(tree: string, count: number): string {
  const dir = join(tree, 'scale', `n${count}`);
  if (existsSync(dir) && readdirSync(dir).length === count) return dir;
  mkdirSync(dir, { recursive: true });
  const body = Buffer.alloc(1024, 'x');
  for (let i = 0; i < count; i++) writeFileSync(join(dir, `f${String(i).padStart(6, '0')}.bin`), body);
  return dir;
}

/** Runs the measure. @throws never (failures become problems) */
export async function listingScale(ctx: Ctx): Promise<void> {
  const { s, r, peers } = ctx;
  const sizes = SIZES;
  makeScaleFolders(ctx.tree); // already there in a full run (see makeScaleFolders)
  const cold: Record<string, Record<number, number>> = {};
  for (const n of sizes) {
    const rel = `scale/n${n}/`;
    // ReleaseDAV: a fresh process, so the first request is cold (no cache, no warmed code paths for it).
    const rdav = await ctx.restartReleaseDav();
    const subjects = [
      { name: 'ReleaseDAV', url: rdav && `${rdav.davUrl}/disk/${rel}`, pid: rdav?.service.pid },
      { name: 'nginx dav_ext', url: peers.nginx && `${peers.nginx.baseUrl}/${rel}`, pid: peers.nginx?.service.pid },
      { name: 'rclone serve webdav', url: peers.rcloneDisk && `${peers.rcloneDisk.baseUrl}/${rel}`, pid: peers.rcloneDisk?.service.pid },
    ];
    for (const sub of subjects) {
      if (!sub.url || !sub.pid) continue;
      try {
        // The session's first request (Depth 0 on the folder: its own properties, not its listing)
        // goes first, as a client's would: it carries the password check (scrypt for ReleaseDAV, a
        // plain-text file for nginx), which is not the listing's cost; its time is a row of its own.
        const login = await propfind(sub.url, '0', 'allprop', s.user, s.password, s.workDir);
        if (n === sizes[0]) r.add({ section: SECTION, subject: sub.name, quantity: 'first request after a start (Depth 0 on the folder, with the password check)', value: login.ms, unit: 'ms', note: 'sent before the cold listing' });
        const c0 = cpuMs(sub.pid);
        const { result: first, startMiB, peakMiB } = await sampleRss(sub.pid, () => propfind(sub.url!, '1', 'allprop', s.user, s.password, s.workDir));
        const cpuPerEntry = ((cpuMs(sub.pid) - c0) * 1000) / n;
        (cold[sub.name] ??= {})[n] = first.ms;
        r.add({ section: SECTION, subject: sub.name, quantity: `${n} files, cold`, value: first.ms, unit: 'ms',
          note: `${first.responses} responses; CPU ${fmt(cpuPerEntry, 1)} µs/entry; RSS ${fmt(startMiB, 0)} → peak ${fmt(peakMiB, 0)} MiB (+${fmt(peakMiB - startMiB, 0)})` });
        const ms: number[] = [];
        for (let i = 0; i < 3; i++) ms.push((await propfind(sub.url, '1', 'allprop', s.user, s.password, s.workDir)).ms);
        r.add({ section: SECTION, subject: sub.name, quantity: `${n} files, warm`, value: median(ms), unit: 'ms', note: ms.map((x) => fmt(x, 0)).join(', ') });
        if (sub.name === 'ReleaseDAV' && n === 100_000) {
          r.check({ section: SECTION, target: 'RSS growth during a 100,000-file listing ≤ 32 MiB', met: peakMiB - startMiB <= 32, measured: `+${fmt(peakMiB - startMiB, 0)} MiB (${fmt(startMiB, 0)} → ${fmt(peakMiB, 0)})` });
        }
      } catch (e) { r.problem(`${SECTION}, ${sub.name}, ${n}: ${(e as Error).message}`); }
    }
    const a = ratio(cold.ReleaseDAV?.[n] ?? null, cold['nginx dav_ext']?.[n] ?? null);
    r.check({ section: SECTION, target: `cold PROPFIND Depth 1, ${n} files ≤ 2× nginx`, met: a === null ? null : a <= 2, measured: `${fmt(a)}×` });
  }
  const w = ratio(r.value(SECTION, 'ReleaseDAV', '10000 files, warm'), r.value(SECTION, 'nginx dav_ext', '10000 files, warm'));
  r.check({ section: SECTION, target: 'warm PROPFIND Depth 1, 10000 files ≤ 1.5× nginx', met: w === null ? null : w <= 1.5, measured: `${fmt(w)}×` });
  const g = ratio(cold.ReleaseDAV?.[100_000] ?? null, cold.ReleaseDAV?.[10_000] ?? null);
  r.check({ section: SECTION, target: 'cold 100,000 ≤ 12× cold 10,000', met: g === null ? null : g <= 12, measured: `${fmt(g)}×` });
}
