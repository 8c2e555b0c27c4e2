/**
 * Real client sequences against one daemon: the npm `webdav` client's round trips, Finder's
 * chunked PUT with X-Expected-Entity-Length and LOCK → PUT with If → UNLOCK, and the Windows
 * Mini-Redirector save (PUT 0 B → LOCK → PUT → PROPPATCH Win32 times → UNLOCK without angle
 * brackets). The steps live in test/helpers/client-sequences.ts (also run through a balancer).
 */
import { test, before, after } from 'node:test';
import { createClient } from 'webdav';
import { startDaemon, USERS, type TestDaemon } from '../helpers/daemon.ts';
import { skipUnlessS3Can } from '../helpers/s3-capabilities.ts';
import { finderSave, npmWebdavRoundTrip, windowsSave, type Send } from '../helpers/client-sequences.ts';
import { dav, s3SkipReason } from './http.ts';

let d: TestDaemon;
let send: Send;
before(async () => {
  d = await startDaemon();
  send = (method, path, o) => dav(d, method, path, o);
});
after(async () => { await d.close(); });

const skip = s3SkipReason();
if (skip) test('S3 category', { skip }, () => {});

for (const c of ['files', 's3']) {
  const opts = { skip: c === 's3' ? skip : false };

  // Within S3 the client's COPY is a CopyObject of 'one #1.bin'.
  const roundTrip = { skip: c === 's3' ? skip || skipUnlessS3Can('copySourceDecoding') : false };
  test(`${c}: npm webdav client round trip (mkdir, put, list, stat, get, copy, move, delete)`, roundTrip, async () => {
    await npmWebdavRoundTrip(createClient(`${d.origin}/${c}`, { username: 'alice', password: USERS.alice }));
  });

  test(`${c}: Finder: chunked PUT with X-Expected-Entity-Length under a LOCK, then UNLOCK`, opts, async () => {
    await finderSave(send, `/${c}`);
  });

  test(`${c}: Windows save: PUT 0 B, LOCK, PUT, PROPPATCH Win32 times, UNLOCK without brackets`, opts, async () => {
    await windowsSave(send, `/${c}`);
  });
}
