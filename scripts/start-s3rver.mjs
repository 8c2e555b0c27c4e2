#!/usr/bin/env node
// Zero-install S3 for the tests: runs s3rver (npm) on 127.0.0.1 with a random port, creates
// the test bucket, and writes RDAV_TEST_S3_* exports to the env file given as argument.
// Runs until SIGTERM/SIGINT. Start it with NODE_OPTIONS=--openssl-legacy-provider: s3rver's
// continuation tokens use DES, so listings longer than 1,000 keys fail without it.
//   node scripts/start-s3rver.mjs DIR/env.sh [DATA_DIR]
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import S3rver from 's3rver';

const envFile = process.argv[2];
if (!envFile) {
  console.error('usage: start-s3rver.mjs ENV_FILE [DATA_DIR]');
  process.exitCode = 2;
} else {
  const dataDir = process.argv[3] ?? join(dirname(envFile), 'data');
  const bucket = 'releasedav-test';
  rmSync(dataDir, { recursive: true, force: true });
  mkdirSync(dataDir, { recursive: true });
  const server = new S3rver({
    address: '127.0.0.1', port: 0, silent: true, directory: dataDir,
    configureBuckets: [{ name: bucket }],
  });
  const { address, port } = await server.run();
  writeFileSync(envFile, [
    `export RDAV_TEST_S3_ENDPOINT=http://${address}:${port}`,
    `export RDAV_TEST_S3_BUCKET=${bucket}`,
    'export RDAV_TEST_S3_ACCESS_KEY=S3RVER',
    'export RDAV_TEST_S3_SECRET_KEY=S3RVER',
    'export RDAV_TEST_S3_KIND=s3rver',
    '',
  ].join('\n'));
  // s3rver 3.7 leaves some stream errors unhandled (a key segment longer than a file name may be:
  // ENAMETOOLONG). One such request must not take the server down for every later test file:
  // say so loudly and keep serving (the request that caused it gets no answer).
  process.on('uncaughtException', (err) => {
    console.error(`start-s3rver: s3rver failed on a request and keeps running: ${err.code ?? ''} ${err.message}`);
  });
  const stop = () => server.close().finally(() => rmSync(dataDir, { recursive: true, force: true }));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}
