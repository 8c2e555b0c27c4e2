/** S3 backend under faults a healthy server never shows: a silent server, an outage mid-upload. */
import assert from 'node:assert/strict';
import net from 'node:net';
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, it } from 'node:test';
import { ListMultipartUploadsCommand } from '@aws-sdk/client-s3';
import { createS3Client } from '../../src/backends/s3-client.ts';
import { createS3Backend } from '../../src/backends/s3.ts';
import { createLogger } from '../../src/log.ts';
import { isVfsError } from '../../src/vfs/errors.ts';
import { configSchema, type S3Config } from '../../src/config/schema.ts';
import { s3TestConfig, s3TestEnv, uniquePrefix } from '../helpers/s3env.ts';
import { skipUnlessS3Can } from '../helpers/s3-capabilities.ts';
import { startFaultProxy } from '../helpers/tcp-proxy.ts';

const MiB = 1024 * 1024;
const silent = createLogger({ level: 'silent' });

describe('S3 backend under faults', () => {
  it('gives up on a server that accepts and never answers (idle timeout), with ETIMEDOUT', async () => {
    const sockets = new Set<net.Socket>();
    const mute = net.createServer((s) => { sockets.add(s); s.on('error', () => {}); });
    await new Promise<void>((r) => mute.listen(0, '127.0.0.1', r));
    const { port } = mute.address() as net.AddressInfo;
    const s3 = s3TestConfigOrFake(`http://127.0.0.1:${port}`);
    const client = createS3Client(s3);
    const b = createS3Backend({ client, bucket: s3.bucket, prefix: 'x/', s3, log: silent });
    const t0 = performance.now();
    await assert.rejects(b.stat('a.txt'), (e: unknown) => isVfsError(e, 'ETIMEDOUT'));
    const ms = performance.now() - t0;
    assert.ok(ms >= 900 && ms < 15_000, `timed out after ${Math.round(ms)} ms`);
    client.destroy();
    for (const s of sockets) s.destroy();
    await new Promise((r) => mute.close(r));
  });

  it('aborts the multipart upload once S3 is back after an outage mid-upload', { skip: skipUnlessS3Can('abortMultipart', 'listMultipartUploads') }, async () => {
    const real = s3TestConfig();
    const target = new URL(real.endpoint!);
    const proxy = await startFaultProxy(target.hostname, Number(target.port));
    const prefix = uniquePrefix('s3-outage');
    const s3 = s3TestConfig(prefix, { endpoint: proxy.url, requestTimeoutSeconds: 3, upload: { unknownSizePartSizeMiB: 5, queueSize: 1 } });
    const client = createS3Client(s3);
    const direct = createS3Client(real);
    try {
      const b = createS3Backend({ client, bucket: s3.bucket, prefix, s3, log: silent });
      let sent = 0;
      const body = new Readable({
        read() {
          if (sent === 12 * MiB) { proxy.setDown(true); proxy.cutAll(); }
          if (sent >= 40 * MiB) return void this.push(null);
          sent += MiB;
          this.push(randomBytes(MiB));
        },
      });
      await assert.rejects(b.write('big.bin', body), (e: unknown) => isVfsError(e));
      const uploads = async () => (await direct.send(new ListMultipartUploadsCommand({ Bucket: s3.bucket, Prefix: prefix }))).Uploads ?? [];
      assert.ok((await uploads()).length >= 1, 'the outage left a multipart upload behind');
      proxy.setDown(false);
      let left = await uploads();
      for (let i = 0; i < 40 && left.length > 0; i++) { await sleep(250); left = await uploads(); }
      assert.deepEqual(left, [], 'the backend aborted it once S3 answered again');
    } finally {
      client.destroy();
      direct.destroy();
      await proxy.close();
    }
  });
});

/** A config for `endpoint` even when no test S3 is configured (the silent-server case needs none). */
function s3TestConfigOrFake(endpoint: string): S3Config {
  const over = { endpoint, requestTimeoutSeconds: 1 };
  if (s3TestEnv()) return s3TestConfig(over);
  return configSchema.parse({
    storage: { s3: { bucket: 'fake', region: 'default', forcePathStyle: true, accessKeyId: 'AKFAKE', secretAccessKey: 'fake-secret', ...over } },
    categories: [{ slug: 'x', directory: 's3://x' }],
  }).storage.s3!;
}
