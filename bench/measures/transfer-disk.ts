/**
 * Measure: a large file PUT then GET over WebDAV on local disk — ReleaseDAV vs nginx dav, rclone and
 * the bare Node ceiling. Medians of `reps`, the subjects interleaved per repetition.
 * Target: PUT ≥ 1.0× nginx, GET ≥ 0.8× nginx.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { curl, userArg } from '../lib/http-tools.ts';
import { median, mbps, fmt } from '../lib/stats.ts';
import { ratio } from '../lib/results.ts';
import { logCommand, type Ctx } from '../lib/context.ts';

const SECTION = 'disk transfer';

/** Runs the measure; records figures and the two targets. @throws never (failures become problems) */
export async function transferDisk(ctx: Ctx): Promise<void> {
  const { s, r, peers } = ctx;
  const size = s.sizeMiB * 1048576;
  const subjects = [
    { name: 'ReleaseDAV', url: peers.rdav ? `${peers.rdav.davUrl}/disk/put-rdav.bin` : null, file: 'put-rdav.bin', auth: true },
    { name: 'nginx dav', url: peers.nginx ? `${peers.nginx.baseUrl}/put-nginx.bin` : null, file: 'put-nginx.bin', auth: true },
    { name: 'rclone serve webdav', url: peers.rcloneDisk ? `${peers.rcloneDisk.baseUrl}/put-rclone.bin` : null, file: 'put-rclone.bin', auth: true },
    { name: 'bare Node (ceiling)', url: peers.bare ? `${peers.bare.baseUrl}/files/put-bare.bin` : null, file: null, auth: false },
  ];
  const put: Record<string, number[]> = {}, get: Record<string, number[]> = {};
  const bare64k = '  bare Node, 64 KiB reads';
  for (let i = 0; i < s.reps; i++) {
    for (const sub of subjects) {
      if (!sub.url) continue;
      const auth = sub.auth ? userArg(s.user, s.password) : [];
      try {
        const args = [...auth, '-o', '/dev/null', '-T', ctx.bigFile, sub.url];
        logCommand(ctx, `disk PUT (${sub.name})`, `curl -s -o /dev/null ${sub.auth ? '-u bench:PASS ' : ''}-T $FILE ${sub.url}`);
        const p = await curl(args);
        if (p.status >= 300 || p.bytesUp !== size) throw new Error(`PUT answered ${p.status} after ${p.bytesUp} bytes`);
        (put[sub.name] ??= []).push(size / p.seconds);
        const g = await curl([...auth, '-o', '/dev/null', sub.url]);
        logCommand(ctx, `disk GET (${sub.name})`, `curl -s -o /dev/null ${sub.auth ? '-u bench:PASS ' : ''}${sub.url}`);
        if (g.status !== 200 || g.bytesDown !== size) throw new Error(`GET answered ${g.status} with ${g.bytesDown} bytes`);
        (get[sub.name] ??= []).push(size / g.seconds);
        if (sub.file === null) { // the same file read with Node's default chunk size: what a missing highWaterMark costs
          const g64 = await curl(['-o', '/dev/null', sub.url.replace('/files/', '/files64k/')]);
          if (g64.status === 200 && g64.bytesDown === size) (get[bare64k] ??= []).push(size / g64.seconds);
        }
      } catch (e) {
        r.problem(`${SECTION}, ${sub.name}: ${(e as Error).message}`);
        sub.url = null;
      }
    }
  }
  for (const sub of subjects) {
    const pm = put[sub.name]?.length ? mbps(median(put[sub.name]!)) : null;
    const gm = get[sub.name]?.length ? mbps(median(get[sub.name]!)) : null;
    r.add({ section: SECTION, subject: sub.name, quantity: `${s.sizeMiB} MiB PUT`, value: pm, unit: 'MB/s', note: put[sub.name]?.map((x) => fmt(mbps(x), 0)).join(', ') });
    r.add({ section: SECTION, subject: sub.name, quantity: `${s.sizeMiB} MiB GET`, value: gm, unit: 'MB/s', note: get[sub.name]?.map((x) => fmt(mbps(x), 0)).join(', ') });
    if (sub.file) rmSync(join(ctx.tree, sub.file), { force: true });
  }
  if (get[bare64k]?.length) {
    r.add({ section: SECTION, subject: 'bare Node, 64 KiB reads', quantity: `${s.sizeMiB} MiB GET`, value: mbps(median(get[bare64k]!)), unit: 'MB/s',
      note: `same server, createReadStream without highWaterMark: ${get[bare64k]!.map((x) => fmt(mbps(x), 0)).join(', ')}` });
  }
  rmSync(join(s.workDir, 'bare-node', 'put-bare.bin'), { force: true });
  for (const [q, want] of [[`${s.sizeMiB} MiB PUT`, 1.0], [`${s.sizeMiB} MiB GET`, 0.8]] as const) {
    const a = r.value(SECTION, 'ReleaseDAV', q), b = r.value(SECTION, 'nginx dav', q);
    const x = ratio(a, b);
    r.check({ section: SECTION, target: `${q} over WebDAV, disk ≥ ${want.toFixed(1)}× nginx`, met: x === null ? null : x >= want,
      measured: `${fmt(x)}× (ReleaseDAV ${fmt(a, 0)} / nginx ${fmt(b, 0)} MB/s)` });
  }
}
