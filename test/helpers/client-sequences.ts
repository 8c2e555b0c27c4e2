/**
 * Real clients' request sequences, defined once and run wherever a test needs them: against one
 * daemon (test/webdav/clients.test.ts) and through a load balancer in front of several
 * (test/coordination/haproxy-clients.test.ts). Each step asserts what the client needs to see.
 * - Finder save: LOCK on an unmapped URL (lock-null), chunked PUT with X-Expected-Entity-Length
 *   and the token, UNLOCK, GET; then the `._` probes Finder floods the server with.
 * - Windows Mini-Redirector save: PUT 0 B, LOCK, PUT with the token, PROPPATCH of the Win32 times,
 *   UNLOCK with the token without angle brackets, PROPFIND and GET of the result.
 * - npm `webdav` client round trip: mkdir, put, list, stat, get, copy, move, (range), delete.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import { randomBytes } from 'node:crypto';
import type { FileStat, WebDAVClient } from 'webdav';

/** One reply, body as text and as bytes. */
export interface SeqReply { status: number; headers: http.IncomingHttpHeaders; body: string; raw: Buffer }
/** Sends one request with `path` exactly as given. @throws on connection errors */
export type Send = (method: string, path: string, o?: { headers?: Record<string, string | number | string[]>; body?: string | Buffer }) => Promise<SeqReply>;

/** A {@link Send} to `origin` (`http://host:port`), one fresh connection per request, optional Authorization. */
export function sendTo(origin: string, authorization?: string): Send {
  const u = new URL(origin);
  return (method, path, o = {}) => {
    const headers: Record<string, string | number | string[]> = { ...o.headers };
    if (authorization && headers.Authorization === undefined) headers.Authorization = authorization;
    if (o.body !== undefined && headers['Content-Length'] === undefined && headers['Transfer-Encoding'] === undefined) headers['Content-Length'] = Buffer.byteLength(o.body);
    return new Promise((resolve, reject) => {
      const req = http.request({ host: u.hostname, port: u.port, method, path, headers, agent: false }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const raw = Buffer.concat(chunks);
          resolve({ status: res.statusCode!, headers: res.headers, body: raw.toString('utf8'), raw });
        });
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end(o.body);
    });
  };
}

const LOCKINFO = '<?xml version="1.0" encoding="utf-8"?><D:lockinfo xmlns:D="DAV:"><D:lockscope><D:exclusive/></D:lockscope><D:locktype><D:write/></D:locktype><D:owner><D:href>client</D:href></D:owner></D:lockinfo>';

/** Finder's save of `<dir>/finder.dmg` (dir like `/files`). @throws AssertionError */
export async function finderSave(send: Send, dir: string): Promise<void> {
  const url = `${dir}/finder.dmg`;
  const l = await send('LOCK', url, { headers: { Depth: '0', Timeout: 'Second-600' }, body: LOCKINFO });
  assert.equal(l.status, 201, 'LOCK on an unmapped URL creates a lock-null resource');
  const token = String(l.headers['lock-token']);
  const body = randomBytes(200_000);
  const p = await send('PUT', url, { body, headers: { 'Transfer-Encoding': 'chunked', 'X-Expected-Entity-Length': body.length, If: `(${token})` } });
  assert.ok([201, 204].includes(p.status), `PUT with the token: ${p.status}`);
  assert.equal((await send('UNLOCK', url, { headers: { 'Lock-Token': token } })).status, 204);
  assert.deepEqual((await send('GET', url)).raw, body);
  // Finder's ._ probes are answered (404) and stay cheap
  for (let i = 0; i < 5; i++) assert.equal((await send('PROPFIND', `${dir}/._finder.dmg`, { headers: { Depth: '0' } })).status, 404);
}

/** The Windows Mini-Redirector's save of `<dir>/report.docx`. @throws AssertionError */
export async function windowsSave(send: Send, dir: string): Promise<void> {
  const url = `${dir}/report.docx`;
  assert.equal((await send('PUT', url, { body: '' })).status, 201);
  const l = await send('LOCK', url, { headers: { Depth: '0', Timeout: 'Second-3600' }, body: LOCKINFO });
  assert.equal(l.status, 200);
  const token = String(l.headers['lock-token']).replace(/[<>]/g, '');
  assert.equal((await send('PUT', url, { body: 'the document', headers: { If: `(<${token}>)` } })).status, 204);
  const when = 'Tue, 02 Jan 2024 03:04:05 GMT';
  const pp = await send('PROPPATCH', url, {
    headers: { If: `(<${token}>)` },
    body: `<?xml version="1.0" encoding="utf-8"?><D:propertyupdate xmlns:D="DAV:" xmlns:Z="urn:schemas-microsoft-com:"><D:set><D:prop><Z:Win32CreationTime>${when}</Z:Win32CreationTime><Z:Win32LastAccessTime>${when}</Z:Win32LastAccessTime><Z:Win32LastModifiedTime>${when}</Z:Win32LastModifiedTime><Z:Win32FileAttributes>00000020</Z:Win32FileAttributes></D:prop></D:set></D:propertyupdate>`,
  });
  assert.equal(pp.status, 207);
  assert.doesNotMatch(pp.body, /HTTP\/1.1 [45]\d\d/);
  assert.equal((await send('UNLOCK', url, { headers: { 'Lock-Token': token } })).status, 204);
  const p = await send('PROPFIND', url, { headers: { Depth: '0' } });
  assert.match(p.body, new RegExp(`<D:getlastmodified>${when}</D:getlastmodified>`));
  assert.match(p.body, /Win32FileAttributes[^>]*>00000020</);
  assert.equal((await send('GET', url)).body, 'the document');
}

/** The npm `webdav` client's round trip in `/rt` of the client's base URL. @throws AssertionError, client errors */
export async function npmWebdavRoundTrip(client: WebDAVClient, size = 50_000): Promise<void> {
  const data = randomBytes(size);
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
}
