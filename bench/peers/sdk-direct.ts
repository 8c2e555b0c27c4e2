/**
 * Peer process: the AWS SDK v3 straight to the RGW — the backend's own limit. One job per call,
 * one JSON line on stdout. S3 settings come from BENCH_S3_* in the environment.
 * Usage: node --import tsx bench/peers/sdk-direct.ts <job> ...
 *   put-multipart FILE KEY PART_MIB QUEUE | put-object FILE KEY | get KEY | presign-put KEY | presign-get KEY
 *   list PREFIX | seed PREFIX COUNT | delete PREFIX
 */
import { createReadStream, statSync, readFileSync } from 'node:fs';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { S3Client, PutObjectCommand, GetObjectCommand, ListObjectsV2Command, DeleteObjectsCommand } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';

const e = process.env;
const Bucket = e.BENCH_S3_BUCKET!;
const client = new S3Client({
  endpoint: e.BENCH_S3_ENDPOINT, region: e.BENCH_S3_REGION ?? 'default', forcePathStyle: true,
  credentials: { accessKeyId: e.BENCH_S3_ACCESS_KEY!, secretAccessKey: e.BENCH_S3_SECRET_KEY! },
  // No extra CRC trailers: the fastest the SDK can send to an RGW.
  requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED',
});

const hwmMiB = () => Number(/^VmHWM:\s+(\d+)/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1] ?? 0) / 1024;
const out = (o: object) => process.stdout.write(JSON.stringify({ ...o, peakMiB: hwmMiB() }) + '\n');
const timed = async (f: () => Promise<number>) => { const t = process.hrtime.bigint(); const bytes = await f(); return { seconds: Number(process.hrtime.bigint() - t) / 1e9, bytes }; };

async function listAll(prefix: string, delimiter?: string): Promise<{ keys: string[]; requests: number }> {
  const keys: string[] = [];
  let token: string | undefined, requests = 0;
  do {
    const r = await client.send(new ListObjectsV2Command({ Bucket, Prefix: prefix, Delimiter: delimiter, ContinuationToken: token }));
    requests++;
    for (const o of r.Contents ?? []) keys.push(o.Key!);
    for (const p of r.CommonPrefixes ?? []) keys.push(p.Prefix!);
    token = r.IsTruncated ? r.NextContinuationToken : undefined;
  } while (token);
  return { keys, requests };
}

const [job, a, b, c, d] = process.argv.slice(2);
switch (job) {
  case 'put-multipart': {
    out(await timed(async () => {
      const up = new Upload({ client, params: { Bucket, Key: b!, Body: createReadStream(a!, { highWaterMark: 1 << 20 }) }, partSize: Number(c) * 1048576, queueSize: Number(d) });
      await up.done();
      return statSync(a!).size;
    }));
    break;
  }
  case 'put-object': {
    out(await timed(async () => {
      const size = statSync(a!).size;
      await client.send(new PutObjectCommand({ Bucket, Key: b!, Body: createReadStream(a!, { highWaterMark: 1 << 20 }), ContentLength: size }));
      return size;
    }));
    break;
  }
  case 'get': {
    out(await timed(async () => {
      const r = await client.send(new GetObjectCommand({ Bucket, Key: a! }));
      let n = 0;
      await pipeline(r.Body as NodeJS.ReadableStream, new Writable({ write(chunk: Buffer, _e, cb) { n += chunk.length; cb(); } }));
      return n;
    }));
    break;
  }
  case 'presign-put': out({ url: await getSignedUrl(client, new PutObjectCommand({ Bucket, Key: a! }), { expiresIn: 3600 }) }); break;
  case 'presign-get': out({ url: await getSignedUrl(client, new GetObjectCommand({ Bucket, Key: a! }), { expiresIn: 3600 }) }); break;
  case 'list': {
    const t = process.hrtime.bigint();
    const r = await listAll(a!, '/');
    out({ seconds: Number(process.hrtime.bigint() - t) / 1e9, count: r.keys.length, requests: r.requests });
    break;
  }
  case 'seed': {
    const n = Number(b);
    let next = 0;
    const body = Buffer.alloc(1024, 'x');
    const worker = async () => {
      while (next < n) {
        const i = next++;
        await client.send(new PutObjectCommand({ Bucket, Key: `${a}f${String(i).padStart(5, '0')}.bin`, Body: body, ContentLength: body.length }));
      }
    };
    const t = process.hrtime.bigint();
    await Promise.all(Array.from({ length: 32 }, worker));
    out({ seconds: Number(process.hrtime.bigint() - t) / 1e9, count: n });
    break;
  }
  case 'delete': {
    const { keys } = await listAll(a!);
    for (let i = 0; i < keys.length; i += 1000) {
      await client.send(new DeleteObjectsCommand({ Bucket, Delete: { Objects: keys.slice(i, i + 1000).map((Key) => ({ Key })), Quiet: true } }));
    }
    out({ count: keys.length });
    break;
  }
  default:
    process.stderr.write(`unknown job ${job}\n`);
    process.exitCode = 2;
}
