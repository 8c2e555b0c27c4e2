/**
 * Measure: `concurrentUploads` simultaneous chunked uploads of `concurrentMiB` MiB each to the S3
 * category, then each downloaded back over WebDAV and compared by SHA-256; the daemon's peak RSS
 * against the configured upload buffers (uploads × (queueSize + 1) × part size).
 * Target: all byte-identical, RSS within that bound (plus the idle RSS).
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { curl, userArg } from '../lib/http-tools.ts';
import { peakRssDuring } from '../lib/proc.ts';
import { randomStream } from '../lib/random-stream.ts';
import { fmt, mbps } from '../lib/stats.ts';
import { sdk } from '../peers/sdk.ts';
import { logCommand, type Ctx } from '../lib/context.ts';

const SECTION = 'concurrent uploads';

/** SHA-256 of a GET through curl (streamed, never stored). */
function getSha256(url: string, user: string, pass: string): Promise<{ sha: string; bytes: number }> {
  return new Promise((resolve, reject) => {
    const h = createHash('sha256');
    let bytes = 0;
    const p = spawn('curl', ['-s', '-S', '-f', ...userArg(user, pass), url], { stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    p.stdout.on('data', (d: Buffer) => { h.update(d); bytes += d.length; });
    p.stderr.on('data', (d) => (err += d));
    p.on('error', reject);
    p.on('close', (code) => (code === 0 ? resolve({ sha: h.digest('hex'), bytes }) : reject(new Error(`GET ${url}: curl exit ${code} ${err.trim()}`))));
  });
}

/** Runs the measure. @throws never */
export async function concurrentUploads(ctx: Ctx): Promise<void> {
  const { s, r, peers } = ctx;
  const rdav = peers.rdav;
  if (!rdav?.s3Prefix) return;
  const n = s.concurrentUploads, bytes = s.concurrentMiB * 1048576;
  const url = (i: number) => `${rdav.davUrl}/s3/conc/u${i}.bin`;
  const auth = userArg(s.user, s.password);
  const args = (i: number) => [...auth, '-o', '/dev/null', '-T', '-', '-H', 'Transfer-Encoding: chunked', '-H', `X-Expected-Entity-Length: ${bytes}`, url(i)];
  logCommand(ctx, 'concurrent uploads', `${n}× in parallel: <AES-CTR stream> | curl -s -o /dev/null -u bench:PASS -T - -H "Transfer-Encoding: chunked" -H "X-Expected-Entity-Length: ${bytes}" URL; then curl -s -u bench:PASS URL | sha256`);
  try {
    await curl([...auth, '-o', '/dev/null', '-X', 'MKCOL', `${rdav.davUrl}/s3/conc/`]);
    const streams = Array.from({ length: n }, (_, i) => randomStream(`${s.runId}-${i}`, bytes));
    const t0 = Date.now();
    const { result, peakMiB, startMiB } = await peakRssDuring(rdav.service.pid, () => Promise.all(streams.map((g, i) => curl(args(i), g.stream))));
    const seconds = (Date.now() - t0) / 1000;
    // curl counts the chunk framing in size_upload
    const failed = result.filter((x) => x.status >= 300 || x.bytesUp < bytes);
    let identical = 0;
    const mismatches: string[] = [];
    for (let i = 0; i < n; i++) {
      try {
        const got = await getSha256(url(i), s.user, s.password);
        if (got.sha === streams[i]!.sha256() && got.bytes === bytes) identical++;
        else mismatches.push(`u${i}: ${got.bytes} bytes, sha ${got.sha.slice(0, 12)}… vs ${streams[i]!.sha256().slice(0, 12)}…`);
      } catch (e) { mismatches.push((e as Error).message); }
    }
    const up = rdav.upload ?? { queueSize: 4, minPartSizeMiB: 16 };
    const partMiB = Math.max(up.minPartSizeMiB, Math.ceil(s.concurrentMiB / 10000));
    const bound = n * (up.queueSize + 1) * partMiB;
    r.add({ section: SECTION, subject: 'ReleaseDAV', quantity: `${n} × ${s.concurrentMiB} MiB, aggregate`, value: mbps((n * bytes) / seconds), unit: 'MB/s',
      note: failed.length ? `${failed.length} uploads failed: ${failed.map((f) => f.status).join(',')}` : undefined });
    r.add({ section: SECTION, subject: 'ReleaseDAV', quantity: `${n} × ${s.concurrentMiB} MiB, byte-identical`, value: identical, unit: `of ${n}`, note: mismatches.slice(0, 3).join('; ') || undefined });
    r.add({ section: SECTION, subject: 'ReleaseDAV', quantity: `${n} × ${s.concurrentMiB} MiB, peak RSS`, value: peakMiB, unit: 'MiB',
      note: `idle ${fmt(startMiB, 0)} MiB; buffer bound ${n} × (queue ${up.queueSize} + 1) × ${partMiB} MiB = ${bound} MiB` });
    r.check({ section: SECTION, target: `${n} concurrent ${s.concurrentMiB} MiB uploads to S3 all byte-identical`, met: identical === n && failed.length === 0, measured: `${identical} of ${n} identical` });
    const limit = bound + (startMiB ?? 0);
    r.check({ section: SECTION, target: 'daemon RSS bounded by the configured upload buffers', met: peakMiB === null ? null : peakMiB <= limit,
      measured: `${fmt(peakMiB, 0)} MiB peak ≤ ${fmt(limit, 0)} MiB (idle ${fmt(startMiB, 0)} + ${bound} buffers)` });
  } catch (e) { r.problem(`${SECTION}: ${(e as Error).message}`); }
  try { await sdk(s.s3!, 'delete', `${rdav.s3Prefix}conc/`); } catch { /* best effort */ }
}
