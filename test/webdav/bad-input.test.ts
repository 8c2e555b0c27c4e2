/**
 * Every hostile or broken request gets a 4xx and the server keeps answering — including the four
 * single requests that crash webdav-server v2 (DESIGN §4).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startDaemon, type TestDaemon } from '../helpers/daemon.ts';
import { authLine, dav, rawRequest, s3SkipReason, statusOfRaw, stillAlive } from './http.ts';

let d: TestDaemon;
before(async () => {
  d = await startDaemon({ config: { webdav: { maxXmlBodyBytes: 4096 } } });
  for (const c of d.writable) await dav(d, 'PUT', `/${c}/t.txt`, { body: 'target' });
});
after(async () => { await d.close(); });

const skip = s3SkipReason();
if (skip) test('S3 category', { skip }, () => {});

test('crasher 3: GET /%E9 (invalid UTF-8 escape) is 400', async () => {
  assert.equal((await dav(d, 'GET', '/%E9', { user: null })).status, 400);
  assert.equal((await dav(d, 'GET', '/files/%E9')).status, 400);
  await stillAlive(d);
});

test('bad escapes, %2F, traversal, NUL, backslash and fragments in the path are 400', async () => {
  const paths = ['/files/%ZZ', '/files/%', '/files/a%2Fb', '/files/../secret/x', '/files/%2e%2e/secret/', '/files/a/..', '/files/%00x', '/files/a%5Cb', '/files/a\\b', '/files/x#frag'];
  for (const p of paths) {
    const raw = await rawRequest(d, `GET ${p} HTTP/1.1\r\nHost: x\r\n${authLine(d)}Connection: close\r\n\r\n`);
    assert.equal(statusOfRaw(raw), 400, p);
  }
  await stillAlive(d);
});

for (const c of ['files', 's3']) {
  const opts = { skip: c === 's3' ? skip : false };

  test(`${c}: crasher 1: PROPPATCH with several <set> blocks answers one 207`, opts, async () => {
    const body = '<?xml version="1.0"?><D:propertyupdate xmlns:D="DAV:" xmlns:Z="urn:z">' +
      '<D:set><D:prop><Z:a>1</Z:a></D:prop></D:set><D:set><D:prop><Z:b>2</Z:b></D:prop></D:set>' +
      '<D:remove><D:prop><Z:a/></D:prop></D:remove><D:set><D:prop><Z:c>3</Z:c></D:prop></D:set></D:propertyupdate>';
    const r = await dav(d, 'PROPPATCH', `/${c}/t.txt`, { body });
    assert.equal(r.status, 207);
    await stillAlive(d);
  });

  test(`${c}: crasher 2: If: (<token>) (Not <DAV:no-lock>) is evaluated, not thrown`, opts, async () => {
    const r = await dav(d, 'PUT', `/${c}/t.txt`, { body: 'if', headers: { If: '(<opaquelocktoken:00000000-0000-0000-0000-000000000000>) (Not <DAV:no-lock>)' } });
    assert.equal(r.status, 204);
    const f = await dav(d, 'PUT', `/${c}/t.txt`, { body: 'if', headers: { If: '(<opaquelocktoken:00000000-0000-0000-0000-000000000000>) (<DAV:no-lock>)' } });
    assert.equal(f.status, 412);
    const m = await dav(d, 'PUT', `/${c}/t.txt`, { body: 'if', headers: { If: '(<unterminated' } });
    assert.equal(m.status, 400);
    await stillAlive(d);
  });

  test(`${c}: crasher 4: PROPFIND declaring a 10^12-byte body is 413 before any body is read`, opts, async () => {
    const t0 = Date.now();
    const raw = await rawRequest(d, `PROPFIND /${c}/ HTTP/1.1\r\nHost: x\r\n${authLine(d)}Depth: 0\r\nContent-Length: 1000000000000\r\n\r\n<D:propfind`);
    assert.equal(statusOfRaw(raw), 413);
    assert.ok(Date.now() - t0 < 2500, 'answered without waiting for the body');
    await stillAlive(d);
  });

  test(`${c}: a chunked PROPFIND body crossing the cap is 413`, opts, async () => {
    const big = '<?xml version="1.0"?><D:propfind xmlns:D="DAV:"><D:prop>' + '<D:getetag/>'.repeat(2000) + '</D:prop></D:propfind>';
    const r = await dav(d, 'PROPFIND', `/${c}/`, { body: big, headers: { Depth: '0', 'Transfer-Encoding': 'chunked' } }).catch(() => ({ status: 413 }));
    assert.equal(r.status, 413);
    await stillAlive(d);
  });

  test(`${c}: malformed XML and DOCTYPE / entity expansion are 400`, opts, async () => {
    const bodies = [
      '<D:propfind xmlns:D="DAV:"><D:prop></D:propfind>',
      'not xml at all',
      '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;"><!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]><D:propfind xmlns:D="DAV:"><D:prop><D:getetag>&lol3;</D:getetag></D:prop></D:propfind>',
      '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><D:propfind xmlns:D="DAV:"><D:prop>&xxe;</D:prop></D:propfind>',
      '<?xml version="1.0"?><D:propfind xmlns:D="DAV:"><D:prop><bar:foo xmlns:bar=""/></D:prop></D:propfind>',
    ];
    for (const b of bodies) {
      for (const m of ['PROPFIND', 'PROPPATCH', 'LOCK']) {
        const r = await dav(d, m, `/${c}/t.txt`, { body: b, headers: { Depth: '0' } });
        assert.equal(r.status, 400, `${m} ${b.slice(0, 40)}`);
      }
    }
    await stillAlive(d);
  });

  test(`${c}: Destination: traversal 400, another host 502, bad Overwrite 400, missing 400`, opts, async () => {
    const host = `127.0.0.1:${d.port}`;
    const cases: [Record<string, string>, number][] = [
      [{ Destination: `http://${host}/${c}/../secret/x.txt` }, 400],
      [{ Destination: `http://${host}/${c}/%2e%2e/secret/x.txt` }, 400],
      [{ Destination: `/${c}/a%2Fb` }, 400],
      [{ Destination: 'http://evil.example.com/files/x.txt' }, 502],
      [{ Destination: `http://${host}/${c}/copy.txt`, Overwrite: 'maybe' }, 400],
      [{}, 400],
    ];
    for (const [headers, status] of cases) {
      for (const m of ['COPY', 'MOVE']) {
        const r = await dav(d, m, `/${c}/t.txt`, { headers });
        assert.equal(r.status, status, `${m} ${JSON.stringify(headers)}`);
      }
    }
    assert.equal((await dav(d, 'GET', `/${c}/t.txt`)).status, 200, 'the source is untouched');
    await stillAlive(d);
  });

  test(`${c}: a garbage request line and header injection attempts do not hurt`, opts, async () => {
    const raw = await rawRequest(d, 'GARBAGE\r\n\r\n');
    assert.equal(statusOfRaw(raw), 400);
    const r = await dav(d, 'PROPFIND', `/${c}/`, { headers: { Depth: 'banana' } });
    assert.equal(r.status, 400);
    await stillAlive(d);
  });
}
