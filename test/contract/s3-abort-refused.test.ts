/**
 * A write that fails midway settles whatever the store does with AbortMultipartUpload: refuses it
 * (405 as s3rver, 501), never answers it, or drops the connection. Driven against the test S3
 * through a stub proxy that intercepts only that call (test/helpers/s3-stub-proxy.ts): the write
 * rejects in bounded time, the previous version stays, and a log line says the upload could not
 * be aborted (the start-up sweep removes it later). Once through the backend, once through WebDAV.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import { randomBytes } from 'node:crypto';
import { Readable, Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, it } from 'node:test';
import { AbortMultipartUploadCommand, ListMultipartUploadsCommand, type S3Client } from '@aws-sdk/client-s3';
import { createS3Client } from '../../src/backends/s3-client.ts';
import { createS3Backend } from '../../src/backends/s3.ts';
import { createLogger } from '../../src/log.ts';
import { isVfsError } from '../../src/vfs/errors.ts';
import { startDaemon } from '../helpers/daemon.ts';
import { s3TestConfig, s3TestEnv, skipUnlessS3, uniquePrefix } from '../helpers/s3env.ts';
import { isAbortMultipart, isUploadPartFrom, startS3StubProxy, type StubAnswer } from '../helpers/s3-stub-proxy.ts';
import { get, put } from './backend-contract.ts';

const MiB = 1024 * 1024;
const env = s3TestEnv();
/** The failed write waits 2 s for the abort; the rest is slack for a loaded machine. */
const BOUND_MS = 20_000;
const NOT_ABORTED = 'could not abort the failed multipart upload';

const ANSWERS: [string, StubAnswer][] = [
  ['refuses it with 405', { status: 405, code: 'MethodNotAllowed' }],
  ['refuses it with 501', { status: 501, code: 'NotImplemented' }],
  ['never answers it', 'hold'],
  ['drops the connection', 'drop'],
];

/** `total` bytes of which the first `cutAt` arrive, then the body fails. */
function cutBody(cutAt: number): Readable {
  const chunk = randomBytes(MiB);
  let sent = 0;
  return new Readable({
    read() {
      if (sent >= cutAt) return void this.destroy(new Error('client went away'));
      sent += chunk.length;
      this.push(chunk);
    },
  });
}

/** Log lines as parsed JSON, written by a logger at debug level. */
function captureLog() {
  const lines: string[] = [];
  const sink = new Writable({ write(c, _e, cb) { lines.push(...String(c).split('\n').filter(Boolean)); cb(); } });
  return { log: createLogger({ level: 'debug', destination: sink }), lines };
}

/** Waits until a line containing `text` was logged (the abort of a held call gives up after its timeout). */
async function waitForLine(lines: () => string[], text: string, ms: number): Promise<string> {
  for (const until = Date.now() + ms; Date.now() < until; await sleep(100)) {
    const hit = lines().find((l) => l.includes(text));
    if (hit) return hit;
  }
  assert.fail(`no log line saying "${text}" within ${ms} ms; got:\n${lines().join('\n')}`);
}

/** Aborts what the stub kept the backend from aborting (where the store can list uploads). */
async function sweep(client: S3Client, bucket: string, prefix: string): Promise<void> {
  try {
    const res = await client.send(new ListMultipartUploadsCommand({ Bucket: bucket, Prefix: prefix }));
    for (const u of res.Uploads ?? []) await client.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: u.Key, UploadId: u.UploadId }));
  } catch { /* a store without ListMultipartUploads keeps them */ }
}

describe('a write failing midway when the store will not abort the multipart upload', { skip: skipUnlessS3() }, () => {
  for (const [label, answer] of ANSWERS) {
    it(`backend: rejects in bounded time and keeps the old version when the store ${label}`, async () => {
      const proxy = await startS3StubProxy(env!.endpoint, (r) => (isAbortMultipart(r) ? answer : undefined));
      const prefix = uniquePrefix('abort-refused');
      const s3 = s3TestConfig(prefix, { endpoint: proxy.url, upload: { minPartSizeMiB: 5, queueSize: 2 } });
      const client = createS3Client(s3);
      const direct = createS3Client(s3TestConfig(prefix));
      const { log, lines } = captureLog();
      // Every write goes through a multipart upload (a known size would otherwise be one PUT).
      const b = createS3Backend({ client, bucket: s3.bucket, prefix, s3, log, limits: { singlePutMaxBytes: -1 } });
      try {
        await put(b, 'v.bin', 'previous version');
        const t0 = performance.now();
        await assert.rejects(b.write('v.bin', cutBody(12 * MiB), { size: 16 * MiB }), (e: unknown) => isVfsError(e));
        const ms = performance.now() - t0;
        assert.ok(ms < BOUND_MS, `settled after ${Math.round(ms)} ms`);
        assert.ok(proxy.intercepted.length >= 1, 'the backend tried to abort the upload');
        assert.equal((await get(b, 'v.bin')).toString(), 'previous version');
        const line = await waitForLine(() => lines, NOT_ABORTED, BOUND_MS);
        assert.match(line, /start-up sweep/);
        assert.match(line, /v\.bin/);
      } finally {
        client.destroy();
        await proxy.close();
        await sweep(direct, s3.bucket, prefix);
        await b.remove('v.bin').catch(() => undefined);
        direct.destroy();
      }
    });
  }

  for (const [label, answer] of [ANSWERS[0]!, ANSWERS[2]!]) {
    it(`WebDAV: a PUT whose upload fails midway ends with a 5xx when the store ${label}`, async () => {
      // Parts from the second on lose their connection (the SDK's retries too), then the abort meets `answer`.
      const proxy = await startS3StubProxy(env!.endpoint, (r) => (isAbortMultipart(r) ? answer : isUploadPartFrom(2)(r) ? 'drop' : undefined));
      const d = await startDaemon({ s3Endpoint: proxy.url });
      const direct = createS3Client(s3TestConfig());
      try {
        const put0 = await request(d.port, 'PUT', '/s3/v.bin', d.basic('alice'), Buffer.from('previous version'));
        assert.ok(put0.status === 201 || put0.status === 204, `first PUT answered ${put0.status}`);
        const t0 = performance.now();
        const cut = await request(d.port, 'PUT', '/s3/v.bin', d.basic('alice'), randomBytes(24 * MiB), true);
        const ms = performance.now() - t0;
        assert.ok(cut.status >= 500 && cut.status < 600, `answered ${cut.status}`);
        assert.ok(ms < BOUND_MS, `answered after ${Math.round(ms)} ms`);
        const got = await request(d.port, 'GET', '/s3/v.bin', d.basic('alice'));
        assert.equal(got.status, 200);
        assert.equal(got.body.toString(), 'previous version');
        assert.match(await waitForLine(d.logs, NOT_ABORTED, BOUND_MS), /start-up sweep/);
      } finally {
        const dir = d.config.categories.find((c) => c.slug === 's3')!.directory;
        await d.close();
        await proxy.close();
        await sweep(direct, env!.bucket, dir.replace(/^s3:\/\//i, ''));
        direct.destroy();
      }
    });
  }
});

/**
 * One request on its own connection; a chunked body when `chunked`. Resolves with the answer even
 * when the server answers before it has read the whole body.
 */
function request(port: number, method: string, path: string, auth: string, body?: Buffer, chunked = false): Promise<{ status: number; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = { Authorization: auth };
    if (body && !chunked) headers['Content-Length'] = body.length;
    if (chunked) headers['Transfer-Encoding'] = 'chunked';
    let answered = false;
    const req = http.request({ host: '127.0.0.1', port, method, path, headers, agent: false }, (res) => {
      answered = true;
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', (err) => { if (!answered) reject(err); });
    if (!body) return void req.end();
    if (!chunked) return void req.end(body);
    // Chunked, 1 MiB at a time, stopping once answered.
    let off = 0;
    const next = () => {
      while (!answered && off < body.length) {
        const more = req.write(body.subarray(off, off + MiB));
        off += MiB;
        if (!more) return void req.once('drain', next);
      }
      req.end();
    };
    next();
  });
}
