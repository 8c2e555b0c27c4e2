#!/usr/bin/env node
// Zero-install S3 for the tests: runs s3rver (npm) on 127.0.0.1 with a random port, creates
// the test bucket, and writes RDAV_TEST_S3_* exports to the env file given as argument.
// Runs until SIGTERM/SIGINT. Start it with NODE_OPTIONS=--openssl-legacy-provider: s3rver's
// continuation tokens use DES, so listings longer than 1,000 keys fail without it.
//   node scripts/start-s3rver.mjs DIR/env.sh [DATA_DIR]
import { mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { rename, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, posix } from 'node:path';

// Two races in s3rver 3.7's filesystem store make a whole listing (ListObjects, and HeadBucket,
// which it answers with a full listing) fail with HTTP 500 while another request writes or
// deletes in the bucket; a real S3 never fails a listing for either:
//  - it reads every object's metadata JSON, which putObject writes in place (truncate, write):
//    a listing during a write reads half a file ("Unexpected end of JSON input");
//  - it walks the folders with readdirSync + statSync: a key deleted between the two is ENOENT.
// And DeleteObject answers 500 when its clean-up of emptied folders races another delete (ENOENT)
// or a write into the folder (ENOTEMPTY), although the object itself was deleted.
// Before the store module binds them, metadata is written atomically (temporary file, rename),
// the walker skips entries that vanished, and the folder clean-up after a delete tolerates both.
// Object bodies are still written in place: that is the declared `atomicPut` gap
// (test/helpers/s3-capabilities.ts); nothing else of s3rver changes.
const requireS3rver = createRequire(import.meta.url);
const s3rverUtils = requireS3rver('s3rver/lib/utils.js');
s3rverUtils.walk = function* walk(dir, recurseFilter) {
  let names;
  try { names = readdirSync(dir); } catch (err) { if (err.code === 'ENOENT') return; throw err; }
  for (const name of names) {
    const path = posix.join(dir, name);
    let stats;
    try { stats = statSync(path); } catch (err) { if (err.code === 'ENOENT') continue; throw err; }
    if (!stats.isDirectory()) yield path;
    else if (!recurseFilter || recurseFilter(path)) yield* walk(path, recurseFilter);
  }
};
const FilesystemStore = requireS3rver('s3rver/lib/stores/filesystem.js');
const S3Object = requireS3rver('s3rver/lib/models/object.js');
let tmpSeq = 0;
async function writeAtomically(path, data) {
  const tmp = `${path}.tmp-${process.pid}-${++tmpSeq}`; // no s3rver suffix: listings ignore it
  await writeFile(tmp, data);
  await rename(tmp, path);
}
FilesystemStore.prototype.putMetadata = async function putMetadata(bucket, key, metadata, md5) {
  const json = Object.fromEntries(Object.entries(metadata)
    .filter(([k]) => S3Object.ALLOWED_METADATA.includes(k) || k.startsWith('x-amz-meta-')));
  if (md5) await writeAtomically(this.getResourcePath(bucket, key, 'object.md5'), md5);
  await writeAtomically(this.getResourcePath(bucket, key, 'metadata.json'), JSON.stringify(json, null, 2));
};
const deleteObject = FilesystemStore.prototype.deleteObject;
FilesystemStore.prototype.deleteObject = async function tolerantDeleteObject(bucket, key) {
  try {
    await deleteObject.call(this, bucket, key);
  } catch (err) {
    if (err.code !== 'ENOENT' && err.code !== 'ENOTEMPTY') throw err; // the object's files are gone already
  }
};
const { default: S3rver } = await import('s3rver');

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
