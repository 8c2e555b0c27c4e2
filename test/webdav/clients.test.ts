/**
 * Real client sequences: the npm `webdav` client's round trips, Finder's chunked PUT with
 * X-Expected-Entity-Length and LOCK → PUT with If → UNLOCK, and the Windows Mini-Redirector save
 * (PUT 0 B → LOCK → PUT → PROPPATCH Win32 times → UNLOCK without angle brackets).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createClient, type FileStat } from 'webdav';
import { startDaemon, USERS, type TestDaemon } from '../helpers/daemon.ts';
import { skipUnlessS3Can } from '../helpers/s3-capabilities.ts';
import { dav, s3SkipReason } from './http.ts';

let d: TestDaemon;
before(async () => { d = await startDaemon(); });
after(async () => { await d.close(); });

const skip = s3SkipReason();
if (skip) test('S3 category', { skip }, () => {});
const LOCKINFO = '<?xml version="1.0" encoding="utf-8"?><D:lockinfo xmlns:D="DAV:"><D:lockscope><D:exclusive/></D:lockscope><D:locktype><D:write/></D:locktype><D:owner><D:href>client</D:href></D:owner></D:lockinfo>';

for (const c of ['files', 's3']) {
  const opts = { skip: c === 's3' ? skip : false };

  // Within S3 the client's COPY is a CopyObject of 'one #1.bin'.
  const roundTrip = { skip: c === 's3' ? skip || skipUnlessS3Can('copySourceDecoding') : false };
  test(`${c}: npm webdav client round trip (mkdir, put, list, stat, get, copy, move, delete)`, roundTrip, async () => {
    const client = createClient(`${d.origin}/${c}`, { username: 'alice', password: USERS.alice });
    const data = randomBytes(50_000);
    await client.createDirectory('/rt');
    await client.putFileContents('/rt/one #1.bin', data);
    await client.putFileContents('/rt/ü ß.txt', 'unicode');
    const list = (await client.getDirectoryContents('/rt')) as FileStat[];
    assert.deepEqual(list.map((f) => f.basename).sort(), ['one #1.bin', 'ü ß.txt'].sort());
    const st = (await client.stat('/rt/one #1.bin')) as FileStat;
    assert.equal(st.size, data.length);
    assert.ok(st.etag);
    assert.deepEqual(Buffer.from((await client.getFileContents('/rt/one #1.bin')) as ArrayBuffer), data);
    await client.copyFile('/rt/one #1.bin', '/rt/copy.bin');
    await client.moveFile('/rt/copy.bin', '/rt/moved.bin');
    assert.equal(await client.exists('/rt/copy.bin'), false);
    assert.deepEqual(Buffer.from((await client.getFileContents('/rt/moved.bin')) as ArrayBuffer), data);
    const part = Buffer.from((await client.getFileContents('/rt/moved.bin', { details: false, headers: { Range: 'bytes=100-199' } } as never)) as ArrayBuffer);
    assert.deepEqual(part, data.subarray(100, 200));
    await client.deleteFile('/rt');
    assert.equal(await client.exists('/rt'), false);
  });

  test(`${c}: Finder: chunked PUT with X-Expected-Entity-Length under a LOCK, then UNLOCK`, opts, async () => {
    const l = await dav(d, 'LOCK', `/${c}/finder.dmg`, { headers: { Depth: '0', Timeout: 'Second-600' }, body: LOCKINFO });
    assert.equal(l.status, 201, 'LOCK on an unmapped URL creates a lock-null resource');
    const token = String(l.headers['lock-token']);
    const body = randomBytes(200_000);
    const p = await dav(d, 'PUT', `/${c}/finder.dmg`, { body, headers: { 'Transfer-Encoding': 'chunked', 'X-Expected-Entity-Length': body.length, If: `(${token})` } });
    assert.ok([201, 204].includes(p.status), String(p.status));
    assert.equal((await dav(d, 'UNLOCK', `/${c}/finder.dmg`, { headers: { 'Lock-Token': token } })).status, 204);
    assert.deepEqual((await dav(d, 'GET', `/${c}/finder.dmg`)).raw, body);
    // Finder's ._ probes are answered (404) and stay cheap
    for (let i = 0; i < 5; i++) assert.equal((await dav(d, 'PROPFIND', `/${c}/._finder.dmg`, { headers: { Depth: '0' } })).status, 404);
  });

  test(`${c}: Windows save: PUT 0 B, LOCK, PUT, PROPPATCH Win32 times, UNLOCK without brackets`, opts, async () => {
    const url = `/${c}/report.docx`;
    assert.equal((await dav(d, 'PUT', url, { body: '' })).status, 201);
    const l = await dav(d, 'LOCK', url, { headers: { Depth: '0', Timeout: 'Second-3600' }, body: LOCKINFO });
    assert.equal(l.status, 200);
    const token = String(l.headers['lock-token']).replace(/[<>]/g, '');
    assert.equal((await dav(d, 'PUT', url, { body: 'the document', headers: { If: `(<${token}>)` } })).status, 204);
    const when = 'Tue, 02 Jan 2024 03:04:05 GMT';
    const pp = await dav(d, 'PROPPATCH', url, {
      headers: { If: `(<${token}>)` },
      body: `<?xml version="1.0" encoding="utf-8"?><D:propertyupdate xmlns:D="DAV:" xmlns:Z="urn:schemas-microsoft-com:"><D:set><D:prop><Z:Win32CreationTime>${when}</Z:Win32CreationTime><Z:Win32LastAccessTime>${when}</Z:Win32LastAccessTime><Z:Win32LastModifiedTime>${when}</Z:Win32LastModifiedTime><Z:Win32FileAttributes>00000020</Z:Win32FileAttributes></D:prop></D:set></D:propertyupdate>`,
    });
    assert.equal(pp.status, 207);
    assert.doesNotMatch(pp.body, /HTTP\/1.1 [45]\d\d/);
    assert.equal((await dav(d, 'UNLOCK', url, { headers: { 'Lock-Token': token } })).status, 204);
    const p = await dav(d, 'PROPFIND', url, { headers: { Depth: '0' } });
    assert.match(p.body, new RegExp(`<D:getlastmodified>${when}</D:getlastmodified>`));
    assert.match(p.body, /Win32FileAttributes[^>]*>00000020</);
    assert.equal((await dav(d, 'GET', url)).body, 'the document');
  });
}
