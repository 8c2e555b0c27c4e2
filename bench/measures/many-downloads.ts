/**
 * Measure: 1,000 concurrent downloads of one 30 MiB file over WebDAV GET (`wrk -t2 -c1000`, 10 s),
 * from disk (ReleaseDAV, nginx, rclone) and from S3 (ReleaseDAV, rclone): the server's peak RSS,
 * its RSS 30 s after the load (ReleaseDAV), and the bytes moved; plus the daemon's CPU for a
 * single 1 GiB GET from disk (the budget must not slow a transfer alone).
 * Targets: ReleaseDAV peak RSS ≤ 300 MiB with the default budget; RSS 30 s after within 64 MiB of idle.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { run } from '../lib/proc.ts';
import { curl, userArg } from '../lib/http-tools.ts';
import { fmt } from '../lib/stats.ts';
import { ratio } from '../lib/results.ts';
import { cpuMs, sampleRss, treeRssMiB } from '../lib/proc-cpu.ts';
import { logCommand, type Ctx } from '../lib/context.ts';

const SECTION = '1,000 concurrent downloads';
const FILE_MIB = 30;
const SECONDS = 10;

const units: Record<string, number> = { B: 1, KB: 1024, MB: 1024 ** 2, GB: 1024 ** 3, TB: 1024 ** 4 };
/** Bytes wrk read ("2.24GB read"). */
const bytesRead = (out: string): number => {
  const m = /([\d.]+)([KMGT]?B) read/.exec(out);
  return m ? Number(m[1]) * units[m[2]!]! : 0;
};

/** Runs the measure. @throws never (failures become problems) */
export async function manyDownloads(ctx: Ctx): Promise<void> {
  const { s, r, peers } = ctx;
  const file = join(ctx.tree, 'many.bin');
  await run('bash', ['-c', `head -c ${FILE_MIB * 1048576} /dev/urandom > '${file}'`]);
  const rdav = await ctx.restartReleaseDav(); // a fresh process: idle RSS is the daemon's own
  if (rdav && s.s3) {
    const p = await curl([...userArg(s.user, s.password), '-o', '/dev/null', '-T', file, `${rdav.davUrl}/s3/many.bin`]);
    if (p.status >= 300) r.problem(`${SECTION}: PUT to S3 answered ${p.status}`);
  }
  const auth = `Authorization: Basic ${Buffer.from(`${s.user}:${s.password}`).toString('base64')}`;
  const subjects = [
    { name: 'ReleaseDAV, disk', url: rdav && `${rdav.davUrl}/disk/many.bin`, pid: rdav?.service.pid, after: true },
    { name: 'nginx, disk', url: peers.nginx && `${peers.nginx.baseUrl}/many.bin`, pid: peers.nginx?.service.pid, after: false },
    { name: 'rclone, disk', url: peers.rcloneDisk && `${peers.rcloneDisk.baseUrl}/many.bin`, pid: peers.rcloneDisk?.service.pid, after: false },
    { name: 'ReleaseDAV, S3', url: rdav && s.s3 && `${rdav.davUrl}/s3/many.bin`, pid: rdav?.service.pid, after: true },
    { name: 'rclone → RGW', url: null as string | null, pid: peers.rcloneS3?.service.pid, after: false },
  ];
  if (peers.rcloneS3 && rdav?.s3Prefix) subjects[4]!.url = `${peers.rcloneS3.baseUrl}/${rdav.s3Prefix}many.bin`;
  for (const sub of subjects) {
    if (!sub.url || !sub.pid) continue;
    try {
      await curl([...userArg(s.user, s.password), '-o', '/dev/null', '-r', '0-9', sub.url]); // warms verified-Basic caches
      const idle = treeRssMiB(sub.pid);
      const args = ['-t2', '-c1000', `-d${SECONDS}s`, '--timeout', '30s', '-H', auth, sub.url];
      logCommand(ctx, `1,000 downloads (${sub.name})`, `wrk ${args.join(' ').replace(auth, 'Authorization: Basic …')}`);
      const c0 = cpuMs(sub.pid);
      const { result, peakMiB } = await sampleRss(sub.pid, () => run('wrk', args));
      const cpu = cpuMs(sub.pid) - c0;
      const moved = bytesRead(result.stdout);
      let after = '';
      let afterMiB: number | null = null;
      if (sub.after) {
        await new Promise((res) => setTimeout(res, 30_000));
        afterMiB = treeRssMiB(sub.pid);
        after = `; RSS 30 s after ${fmt(afterMiB, 0)} MiB`;
      }
      r.add({ section: SECTION, subject: sub.name, quantity: 'peak RSS', value: peakMiB, unit: 'MiB', note: `idle ${fmt(idle, 0)} MiB${after}` });
      r.add({ section: SECTION, subject: sub.name, quantity: `bytes moved in ${SECONDS} s`, value: moved / 1e6, unit: 'MB', note: `server CPU ${fmt(cpu / 1000, 1)} s` });
      if (sub.name.startsWith('ReleaseDAV')) {
        r.check({ section: SECTION, target: `${sub.name}: peak RSS ≤ 300 MiB (default budget)`, met: peakMiB <= 300, measured: `${fmt(peakMiB, 0)} MiB` });
        if (afterMiB !== null) r.check({ section: SECTION, target: `${sub.name}: RSS 30 s after within 64 MiB of idle`, met: afterMiB - idle <= 64, measured: `${fmt(idle, 0)} → ${fmt(afterMiB, 0)} MiB` });
      }
    } catch (e) { r.problem(`${SECTION}, ${sub.name}: ${(e as Error).message}`); }
  }
  const a = ratio(r.value(SECTION, 'ReleaseDAV, disk', `bytes moved in ${SECONDS} s`), r.value(SECTION, 'nginx, disk', `bytes moved in ${SECONDS} s`));
  if (a !== null) r.add({ section: SECTION, subject: 'ReleaseDAV / nginx, disk', quantity: 'bytes moved', value: a, unit: '×' });
  // A single 1 GiB GET from disk: daemon CPU per GiB (the budget gives a lone transfer its 1 MiB buffers).
  if (rdav) {
    try {
      const big = join(ctx.tree, 'single.bin');
      await run('bash', ['-c', `cp '${ctx.bigFile}' '${big}'`]);
      const c0 = cpuMs(rdav.service.pid);
      const g = await curl([...userArg(s.user, s.password), '-o', '/dev/null', `${rdav.davUrl}/disk/single.bin`]);
      const cpu = cpuMs(rdav.service.pid) - c0;
      const gib = g.bytesDown / 1024 ** 3;
      r.add({ section: SECTION, subject: 'ReleaseDAV, disk', quantity: `single ${s.sizeMiB} MiB GET`, value: g.bytesDown / g.seconds / 1e6, unit: 'MB/s', note: `daemon CPU ${fmt(cpu / 1000 / gib, 2)} s per GiB` });
    } catch (e) { r.problem(`${SECTION}, single GET: ${(e as Error).message}`); }
  }
  writeFileSync(join(ctx.tree, 'many.bin'), ''); // frees the space; the tree is removed at the end anyway
}
