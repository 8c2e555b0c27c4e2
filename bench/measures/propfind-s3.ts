/**
 * Measure: PROPFIND Depth 1 on a prefix of `files` objects on the RGW, and on one of 100,000 —
 * ReleaseDAV cold (metadata cache expired) and warm, allprop and named props — vs a bare
 * ListObjectsV2 walk (SDK) and rclone. The 100,000-object prefix is seeded in parallel (32 writers)
 * and measured once per kind: above `cache.maxEntries` its repeats are cold again, and rclone's
 * listings of it are cut at {@link LIMIT_S} (it stats every object: ~100 s).
 * Target: cold ≤ 1.2× the bare walk at both sizes; warm ≤ 60 ms at `files` (10,000 by default).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { propfind, propfindCommand, type BODIES } from '../lib/propfind.ts';
import { median, fmt } from '../lib/stats.ts';
import { ratio } from '../lib/results.ts';
import { sdk } from '../peers/sdk.ts';
import { CACHE_TTL_SECONDS } from '../peers/releasedav.ts';
import { logCommand, LIST, type Ctx } from '../lib/context.ts';
import { s3CallsByOperation, callDelta } from '../lib/daemon-metrics.ts';

const SECTION = 'PROPFIND S3';
/** Longest a single listing may take before it is cut (keeps the whole run under 20 minutes). */
const LIMIT_S = 20;

/** The larger listing of the measure (issue 16: listings at 10,000 and 100,000 entries). */
const LARGE = 100_000;

/** Runs the measure. @throws never (failures become problems) */
export async function propfindS3(ctx: Ctx): Promise<void> {
  await atSize(ctx, ctx.s.files, LIST, ctx.s.reps);
  if (ctx.s.files < LARGE && !process.env.BENCH_S3_SKIP_LARGE) await atSize(ctx, LARGE, `${LIST}-${LARGE}`, 1);
}

/** One prefix of `files` objects under LIST-like folder `list`, `reps` rounds. @throws never */
async function atSize(ctx: Ctx, files: number, list: string, reps: number): Promise<void> {
  const { s, r, peers } = ctx;
  const s3 = s.s3!;
  const large = files > s.files;
  const prefix = `${peers.rdav?.s3Prefix ?? `${s.runId}-rdav/`}${list}/`;
  try {
    const seeded = await sdk(s3, 'seed', prefix, String(files));
    console.log(`  seeded ${seeded.count} objects in ${fmt(seeded.seconds, 1)} s`);
    if (large) r.add({ section: SECTION, subject: 'seed (SDK PutObject, 32 writers)', quantity: `${files} objects`, value: seeded.seconds! * 1000, unit: 'ms', note: 'not a target: how long the bench waits for the folder' });
  } catch (e) { r.problem(`${SECTION}: cannot seed ${files} objects: ${(e as Error).message}`); return; }
  const q = (what: string) => `Depth 1, ${files} objects, ${what}`;

  // The backend's own floor: a bare ListObjectsV2 walk of the same prefix.
  try {
    const walks = [];
    for (let i = 0; i < reps; i++) walks.push(await sdk(s3, 'list', prefix));
    logCommand(ctx, 'bare ListObjectsV2 walk', `node --import tsx bench/peers/sdk-direct.ts list ${prefix}   # ListObjectsV2, Delimiter "/", all pages`);
    r.add({ section: SECTION, subject: 'bare ListObjectsV2 walk (SDK)', quantity: q('list'), value: median(walks.map((w) => w.seconds! * 1000)), unit: 'ms',
      note: `${walks[0]!.count} keys, ${walks[0]!.requests} requests` });
  } catch (e) { r.problem(`${SECTION}, ListObjectsV2 walk: ${(e as Error).message}`); }
  const walk = r.value(SECTION, 'bare ListObjectsV2 walk (SDK)', q('list'));

  const bodies: (keyof typeof BODIES)[] = ['allprop', 'named'];
  let cuts = new Set<string>();
  if (peers.rdav?.s3Prefix) {
    const url = `${peers.rdav.davUrl}/s3/${list}/`;
    const cold: Record<string, number[]> = {}, warm: Record<string, number[]> = {};
    const cut = new Set<string>();
    let responses = 0, slow = false;
    const calls = new Map<string, string>();
    const one = async (b: keyof typeof BODIES, key: string, into: Record<string, number[]>) => {
      const before = calls.has(key) ? null : await s3CallsByOperation(peers.rdav!.dlUrl);
      const x = await propfind(url, '1', b, s.user, s.password, s.workDir, LIMIT_S);
      const d = before ? callDelta(before, await s3CallsByOperation(peers.rdav!.dlUrl)) : null;
      if (d) calls.set(key, `S3 calls: ${d.total} (${d.text})`);
      if (x.timedOut) { cut.add(key); slow = true; return; }
      responses = x.responses;
      (into[b] ??= []).push(x.ms);
      if (x.ms > 5000) slow = true;
    };
    try {
      // A listing slower than 5 s is measured once per kind (cut at LIMIT_S): the run must end in time.
      for (let i = 0; i < reps && !(slow && i > 0); i++) {
        for (const b of bodies) {
          logCommand(ctx, `PROPFIND Depth 1 S3 ${b} (ReleaseDAV)`, propfindCommand(url, '1', b));
          await sleep((CACHE_TTL_SECONDS + 1) * 1000);
          await one(b, `${b}, cold`, cold);
          for (let k = 0; k < (slow ? 1 : 2); k++) await one(b, `${b}, warm`, warm);
        }
      }
    } catch (e) { r.problem(`${SECTION}, ReleaseDAV: ${(e as Error).message}`); }
    for (const b of bodies) {
      const note = `${responses} responses${responses !== files + 1 ? ` — expected ${files + 1}` : ''}`;
      for (const [kind, m] of [['cold', cold], ['warm', warm]] as const) {
        const key = `${b}, ${kind}`;
        const xs = m[b] ?? [];
        r.add({ section: SECTION, subject: 'ReleaseDAV', quantity: q(key), value: cut.has(key) ? null : xs.length ? median(xs) : null, unit: 'ms',
          note: [cut.has(key) ? `did not finish within ${LIMIT_S} s (curl --max-time)` : `${kind === 'cold' ? `${note}; ` : ''}${xs.map((x) => fmt(x, 0)).join(', ')}`,
            calls.get(key)].filter(Boolean).join('; ') });
      }
    }
    cuts = cut;
  }
  if (peers.rcloneS3) {
    // rclone keeps a directory cache: a fresh process per cold listing.
    try {
      let rc = await ctx.restartRcloneS3();
      const url = `${rc!.baseUrl}/${prefix}`;
      logCommand(ctx, 'PROPFIND Depth 1 S3 (rclone)', propfindCommand(url, '1', 'named'));
      const max = large ? LIMIT_S : 120;
      const cutNote = `did not finish within ${max} s (curl --max-time)`;
      const named = await propfind(url, '1', 'named', s.user, s.password, s.workDir, max);
      r.add({ section: SECTION, subject: 'rclone serve webdav → RGW', quantity: q('named, cold'), value: named.timedOut ? null : named.ms, unit: 'ms', note: named.timedOut ? cutNote : `${named.responses} responses; once` });
      if (!named.timedOut) {
        const namedWarm = median([await propfind(url, '1', 'named', s.user, s.password, s.workDir), await propfind(url, '1', 'named', s.user, s.password, s.workDir)].map((x) => x.ms));
        r.add({ section: SECTION, subject: 'rclone serve webdav → RGW', quantity: q('named, warm'), value: namedWarm, unit: 'ms' });
      }
      rc = await ctx.restartRcloneS3();
      const all = await propfind(`${rc!.baseUrl}/${prefix}`, '1', 'allprop', s.user, s.password, s.workDir, max);
      r.add({ section: SECTION, subject: 'rclone serve webdav → RGW', quantity: q('allprop, cold'), value: all.timedOut ? null : all.ms, unit: 'ms', note: all.timedOut ? cutNote : `${all.responses} responses; once (one HEAD per object)` });
    } catch (e) { r.problem(`${SECTION}, rclone: ${(e as Error).message}`); }
  }
  for (const b of bodies) {
    const c = r.value(SECTION, 'ReleaseDAV', q(`${b}, cold`)), w = r.value(SECTION, 'ReleaseDAV', q(`${b}, warm`));
    const x = ratio(c, walk);
    const cutC = cuts.has(`${b}, cold`), cutW = cuts.has(`${b}, warm`);
    r.check({ section: SECTION, target: `PROPFIND ${q(b)}, cold ≤ 1.2× bare ListObjectsV2 walk`, met: cutC ? false : x === null ? null : x <= 1.2,
      measured: cutC ? `> ${LIMIT_S} s (walk ${fmt(walk, 0)} ms)` : `${fmt(x)}× (ReleaseDAV ${fmt(c, 0)} / walk ${fmt(walk, 0)} ms)` });
    // Above cache.maxEntries a repeat is a cold listing again: no warm target for the large folder.
    if (!large) r.check({ section: SECTION, target: `PROPFIND ${q(b)}, warm ≤ 60 ms`, met: cutW ? false : w === null ? null : w <= 60, measured: cutW ? `> ${LIMIT_S} s` : `${fmt(w, 0)} ms` });
  }
}
