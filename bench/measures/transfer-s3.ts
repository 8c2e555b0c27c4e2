/**
 * Measure: a large file PUT then GET to S3 (the RGW) — over ReleaseDAV's S3 category, over rclone on
 * the same RGW, and straight to the RGW (SDK multipart with two part sizes, one streaming SDK
 * PutObject, one presigned PUT with curl; SDK GetObject and presigned GET with curl).
 * Target: ReleaseDAV ≥ 0.9× the fastest direct transfer, and ahead of rclone, both ways.
 */
import { curl, userArg } from '../lib/http-tools.ts';
import { median, mbps, fmt } from '../lib/stats.ts';
import { ratio } from '../lib/results.ts';
import { sdk } from '../peers/sdk.ts';
import { logCommand, type Ctx } from '../lib/context.ts';

const SECTION = 'S3 transfer';

type Way = 'PUT' | 'GET';
interface Case { name: string; way: Way; direct: boolean; run(rep: number): Promise<number> }

/** Runs the measure. @throws never (failures become problems) */
export async function transferS3(ctx: Ctx): Promise<void> {
  const { s, r, peers } = ctx;
  const s3 = s.s3!;
  const size = s.sizeMiB * 1048576;
  const dir = `${s.runId}-direct/`;
  const auth = userArg(s.user, s.password);
  const viaCurlPut = async (url: string, withAuth: boolean) => {
    const p = await curl([...(withAuth ? auth : []), '-o', '/dev/null', '-T', ctx.bigFile, url]);
    if (p.status >= 300 || p.bytesUp !== size) throw new Error(`PUT answered ${p.status} after ${p.bytesUp} bytes`);
    return size / p.seconds;
  };
  const viaCurlGet = async (url: string, withAuth: boolean) => {
    const g = await curl([...(withAuth ? auth : []), '-o', '/dev/null', url]);
    if (g.status !== 200 || g.bytesDown !== size) throw new Error(`GET answered ${g.status} with ${g.bytesDown} bytes`);
    return size / g.seconds;
  };
  const sdkRate = async (job: string, ...args: string[]) => {
    const a = await sdk(s3, job, ...args);
    if (a.bytes !== size) throw new Error(`${job} moved ${a.bytes} bytes`);
    return size / a.seconds!;
  };
  const cases: Case[] = [
    { name: 'SDK Upload, 16 MiB parts × 4', way: 'PUT', direct: true, run: () => sdkRate('put-multipart', ctx.bigFile, `${dir}mp16.bin`, '16', '4') },
    { name: 'SDK Upload, 64 MiB parts × 4', way: 'PUT', direct: true, run: () => sdkRate('put-multipart', ctx.bigFile, `${dir}mp64.bin`, '64', '4') },
    { name: 'SDK PutObject, one stream', way: 'PUT', direct: true, run: () => sdkRate('put-object', ctx.bigFile, `${dir}po.bin`) },
    { name: 'presigned PUT, curl', way: 'PUT', direct: true, run: async () => viaCurlPut((await sdk(s3, 'presign-put', `${dir}curl.bin`)).url!, false) },
    { name: 'SDK GetObject', way: 'GET', direct: true, run: () => sdkRate('get', `${dir}po.bin`) },
    { name: 'presigned GET, curl', way: 'GET', direct: true, run: async () => viaCurlGet((await sdk(s3, 'presign-get', `${dir}po.bin`)).url!, false) },
  ];
  logCommand(ctx, 'S3 direct PUT/GET', 'node --import tsx bench/peers/sdk-direct.ts put-multipart|put-object|get ...; curl -s -o /dev/null -T $FILE "$PRESIGNED_PUT_URL"; curl -s -o /dev/null "$PRESIGNED_GET_URL"');
  if (peers.rcloneS3) {
    const url = `${peers.rcloneS3.baseUrl}/${dir}rclone.bin`;
    logCommand(ctx, 'S3 PUT/GET via rclone', `curl -s -o /dev/null -u bench:PASS -T $FILE ${url}; curl -s -o /dev/null -u bench:PASS ${url}`);
    cases.push({ name: 'rclone serve webdav → RGW', way: 'PUT', direct: false, run: () => viaCurlPut(url, true) },
      { name: 'rclone serve webdav → RGW', way: 'GET', direct: false, run: () => viaCurlGet(url, true) });
  }
  if (peers.rdav?.s3Prefix) {
    const url = `${peers.rdav.davUrl}/s3/put-rdav.bin`;
    logCommand(ctx, 'S3 PUT/GET via ReleaseDAV', `curl -s -o /dev/null -u bench:PASS -T $FILE ${url}; curl -s -o /dev/null -u bench:PASS ${url}`);
    cases.push({ name: 'ReleaseDAV', way: 'PUT', direct: false, run: () => viaCurlPut(url, true) },
      { name: 'ReleaseDAV', way: 'GET', direct: false, run: () => viaCurlGet(url, true) });
  }
  const cleanup = async () => {
    for (const p of [dir, `${peers.rdav?.s3Prefix ?? '-none-/'}put-rdav.bin`]) {
      try { await sdk(s3, 'delete', p); } catch (e) { r.problem(`cleanup of ${p}: ${(e as Error).message}`); }
    }
    await ctx.rgwGc();
  };
  const rates = new Map<Case, number[]>();
  const dead = new Set<string>();
  for (let i = 0; i < s.reps; i++) {
    for (const c of cases) {
      if (dead.has(c.name)) continue;
      try { const v = await c.run(i); rates.set(c, [...(rates.get(c) ?? []), v]); }
      catch (e) { r.problem(`${SECTION}, ${c.name} ${c.way}: ${(e as Error).message}`); dead.add(c.name); }
    }
    await cleanup(); // keeps the RGW's live data to one repetition's objects
  }
  const best: Record<Way, { name: string; v: number } | null> = { PUT: null, GET: null };
  for (const c of cases) {
    const xs = rates.get(c);
    const v = xs?.length ? mbps(median(xs)) : null;
    r.add({ section: SECTION, subject: c.name, quantity: `${s.sizeMiB} MiB ${c.way}`, value: v, unit: 'MB/s', note: xs?.map((x) => fmt(mbps(x), 0)).join(', ') });
    if (c.direct && v !== null && (best[c.way] === null || v > best[c.way]!.v)) best[c.way] = { name: c.name, v };
  }
  for (const way of ['PUT', 'GET'] as const) {
    const q = `${s.sizeMiB} MiB ${way}`;
    const ours = r.value(SECTION, 'ReleaseDAV', q);
    const x = ratio(ours, best[way]?.v ?? null);
    r.check({ section: SECTION, target: `${q} over WebDAV, S3 ≥ 0.9× fastest direct`, met: x === null ? null : x >= 0.9,
      measured: `${fmt(x)}× (ReleaseDAV ${fmt(ours, 0)} / ${best[way]?.name ?? 'n/a'} ${fmt(best[way]?.v, 0)} MB/s)` });
    const rc = r.value(SECTION, 'rclone serve webdav → RGW', q);
    const y = ratio(ours, rc);
    r.check({ section: SECTION, target: `${q} over WebDAV, S3 ahead of rclone`, met: y === null ? null : y > 1,
      measured: `${fmt(y)}× (ReleaseDAV ${fmt(ours, 0)} / rclone ${fmt(rc, 0)} MB/s)` });
  }
}
