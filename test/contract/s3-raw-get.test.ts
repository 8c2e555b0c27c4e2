/**
 * The raw-socket S3 read (src/backends/s3-raw-get.ts) against the test S3: bytes identical in
 * Readable mode and in sendTo mode under a slow receiver (back-pressure with the reused buffer),
 * ranges and limits, empty objects, S3 error codes, abort and a receiver that goes away.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import net from 'node:net';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { DeleteObjectsCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { createS3Client } from '../../src/backends/s3-client.ts';
import { createObjectGetter } from '../../src/backends/s3-get.ts';
import { createPresigner } from '../../src/backends/s3-presign.ts';
import { RawHttpFailure, RawObjectBody, rawGet } from '../../src/backends/s3-raw-get.ts';
import { SegmentedObjectBody } from '../../src/backends/s3-segments.ts';
import { s3TestConfig, s3TestEnv, skipUnlessS3 } from '../helpers/s3env.ts';

const env = s3TestEnv();
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const abortError = () => new Error('read aborted');

/** A TCP receiver that reads `slowMs` late after every chunk; resolves with everything it got once the sender closes. */
function slowReceiver(slowMs: number): Promise<{ port: number; sender: () => Promise<net.Socket>; received: Promise<Buffer>; close: () => void }> {
  return new Promise((resolveServer) => {
    let gotSocket!: (s: net.Socket) => void;
    const receivedSocket = new Promise<net.Socket>((r) => { gotSocket = r; });
    const server = net.createServer((s) => {
      gotSocket(s);
    });
    const received = receivedSocket.then((s) => new Promise<Buffer>((resolve) => {
      const parts: Buffer[] = [];
      s.on('data', (c: Buffer) => {
        parts.push(c);
        if (slowMs > 0) { s.pause(); setTimeout(() => s.resume(), slowMs); }
      });
      s.on('close', () => resolve(Buffer.concat(parts)));
    }));
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as net.AddressInfo).port;
      resolveServer({
        port,
        received,
        sender: () => new Promise((r) => { const c = net.connect(port, '127.0.0.1', () => r(c)); }),
        close: () => server.close(),
      });
    });
  });
}

describe('S3 raw-socket reads', { skip: env ? false : skipUnlessS3(), timeout: 120_000 }, () => {
  const s3 = env ? s3TestConfig() : undefined;
  const client = s3 ? createS3Client(s3) : undefined;
  const presigner = s3 ? createPresigner({ bucket: s3.bucket, s3 }) : undefined;
  const big = randomBytes(6 * 1024 * 1024 + 12345);
  const keys = { big: `${s3?.prefix}big.bin`, empty: `${s3?.prefix}empty.bin` };
  const url = (key: string) => presigner!.presign(key, { expiresIn: 60 });
  const isHttp = env?.endpoint.startsWith('http:') ?? false;

  before(async () => {
    await client!.send(new PutObjectCommand({ Bucket: s3!.bucket, Key: keys.big, Body: big }));
    await client!.send(new PutObjectCommand({ Bucket: s3!.bucket, Key: keys.empty, Body: Buffer.alloc(0) }));
  });
  after(async () => {
    await client?.send(new DeleteObjectsCommand({ Bucket: s3!.bucket, Delete: { Objects: [{ Key: keys.big }, { Key: keys.empty }] } })).catch(() => {});
    client?.destroy();
  });

  it('Readable mode: the whole object, byte for byte, through a slow consumer', { skip: !isHttp && 'needs a plain-http endpoint' }, async () => {
    const body = await rawGet(await url(keys.big), undefined, undefined, 30_000, abortError);
    assert.equal(body.contentLength, big.length);
    const parts: Buffer[] = [];
    await pipeline(body, new Writable({
      highWaterMark: 64 * 1024,
      write(chunk: Buffer, _e, cb) { parts.push(chunk); setTimeout(cb, parts.length % 8 === 0 ? 5 : 0); },
    }));
    assert.equal(sha(Buffer.concat(parts)), sha(big));
  });

  it('sendTo: the whole object into a slow socket, byte for byte (the buffer is reused only after each write completed)', { skip: !isHttp && 'needs a plain-http endpoint' }, async () => {
    const rx = await slowReceiver(3);
    const out = await rx.sender();
    const body = await rawGet(await url(keys.big), undefined, undefined, 30_000, abortError);
    await body.sendTo(out);
    out.end();
    const got = await rx.received;
    rx.close();
    assert.equal(got.length, big.length);
    assert.equal(sha(got), sha(big));
  });

  it('a range gives 206 bytes exactly; limit() cuts a longer answer; an empty object ends at once', { skip: !isHttp && 'needs a plain-http endpoint' }, async () => {
    const ranged = await rawGet(await url(keys.big), { start: 1000, end: 1_500_999 }, undefined, 30_000, abortError);
    assert.equal(ranged.contentLength, 1_500_000);
    const parts: Buffer[] = [];
    for await (const c of ranged) parts.push(c as Buffer);
    assert.ok(Buffer.concat(parts).equals(big.subarray(1000, 1_501_000)));

    const limited = await rawGet(await url(keys.big), undefined, undefined, 30_000, abortError);
    limited.limit(777);
    const rx = await slowReceiver(0);
    const out = await rx.sender();
    await limited.sendTo(out);
    out.end();
    assert.ok((await rx.received).equals(big.subarray(0, 777)));
    rx.close();

    const empty = await rawGet(await url(keys.empty), undefined, undefined, 30_000, abortError);
    assert.equal(empty.contentLength, 0);
    const chunks: Buffer[] = [];
    for await (const c of empty) chunks.push(c as Buffer);
    assert.equal(chunks.length, 0);
  });

  it('a missing key fails with the status and S3 code; the getter maps it to ENOENT', { skip: !isHttp && 'needs a plain-http endpoint' }, async () => {
    await assert.rejects(rawGet(await url(`${s3!.prefix}nope`), undefined, undefined, 30_000, abortError),
      (e: unknown) => e instanceof RawHttpFailure && e.status === 404 && e.s3Code === 'NoSuchKey');
    const counts: string[] = [];
    const getter = createObjectGetter({ presigner: presigner!, count: (op, outcome) => counts.push(`${op}:${outcome}`), idleTimeoutMs: 30_000 });
    await assert.rejects(getter.get(`${s3!.prefix}nope`, undefined, undefined, '"/nope"', 10 * 1024 * 1024), (e: unknown) => (e as { code?: string }).code === 'ENOENT');
    const got = await getter.get(keys.big, undefined, undefined, '"/big"', big.length);
    assert.ok(got.body instanceof SegmentedObjectBody, 'a large read takes the raw path, in segments');
    got.body.destroy();
    const small = await getter.get(keys.big, { start: 0, end: 9 }, undefined, '"/big"', 10);
    assert.ok(!(small.body instanceof RawObjectBody), 'a small read reuses keep-alive connections');
    for await (const _ of small.body) { /* drain */ }
    getter.close();
    assert.deepEqual(counts, ['GetObject:NoSuchKey', 'GetObject:ok', 'GetObject:ok']);
  });

  it('abort mid-body and a receiver that closes mid-body reject sendTo and close the store socket; nothing throws elsewhere', { skip: !isHttp && 'needs a plain-http endpoint' }, async () => {
    const ac = new AbortController();
    const rx = await slowReceiver(20);
    const out = await rx.sender();
    const body = await rawGet(await url(keys.big), undefined, ac.signal, 30_000, abortError);
    const sending = body.sendTo(out);
    await sleep(30);
    ac.abort();
    await assert.rejects(sending, /aborted/);
    out.destroy();
    rx.close();

    const rx2 = await slowReceiver(20);
    const out2 = await rx2.sender();
    const body2 = await rawGet(await url(keys.big), undefined, undefined, 30_000, abortError);
    const sending2 = body2.sendTo(out2);
    await sleep(30);
    out2.destroy();
    await assert.rejects(sending2);
    assert.ok(body2.destroyed);
    rx2.close();
  });
});
