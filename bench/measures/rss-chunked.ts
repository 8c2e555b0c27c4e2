/**
 * Measure: the daemon's peak RSS during chunked PUTs of unknown length (curl -T -, Transfer-Encoding:
 * chunked, X-Expected-Entity-Length as Finder sends) to S3: one of `sizeMiB` and one of `bigMiB`,
 * to show whether memory grows with the file. rclone's peak for the smaller one for comparison.
 * Target: ≤ 150 MiB for the big one, and no growth from the small to the big one.
 */
import { createReadStream } from 'node:fs';
import { PassThrough } from 'node:stream';
import { curl, userArg } from '../lib/http-tools.ts';
import { peakRssDuring, type Service } from '../lib/proc.ts';
import { fmt, mbps } from '../lib/stats.ts';
import { sdk } from '../peers/sdk.ts';
import { logCommand, type Ctx } from '../lib/context.ts';

const SECTION = 'chunked PUT memory';

/** The big file repeated `times` times, as one stream. */
function repeated(file: string, times: number): PassThrough {
  const out = new PassThrough({ highWaterMark: 1 << 20 });
  (async () => {
    for (let i = 0; i < times; i++) {
      for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 })) {
        if (!out.write(chunk)) await new Promise((r) => out.once('drain', r));
      }
    }
    out.end();
  })().catch((e) => out.destroy(e));
  return out;
}

async function chunkedPut(ctx: Ctx, svc: Service, url: string, file: string, times: number, size: number, declare = true) {
  const args = [...userArg(ctx.s.user, ctx.s.password), '-o', '/dev/null', '-T', '-', '-H', 'Transfer-Encoding: chunked',
    ...(declare ? ['-H', `X-Expected-Entity-Length: ${size * times}`] : []), url];
  const { result, peakMiB, startMiB } = await peakRssDuring(svc.pid, () => curl(args, repeated(file, times)));
  // curl counts the chunk framing in size_upload: at least the payload must have gone
  if (result.status >= 300 || result.bytesUp < size * times) throw new Error(`PUT answered ${result.status} after ${result.bytesUp} bytes`);
  return { peakMiB, startMiB, rate: (size * times) / result.seconds };
}

/** Runs the measure. @throws never (failures become problems) */
export async function rssChunked(ctx: Ctx): Promise<void> {
  const { s, r, peers } = ctx;
  const size = s.sizeMiB * 1048576;
  const times = Math.max(1, Math.round(s.bigMiB / s.sizeMiB));
  logCommand(ctx, 'chunked PUT', 'cat $FILE [×5] | curl -s -o /dev/null -u bench:PASS -T - -H "Transfer-Encoding: chunked" -H "X-Expected-Entity-Length: $BYTES" URL   # while polling /proc/PID/status VmRSS every 50 ms, after clear_refs 5 (VmHWM reset)');
  const peaks: Record<string, number | null> = {};
  // A fresh daemon: memory kept by the allocator after earlier measures would hide the upload's own.
  if (peers.rdav?.s3Prefix) await ctx.restartReleaseDav();
  if (peers.rdav?.s3Prefix) {
    for (const [label, n] of [[`${s.sizeMiB} MiB`, 1], [`${s.sizeMiB * times} MiB`, times]] as const) {
      await curl([...userArg(s.user, s.password), '-o', '/dev/null', '-X', 'MKCOL', `${peers.rdav.davUrl}/s3/rss${n}/`]).catch(() => undefined);
      try {
        const x = await chunkedPut(ctx, peers.rdav.service, `${peers.rdav.davUrl}/s3/rss${n}/big.bin`, ctx.bigFile, n, size);
        peaks[label] = x.peakMiB;
        r.add({ section: SECTION, subject: 'ReleaseDAV', quantity: `peak RSS, ${label} chunked PUT`, value: x.peakMiB, unit: 'MiB', note: `RSS before ${fmt(x.startMiB, 0)} MiB, ${fmt(mbps(x.rate), 0)} MB/s` });
      } catch (e) { r.problem(`${SECTION}, ReleaseDAV ${label}: ${(e as Error).message}`); }
      try { await sdk(s.s3!, 'delete', `${peers.rdav.s3Prefix}rss${n}/`); await ctx.rgwGc(); } catch { /* best effort */ }
    }
  }
  if (peers.rdav?.s3Prefix) {
    // No length at all (curl -T - without X-Expected-Entity-Length): the body must be buffered in parts.
    const up = peers.rdav.upload;
    try {
      const x = await chunkedPut(ctx, peers.rdav.service, `${peers.rdav.davUrl}/s3/rss-nolen.bin`, ctx.bigFile, 1, size, false);
      r.add({ section: SECTION, subject: 'ReleaseDAV', quantity: `peak RSS, ${s.sizeMiB} MiB chunked PUT without any length`, value: x.peakMiB, unit: 'MiB',
        note: `RSS before ${fmt(x.startMiB, 0)} MiB, ${fmt(mbps(x.rate), 0)} MB/s; parts buffered: (queue ${up?.queueSize ?? '?'} + 1) × ${up?.unknownSizePartSizeMiB ?? '?'} MiB` });
    } catch (e) { r.problem(`${SECTION}, ReleaseDAV without length: ${(e as Error).message}`); }
    try { await sdk(s.s3!, 'delete', `${peers.rdav.s3Prefix}rss-nolen.bin`); } catch { /* best effort */ }
  }
  if (peers.rcloneS3) {
    const key = `${s.runId}-rclone-rss.bin`;
    try {
      const x = await chunkedPut(ctx, peers.rcloneS3.service, `${peers.rcloneS3.baseUrl}/${key}`, ctx.bigFile, 1, size);
      r.add({ section: SECTION, subject: 'rclone serve webdav → RGW', quantity: `peak RSS, ${s.sizeMiB} MiB chunked PUT`, value: x.peakMiB, unit: 'MiB', note: `RSS before ${fmt(x.startMiB, 0)} MiB, ${fmt(mbps(x.rate), 0)} MB/s` });
    } catch (e) { r.problem(`${SECTION}, rclone: ${(e as Error).message}`); }
    try { await sdk(s.s3!, 'delete', key); } catch { /* best effort */ }
  }
  const labels = Object.keys(peaks);
  const small = peaks[labels[0] ?? ''] ?? null, big = peaks[labels[1] ?? ''] ?? null;
  r.check({ section: SECTION, target: `daemon peak RSS during a ${s.sizeMiB * times} MiB chunked PUT to S3 ≤ 150 MiB`,
    met: big === null ? null : big <= 150, measured: `${fmt(big, 0)} MiB` });
  const growth = big !== null && small !== null ? big - small : null;
  r.check({ section: SECTION, target: 'peak RSS not growing with the file size', met: growth === null ? null : growth <= Math.max(16, 0.1 * small!),
    measured: `${labels[0] ?? '?'}: ${fmt(small, 0)} MiB → ${labels[1] ?? '?'}: ${fmt(big, 0)} MiB (${growth !== null && growth >= 0 ? '+' : ''}${fmt(growth, 0)} MiB)` });
}
