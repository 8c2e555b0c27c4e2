/**
 * buildRuntimeState: a reload keeps the S3 client while the connection settings are unchanged,
 * makes a new one when they change, and builds fresh mounts either way. No network needed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfig } from '../../src/config/load.ts';
import { createLogger } from '../../src/log.ts';
import { createMetrics } from '../../src/metrics.ts';
import { buildRuntimeState } from '../../src/lifecycle/runtime-state.ts';
import { restartOnlyChanges } from '../../src/lifecycle/reload-plan.ts';
import { tempDir } from '../cli/run-cli.ts';

const dir = tempDir('state');
const yaml = (o: { secret?: string; presign?: number; writers?: string; port?: number }) => `webdav:
  port: ${o.port ?? 8080}
storage:
  local:
    root: ${dir}/data
  s3:
    bucket: b
    endpoint: http://127.0.0.1:9
    forcePathStyle: true
    accessKeyId: AKIDEXAMPLE
    secretAccessKey: ${o.secret ?? 'secret-one'}
    presignSeconds: ${o.presign ?? 60}
categories:
  - slug: disk
    directory: disk
    access:
      write: ${o.writers ?? '[a]'}
  - slug: cloud
    directory: s3://cloud
`;

const log = createLogger({ level: 'silent' });
const metrics = createMetrics({ defaultMetrics: false });

test('the S3 client survives a reload that keeps its settings, and is replaced when they change', () => {
  const first = buildRuntimeState(parseConfig(yaml({})), { log, metrics });
  assert.ok(first.s3);
  const sameConn = buildRuntimeState(parseConfig(yaml({ presign: 300, writers: '[a, b]' })), { log, metrics, previous: first.s3 });
  assert.equal(sameConn.s3!.client, first.s3.client, 'presign lifetime and permissions do not need a new client');
  assert.notEqual(sameConn.state.mounts.get('disk'), first.state.mounts.get('disk'), 'mounts are rebuilt');
  assert.deepEqual(sameConn.state.mounts.get('disk')!.category.access.write, ['a', 'b']);
  assert.deepEqual(first.state.mounts.get('disk')!.category.access.write, ['a'], 'the old state is untouched (in-flight requests keep it)');
  const newCreds = buildRuntimeState(parseConfig(yaml({ secret: 'secret-two' })), { log, metrics, previous: first.s3 });
  assert.notEqual(newCreds.s3!.client, first.s3.client, 'new credentials need a new client');
  assert.ok(!newCreds.s3!.fingerprint.includes('secret'), 'the fingerprint is a hash');
});

test('listener changes are reported as restart-only', () => {
  assert.deepEqual(restartOnlyChanges(parseConfig(yaml({})), parseConfig(yaml({ writers: '[b]' }))), []);
  assert.deepEqual(restartOnlyChanges(parseConfig(yaml({})), parseConfig(yaml({ port: 9090 }))), ['webdav (host/port/tls)']);
});
