/**
 * check-config and serve against a real S3: each way the bucket check fails has its own message
 * and exit code 3; a good bucket passes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runCli, tempDir, writeFile } from './run-cli.ts';
import { s3TestEnv } from '../helpers/s3env.ts';
import { skipUnlessS3Can } from '../helpers/s3-capabilities.ts';

const skip = skipUnlessS3Can();

function config(o: { bucket?: string; endpoint?: string; secret?: string }) {
  const s3 = s3TestEnv()!;
  const dir = tempDir('s3check');
  return writeFile(dir, 'c.yaml', `storage:
  local:
    root: ${dir}/data
  s3:
    bucket: ${o.bucket ?? s3.bucket}
    region: default
    endpoint: ${o.endpoint ?? s3.endpoint}
    forcePathStyle: true
    requestTimeoutSeconds: 5
    accessKeyId: \${RDAV_TEST_S3_ACCESS_KEY}
    secretAccessKey: ${o.secret ?? '${RDAV_TEST_S3_SECRET_KEY}'}
categories:
  - slug: cloud
    directory: s3://s3check
  - slug: disk
    directory: disk
`);
}

test('check-config with a reachable bucket lists S3 and local categories (exit 0)', { skip }, async () => {
  const r = await runCli(['check-config', '--config', config({})]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /S3 bucket "davtest|S3 bucket ".+" at .+: reachable/);
  assert.match(r.stdout, /cloud\s+normal\s+s3 s3:\/\/[^/]+\/s3check\//);
  assert.match(r.stdout, /disk\s+normal\s+local \//);
});

test('each S3 failure has its own one-line message and exit code 3', { skip: skipUnlessS3Can('signatureChecks'), timeout: 120_000 }, async () => {
  const s3 = s3TestEnv()!;
  const cases: [string, Parameters<typeof config>[0], RegExp][] = [
    ['missing bucket', { bucket: 'no-such-bucket-rdav-test' }, /S3 bucket "no-such-bucket-rdav-test" does not exist at /],
    ['wrong case', { bucket: s3.bucket.toUpperCase() }, new RegExp(`S3 bucket "${s3.bucket.toUpperCase()}" does not exist at .*bucket names are case-sensitive: did you mean "${s3.bucket}"\\?`)],
    ['bad secret', { secret: 'wrong-secret-key-0000000000000000000000000' }, /S3 refused the credentials for bucket .*check storage\.s3\.accessKeyId and secretAccessKey/],
    ['unreachable', { endpoint: 'http://127.0.0.1:9' }, /S3 endpoint http:\/\/127\.0\.0\.1:9 is unreachable \(ECONNREFUSED\)/],
  ];
  for (const [what, o, re] of cases) {
    const r = await runCli(['check-config', '--config', config(o)]);
    assert.equal(r.code, 3, `${what}: ${r.stderr}`);
    const lines = r.stderr.trimEnd().split('\n');
    assert.equal(lines.length, 1, `${what}: ${r.stderr}`);
    assert.match(lines[0]!, re, what);
    assert.doesNotMatch(r.stderr, new RegExp(s3.secretAccessKey), 'no secret in the message');
  }
  const serve = await runCli(['serve', '--config', config({ bucket: 'no-such-bucket-rdav-test' })]);
  assert.equal(serve.code, 3, serve.stderr);
  assert.match(serve.stderr, /^releasedav: S3 bucket "no-such-bucket-rdav-test" does not exist/m);
});
