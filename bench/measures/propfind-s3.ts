/**
 * Measure: PROPFIND Depth 1 on a prefix of `files` objects on the RGW — ReleaseDAV cold (metadata
 * cache expired) and warm, allprop and named props — vs a bare ListObjectsV2 walk (SDK) and rclone.
 * Target: cold ≤ 1.2× the bare walk; warm ≤ 60 ms.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { propfind, propfindCommand, type BODIES } from '../lib/propfind.ts';
import { median, fmt } from '../lib/stats.ts';
import { ratio } from '../lib/results.ts';
import { sdk } from '../peers/sdk.ts';
import { CACHE_TTL_SECONDS } from '../peers/releasedav.ts';
import { logCommand, type Ctx } from '../lib/context.ts';

const SECTION = 'PROPFIND S3';

/** Runs the measure. @throws never (failures become problems) */
export async function propfindS3(ctx: Ctx): Promise<void> {
  const { s, r, peers } = ctx;
  const s3 = s.s3!;
  const prefix = `${peers.rdav?.s3Prefix ?? `${s.runId}-rdav/`}list/`;
  try {
    const seeded = await sdk(s3, 'seed', prefix, String(s.files));
    console.log(`  seeded ${seeded.count} objects in ${fmt(seeded.seconds, 1)} s`);
  } catch (e) { r.problem(`${SECTION}: cannot seed ${s.files} objects: ${(e as Error).message}`); return; }
  const q = (what: string) => `Depth 1, ${s.files} objects, ${what}`;

  // The backend's own floor: a bare ListObjectsV2 walk of the same prefix.
  try {
    const walks = [];
    for (let i = 0; i < s.reps; i++) walks.push(await sdk(s3, 'list', prefix));
    logCommand(ctx, 'bare ListObjectsV2 walk', `node --import tsx bench/peers/sdk-direct.ts list ${prefix}   # ListObjectsV2, Delimiter "/", all pages`);
    r.add({ section: SECTION, subject: 'bare ListObjectsV2 walk (SDK)', quantity: q('list'), value: median(walks.map((w) => w.seconds! * 1000)), unit: 'ms',
      note: `${walks[0]!.count} keys, ${walks[0]!.requests} requests` });
  } catch (e) { r.problem(`${SECTION}, ListObjectsV2 walk: ${(e as Error).message}`); }
  const walk = r.value(SECTION, 'bare ListObjectsV2 walk (SDK)', q('list'));

  const bodies: (keyof typeof BODIES)[] = ['allprop', 'named'];
  if (peers.rdav?.s3Prefix) {
    const url = `${peers.rdav.davUrl}/s3/list/`;
    const cold: Record<string, number[]> = {}, warm: Record<string, number[]> = {};
    let responses = 0;
    try {
      for (let i = 0; i < s.reps; i++) {
        for (const b of bodies) {
          logCommand(ctx, `PROPFIND Depth 1 S3 ${b} (ReleaseDAV)`, propfindCommand(url, '1', b));
          await sleep((CACHE_TTL_SECONDS + 1) * 1000);
          const c = await propfind(url, '1', b, s.user, s.password, s.workDir);
          responses = c.responses;
          (cold[b] ??= []).push(c.ms);
          for (let k = 0; k < 2; k++) (warm[b] ??= []).push((await propfind(url, '1', b, s.user, s.password, s.workDir)).ms);
        }
      }
    } catch (e) { r.problem(`${SECTION}, ReleaseDAV: ${(e as Error).message}`); }
    for (const b of bodies) {
      const note = `${responses} responses${responses !== s.files + 1 ? ` — expected ${s.files + 1}` : ''}`;
      r.add({ section: SECTION, subject: 'ReleaseDAV', quantity: q(`${b}, cold`), value: cold[b]?.length ? median(cold[b]!) : null, unit: 'ms', note: `${note}; ${cold[b]?.map((x) => fmt(x, 0)).join(', ')}` });
      r.add({ section: SECTION, subject: 'ReleaseDAV', quantity: q(`${b}, warm`), value: warm[b]?.length ? median(warm[b]!) : null, unit: 'ms', note: warm[b]?.map((x) => fmt(x, 0)).join(', ') });
    }
  }
  if (peers.rcloneS3) {
    // rclone keeps a directory cache: a fresh process per cold listing.
    try {
      let rc = await ctx.restartRcloneS3();
      const url = `${rc!.baseUrl}/${prefix}`;
      logCommand(ctx, 'PROPFIND Depth 1 S3 (rclone)', propfindCommand(url, '1', 'named'));
      const named = await propfind(url, '1', 'named', s.user, s.password, s.workDir);
      const namedWarm = median([await propfind(url, '1', 'named', s.user, s.password, s.workDir), await propfind(url, '1', 'named', s.user, s.password, s.workDir)].map((x) => x.ms));
      r.add({ section: SECTION, subject: 'rclone serve webdav → RGW', quantity: q('named, cold'), value: named.ms, unit: 'ms', note: `${named.responses} responses; once` });
      r.add({ section: SECTION, subject: 'rclone serve webdav → RGW', quantity: q('named, warm'), value: namedWarm, unit: 'ms' });
      rc = await ctx.restartRcloneS3();
      const all = await propfind(`${rc!.baseUrl}/${prefix}`, '1', 'allprop', s.user, s.password, s.workDir);
      r.add({ section: SECTION, subject: 'rclone serve webdav → RGW', quantity: q('allprop, cold'), value: all.ms, unit: 'ms', note: `${all.responses} responses; once (one HEAD per object)` });
    } catch (e) { r.problem(`${SECTION}, rclone: ${(e as Error).message}`); }
  }
  for (const b of bodies) {
    const c = r.value(SECTION, 'ReleaseDAV', q(`${b}, cold`)), w = r.value(SECTION, 'ReleaseDAV', q(`${b}, warm`));
    const x = ratio(c, walk);
    r.check({ section: SECTION, target: `PROPFIND ${q(b)}, cold ≤ 1.2× bare ListObjectsV2 walk`, met: x === null ? null : x <= 1.2, measured: `${fmt(x)}× (ReleaseDAV ${fmt(c, 0)} / walk ${fmt(walk, 0)} ms)` });
    r.check({ section: SECTION, target: `PROPFIND ${q(b)}, warm ≤ 60 ms`, met: w === null ? null : w <= 60, measured: `${fmt(w, 0)} ms` });
  }
}
