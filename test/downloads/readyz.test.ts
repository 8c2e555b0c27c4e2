/** /readyz names the categories whose storage does not answer (an S3 endpoint nobody listens on). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createS3Backend } from '../../src/backends/s3.ts';
import { createS3Client } from '../../src/backends/s3-client.ts';
import type { Mount } from '../../src/vfs/mount.ts';
import { createMountTable } from '../../src/vfs/mount-table.ts';
import { captureLogger, config, localState, tempDir } from '../catalog/helpers.ts';
import { get, startServer } from './helpers.ts';

test('readyz: 200 when storage answers, 503 naming the dead category otherwise', async () => {
  const dir = await tempDir('ready');
  const cfg = config({
    storage: { s3: { bucket: 'nobucket', region: 'default', endpoint: 'http://127.0.0.1:1', forcePathStyle: true, accessKeyId: 'AKIAFAKE', secretAccessKey: 'fakefakefake', requestTimeoutSeconds: 1 } },
    categories: [{ slug: 'disk', directory: dir }, { slug: 'dead', directory: 's3://x/' }],
  });
  const state = localState(cfg, { disk: dir });
  const { log } = captureLogger('silent');
  const s3 = cfg.storage.s3!;
  const client = createS3Client(s3);
  const mounts = createMountTable(cfg, { log, s3: { client, createBackend: ({ prefix }) => createS3Backend({ client, bucket: s3.bucket, prefix, s3, log }) } });
  const srv = await startServer(state);
  try {
    assert.equal((await get(`${srv.base}/readyz`)).status, 200);
    (state.mounts as Map<string, Mount>).set('dead', mounts.get('dead')!);
    const t0 = Date.now();
    const r = await get(`${srv.base}/readyz`);
    assert.equal(r.status, 503);
    assert.deepEqual(JSON.parse(r.text), { ready: false, failing: ['dead'] });
    assert.ok(Date.now() - t0 < 5000, 'answers within the timeout');
    assert.equal((await get(`${srv.base}/healthz`)).status, 200, 'the process itself is fine');
  } finally {
    await srv.stop();
    client.destroy();
  }
});
