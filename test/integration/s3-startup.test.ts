/** checkS3's distinct start-up messages and the stale-upload sweep, against the test S3. */
import assert from 'node:assert/strict';
import net from 'node:net';
import { CreateMultipartUploadCommand, ListMultipartUploadsCommand } from '@aws-sdk/client-s3';
import { describe, it } from 'node:test';
import { Writable } from 'node:stream';
import { createS3Client } from '../../src/backends/s3-client.ts';
import { checkS3, S3StartupError } from '../../src/backends/s3-startup.ts';
import { abortStaleUploads } from '../../src/backends/s3-sweep.ts';
import { createLogger } from '../../src/log.ts';
import type { CategoryConfig } from '../../src/config/schema.ts';
import { s3TestConfig, s3TestEnv, skipUnlessS3, uniquePrefix } from '../helpers/s3env.ts';
import { skipUnlessS3Can } from '../helpers/s3-capabilities.ts';

const silent = createLogger({ level: 'silent' });
const cat = (directory: string) => ({ slug: 'c', directory }) as CategoryConfig;

async function startupError(overrides: Record<string, unknown>, categories = [cat('s3://x')]): Promise<S3StartupError> {
  const s3 = s3TestConfig({ requestTimeoutSeconds: 5, ...overrides });
  const client = createS3Client(s3);
  try {
    await checkS3({ client, s3, categories, log: silent });
  } catch (err) {
    assert.ok(err instanceof S3StartupError, `expected S3StartupError, got ${String(err)}`);
    return err;
  } finally {
    client.destroy();
  }
  assert.fail('checkS3 accepted a broken setting');
}

/** A port on 127.0.0.1 with nothing listening. */
async function closedPort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address() as net.AddressInfo;
  await new Promise((r) => srv.close(r));
  return port;
}

describe('checkS3', { skip: skipUnlessS3() }, () => {
  it('passes on the right settings and warns about a bucket-root category', async () => {
    const lines: string[] = [];
    const log = createLogger({ level: 'warn', destination: new Writable({ write(c, _e, cb) { lines.push(String(c)); cb(); } }) });
    const s3 = s3TestConfig();
    const client = createS3Client(s3);
    await checkS3({ client, s3, categories: [cat('s3://'), cat('s3://stable')], log });
    client.destroy();
    assert.equal(lines.length, 1);
    assert.match(lines[0]!, /whole bucket/);
  });

  it('names a missing bucket', async () => {
    const e = await startupError({ bucket: 'no-such-bucket-' + Date.now() });
    assert.equal(e.reason, 'bucket-missing');
    assert.match(e.message, /does not exist/);
  });

  it('suggests the right case for a wrong-case bucket name', async () => {
    const e = await startupError({ bucket: s3TestEnv()!.bucket.toUpperCase() });
    assert.equal(e.reason, 'bucket-missing');
    assert.match(e.message, new RegExp(`case-sensitive: did you mean "${s3TestEnv()!.bucket}"`));
  });

  it('reports bad credentials without printing them', { skip: skipUnlessS3Can('signatureChecks') }, async () => {
    const secret = 'wrong-secret-0123456789abcdefghijklmnopqrstuv';
    const e = await startupError({ secretAccessKey: secret });
    assert.equal(e.reason, 'credentials');
    assert.match(e.message, /SignatureDoesNotMatch|403/);
    assert.ok(!e.message.includes(secret) && !e.message.includes(s3TestEnv()!.accessKeyId));
    const k = await startupError({ accessKeyId: 'NOSUCHACCESSKEY00000' });
    assert.equal(k.reason, 'credentials');
  });

  it('names an unreachable endpoint', async () => {
    const port = await closedPort();
    const e = await startupError({ endpoint: `http://127.0.0.1:${port}` });
    assert.equal(e.reason, 'unreachable');
    assert.ok(e.message.includes(`http://127.0.0.1:${port}`), e.message);
  });
});

describe('abortStaleUploads', { skip: skipUnlessS3Can('listMultipartUploads', 'abortMultipart') }, () => {
  it('aborts old uploads under our prefixes only', async () => {
    const s3 = s3TestConfig();
    const client = createS3Client(s3);
    const mine = uniquePrefix('sweep');
    const other = uniquePrefix('sweep-other');
    for (const Key of [`${mine}a.bin`, `${mine}sub/b.bin`, `${other}c.bin`]) {
      await client.send(new CreateMultipartUploadCommand({ Bucket: s3.bucket, Key }));
    }
    const left = async (Prefix: string) => (await client.send(new ListMultipartUploadsCommand({ Bucket: s3.bucket, Prefix }))).Uploads?.length ?? 0;
    assert.equal(await abortStaleUploads({ client, bucket: s3.bucket, prefixes: [mine], olderThanMs: 3600_000, log: silent }), 0, 'fresh uploads stay');
    assert.equal(await left(mine), 2);
    assert.equal(await abortStaleUploads({ client, bucket: s3.bucket, prefixes: [mine, `${mine}sub/`], olderThanMs: 0, log: silent, now: () => Date.now() + 60_000 }), 2);
    assert.equal(await left(mine), 0);
    assert.equal(await left(other), 1, 'other prefixes untouched');
    await abortStaleUploads({ client, bucket: s3.bucket, prefixes: [other], olderThanMs: 0, log: silent, now: () => Date.now() + 60_000 });
    client.destroy();
  });
});
