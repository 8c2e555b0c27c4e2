/** LOCK / UNLOCK over HTTP against disk and S3 (RGW) categories. */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { startHarness, dav, type Harness } from './locks-props-harness.ts';
import { skipUnlessS3 } from '../helpers/s3env.ts';

const lockBody = (scope: 'exclusive' | 'shared', owner = '<D:href>mailto:me@example.com</D:href>') =>
  `<?xml version="1.0" encoding="utf-8"?><D:lockinfo xmlns:D="DAV:"><D:lockscope><D:${scope}/></D:lockscope>` +
  `<D:locktype><D:write/></D:locktype><D:owner>${owner}</D:owner></D:lockinfo>`;
const PATCH = '<?xml version="1.0"?><D:propertyupdate xmlns:D="DAV:" xmlns:Z="urn:x"><D:set><D:prop><Z:a>1</Z:a></D:prop></D:set></D:propertyupdate>';
const tokenOf = (r: { headers: Headers }) => {
  const t = r.headers.get('lock-token');
  assert.match(t ?? '', /^<opaquelocktoken:[0-9a-f-]{36}>$/);
  return t!.slice(1, -1);
};

for (const slug of ['local', 's3']) {
  describe(`LOCK/UNLOCK on ${slug}`, { skip: slug === 's3' ? skipUnlessS3() : false }, () => {
    let h: Harness;
    const put = (path: string, text = 'hello') => h.mount(slug).backend.write(path, Readable.from([Buffer.from(text)]));
    before(async () => {
      h = await startHarness({ withS3: slug === 's3' });
      await h.mount(slug).backend.mkdir('coll');
      await put('coll/file.txt');
      await put('file.txt');
    });
    after(() => h.close());

    test('exclusive lock: 200, Lock-Token, lockdiscovery with owner, depth and timeout', async () => {
      const r = await dav(h, 'LOCK', `/${slug}/file.txt`, { body: lockBody('exclusive'), headers: { Timeout: 'Second-120', Depth: '0' } });
      assert.equal(r.status, 200);
      const tok = tokenOf(r);
      assert.match(r.headers.get('content-type') ?? '', /application\/xml/);
      assert.match(r.text, /<D:prop xmlns:D="DAV:"><D:lockdiscovery><D:activelock>/);
      assert.ok(r.text.includes(`<D:locktoken><D:href>${tok}</D:href></D:locktoken>`));
      assert.ok(r.text.includes('<D:owner><D:href xmlns:D="DAV:">mailto:me@example.com</D:href></D:owner>'), r.text);
      assert.match(r.text, /<D:depth>0<\/D:depth>/);
      assert.match(r.text, /<D:timeout>Second-1[12]\d<\/D:timeout>/);
      assert.ok(r.text.includes(`<D:lockroot><D:href>/${slug}/file.txt</D:href></D:lockroot>`));

      // a second exclusive or shared lock conflicts: 423 + DAV:no-conflicting-lock
      for (const scope of ['exclusive', 'shared'] as const) {
        const c = await dav(h, 'LOCK', `/${slug}/file.txt`, { body: lockBody(scope) });
        assert.equal(c.status, 423);
        assert.match(c.text, /<D:no-conflicting-lock>/);
      }
      // enforced by token, not by user: the same user without the token is refused
      assert.equal((await dav(h, 'PROPPATCH', `/${slug}/file.txt`, { body: PATCH })).status, 423);
      assert.equal((await dav(h, 'MOVE', `/${slug}/file.txt`, { headers: { Destination: `/${slug}/moved.txt` } })).status, 423);
      assert.equal((await dav(h, 'COPY', `/${slug}/coll/file.txt`, { headers: { Destination: `/${slug}/file.txt` } })).status, 423);
      assert.equal((await dav(h, 'PROPPATCH', `/${slug}/file.txt`, { body: PATCH, headers: { If: '(<opaquelocktoken:00000000-0000-4000-8000-000000000000>)' } })).status, 412);
      // with the token it works, also in the (<tok>) (Not <DAV:no-lock>) form that crashed the engine
      assert.equal((await dav(h, 'PROPPATCH', `/${slug}/file.txt`, { body: PATCH, headers: { If: `(<${tok}>)` } })).status, 207);
      assert.equal((await dav(h, 'PROPPATCH', `/${slug}/file.txt`, { body: PATCH, headers: { If: `(<${tok}>) (Not <DAV:no-lock>)` } })).status, 207);
      assert.equal((await dav(h, 'PROPPATCH', `/${slug}/file.txt`, { body: PATCH, headers: { If: `<${h.url}/${slug}/file.txt> (<${tok}>)` } })).status, 207);

      // refresh: no body, If with the token
      const rf = await dav(h, 'LOCK', `/${slug}/file.txt`, { headers: { If: `(<${tok}>)`, Timeout: 'Second-600' } });
      assert.equal(rf.status, 200);
      assert.match(rf.text, /<D:timeout>Second-(59\d|600)<\/D:timeout>/);
      assert.ok(rf.text.includes(tok));

      // UNLOCK on another URL: 409; without brackets (Windows): 204; again: 409
      const u0 = await dav(h, 'UNLOCK', `/${slug}/coll/file.txt`, { headers: { 'Lock-Token': `<${tok}>` } });
      assert.equal(u0.status, 409);
      assert.match(u0.text, /lock-token-matches-request-uri/);
      assert.equal((await dav(h, 'UNLOCK', `/${slug}/file.txt`, { headers: { 'Lock-Token': tok } })).status, 204);
      assert.equal((await dav(h, 'UNLOCK', `/${slug}/file.txt`, { headers: { 'Lock-Token': `<${tok}>` } })).status, 409);
      assert.equal((await dav(h, 'UNLOCK', `/${slug}/file.txt`)).status, 409);
      assert.equal((await dav(h, 'PROPPATCH', `/${slug}/file.txt`, { body: PATCH })).status, 207, 'unlocked');
      assert.equal(await h.locks.size(), 0);
    });

    test('shared locks coexist; holding one of them suffices; exclusive is refused', async () => {
      const a = await dav(h, 'LOCK', `/${slug}/file.txt`, { body: lockBody('shared') });
      const b = await dav(h, 'LOCK', `/${slug}/file.txt`, { body: lockBody('shared') });
      assert.equal(a.status, 200);
      assert.equal(b.status, 200);
      const [ta, tb] = [tokenOf(a), tokenOf(b)];
      assert.notEqual(ta, tb);
      assert.equal((await dav(h, 'LOCK', `/${slug}/file.txt`, { body: lockBody('exclusive') })).status, 423);
      assert.equal((await dav(h, 'PROPPATCH', `/${slug}/file.txt`, { body: PATCH })).status, 423);
      assert.equal((await dav(h, 'PROPPATCH', `/${slug}/file.txt`, { body: PATCH, headers: { If: `(<${tb}>)` } })).status, 207);
      assert.equal((await dav(h, 'UNLOCK', `/${slug}/file.txt`, { headers: { 'Lock-Token': `<${ta}>` } })).status, 204);
      assert.equal((await dav(h, 'UNLOCK', `/${slug}/file.txt`, { headers: { 'Lock-Token': `<${tb}>` } })).status, 204);
    });

    test('depth infinity on a collection covers members; indirect refresh through a member', async () => {
      const r = await dav(h, 'LOCK', `/${slug}/coll/`, { body: lockBody('exclusive') });
      assert.equal(r.status, 200);
      const tok = tokenOf(r);
      assert.match(r.text, /<D:depth>infinity<\/D:depth>/);
      assert.equal((await dav(h, 'LOCK', `/${slug}/coll/file.txt`, { body: lockBody('shared') })).status, 423);
      assert.equal((await dav(h, 'PROPPATCH', `/${slug}/coll/file.txt`, { body: PATCH })).status, 423);
      assert.equal((await dav(h, 'PROPPATCH', `/${slug}/coll/file.txt`, { body: PATCH, headers: { If: `</${slug}/coll/> (<${tok}>)` } })).status, 207);
      // moving something into the locked collection needs the token (destination check)
      assert.equal((await dav(h, 'COPY', `/${slug}/file.txt`, { headers: { Destination: `/${slug}/coll/new.txt` } })).status, 423);
      const rf = await dav(h, 'LOCK', `/${slug}/coll/file.txt`, { headers: { If: `(<${tok}>)` } });
      assert.equal(rf.status, 200);
      assert.ok(rf.text.includes(`<D:lockroot><D:href>/${slug}/coll/</D:href></D:lockroot>`), rf.text);
      // a token that does not cover the URL does not refresh
      assert.equal((await dav(h, 'LOCK', `/${slug}/file.txt`, { headers: { If: `</${slug}/coll/> (<${tok}>)` } })).status, 412);
      assert.equal((await dav(h, 'UNLOCK', `/${slug}/coll/file.txt`, { headers: { 'Lock-Token': tok } })).status, 204, 'unlock through a member URL');
    });

    test('lock-null: LOCK on an unmapped URL creates an empty file (201); missing parent 409', async () => {
      const r = await dav(h, 'LOCK', `/${slug}/coll/fresh.bin`, { body: lockBody('exclusive') });
      assert.equal(r.status, 201);
      const tok = tokenOf(r);
      const st = await h.mount(slug).backend.stat('coll/fresh.bin');
      assert.equal(st.kind, 'file');
      assert.equal(st.size, 0);
      assert.ok(h.events.some((e) => e.op === 'write' && e.path === 'coll/fresh.bin'));
      assert.equal((await dav(h, 'UNLOCK', `/${slug}/coll/fresh.bin`, { headers: { 'Lock-Token': `<${tok}>` } })).status, 204);
      assert.equal((await dav(h, 'LOCK', `/${slug}/nope/fresh.bin`, { body: lockBody('exclusive') })).status, 409);
      assert.equal((await dav(h, 'LOCK', `/${slug}/file.txt/child`, { body: lockBody('exclusive') })).status, 409);
      assert.equal(await h.locks.size(), 0, 'failed LOCKs leave no lock behind');
    });

    test('depth 0 on a collection guards its membership, not its members', async () => {
      await h.mount(slug).backend.mkdir('d0');
      await put('d0/member.txt');
      const r = await dav(h, 'LOCK', `/${slug}/d0/`, { body: lockBody('exclusive'), headers: { Depth: '0' } });
      assert.equal(r.status, 200);
      const tok = tokenOf(r);
      assert.equal((await dav(h, 'PROPPATCH', `/${slug}/d0/member.txt`, { body: PATCH })).status, 207, 'a member is not locked');
      assert.equal((await dav(h, 'LOCK', `/${slug}/d0/new.txt`, { body: lockBody('exclusive') })).status, 423, 'new member without the token');
      assert.equal((await dav(h, 'COPY', `/${slug}/file.txt`, { headers: { Destination: `/${slug}/d0/copy.txt` } })).status, 423);
      assert.equal((await dav(h, 'MOVE', `/${slug}/d0/member.txt`, { headers: { Destination: `/${slug}/moved-member.txt` } })).status, 423);
      assert.equal((await dav(h, 'COPY', `/${slug}/file.txt`, { headers: { Destination: `/${slug}/d0/copy.txt`, If: `</${slug}/d0/> (<${tok}>)` } })).status, 201);
      const n = await dav(h, 'LOCK', `/${slug}/d0/new.txt`, { body: lockBody('exclusive'), headers: { If: `</${slug}/d0/> (<${tok}>)` } });
      assert.equal(n.status, 201);
      assert.equal((await dav(h, 'UNLOCK', `/${slug}/d0/new.txt`, { headers: { 'Lock-Token': tokenOf(n) } })).status, 204);
      assert.equal((await dav(h, 'UNLOCK', `/${slug}/d0/`, { headers: { 'Lock-Token': tok } })).status, 204);
      assert.equal(await h.locks.size(), 0);
    });

    test('bad requests: malformed XML, wrong root, bad scope, Depth 1, refresh without token → 400', async () => {
      const bad = [
        { body: '<D:lockinfo xmlns:D="DAV:"><D:lockscope>' },
        { body: '<D:propfind xmlns:D="DAV:"/>' },
        { body: '<D:lockinfo xmlns:D="DAV:"><D:lockscope><D:everyone/></D:lockscope><D:locktype><D:write/></D:locktype></D:lockinfo>' },
        { body: '<D:lockinfo xmlns:D="DAV:"><D:lockscope><D:shared/></D:lockscope><D:locktype><D:read/></D:locktype></D:lockinfo>' },
        { body: lockBody('exclusive'), headers: { Depth: '1' } },
        { body: '' },
      ];
      for (const b of bad) assert.equal((await dav(h, 'LOCK', `/${slug}/file.txt`, b)).status, 400, b.body);
      assert.equal(await h.locks.size(), 0);
    });

    test('no write permission → 403; locks expire', async () => {
      assert.equal((await dav(h, 'LOCK', `/${slug}/file.txt`, { body: lockBody('exclusive'), headers: { 'X-Test-User': 'reader' } })).status, 403);
      const r = await dav(h, 'LOCK', `/${slug}/file.txt`, { body: lockBody('exclusive'), headers: { Timeout: 'Second-1' } });
      assert.equal(r.status, 200);
      assert.equal((await dav(h, 'PROPPATCH', `/${slug}/file.txt`, { body: PATCH })).status, 423);
      await new Promise((res) => setTimeout(res, 1100));
      assert.equal((await dav(h, 'PROPPATCH', `/${slug}/file.txt`, { body: PATCH })).status, 207);
      assert.equal(await h.locks.size(), 0);
    });

    test('Windows save: LOCK, PROPPATCH Win32 times with the token, UNLOCK without brackets', async () => {
      const r = await dav(h, 'LOCK', `/${slug}/file.txt`, { body: lockBody('exclusive', 'DOMAIN\\user'), headers: { Timeout: 'Infinite, Second-4100000000' } });
      assert.equal(r.status, 200);
      assert.match(r.text, /<D:owner>DOMAIN\\user<\/D:owner>/);
      assert.match(r.text, /<D:timeout>Second-3[56]\d\d<\/D:timeout>/, 'Infinite is capped');
      const tok = tokenOf(r);
      const win = '<?xml version="1.0" encoding="utf-8" ?><D:propertyupdate xmlns:D="DAV:" xmlns:Z="urn:schemas-microsoft-com:"><D:set><D:prop>' +
        '<Z:Win32CreationTime>Tue, 24 Nov 2026 10:00:00 GMT</Z:Win32CreationTime><Z:Win32LastAccessTime>Wed, 25 Nov 2026 10:00:00 GMT</Z:Win32LastAccessTime>' +
        '<Z:Win32LastModifiedTime>Wed, 25 Nov 2026 09:30:00 GMT</Z:Win32LastModifiedTime><Z:Win32FileAttributes>00000020</Z:Win32FileAttributes>' +
        '</D:prop></D:set></D:propertyupdate>';
      const p = await dav(h, 'PROPPATCH', `/${slug}/file.txt`, { body: win, headers: { If: `(<${tok}>)` } });
      assert.equal(p.status, 207);
      assert.doesNotMatch(p.text, /HTTP\/1.1 (4|5)\d\d/);
      const m = h.mount(slug);
      const meta = await m.meta.get('file.txt', await m.backend.stat('file.txt'));
      assert.equal(meta?.mtime, '2026-11-25T09:30:00.000Z');
      assert.ok(meta?.props?.['{urn:schemas-microsoft-com:}Win32FileAttributes']?.includes('00000020'));
      assert.equal((await dav(h, 'UNLOCK', `/${slug}/file.txt`, { headers: { 'Lock-Token': tok } })).status, 204);
    });
  });
}

describe('client sequences through the real server (test/helpers/daemon.ts)', () => {
  let d: import('../helpers/daemon.ts').TestDaemon;
  before(async () => {
    const { startDaemon } = await import('../helpers/daemon.ts');
    d = await startDaemon({ digest: false });
  });
  after(() => d?.close());
  const req = (method: string, path: string, o: { headers?: Record<string, string>; body?: string; user?: 'alice' | 'bob' } = {}) =>
    fetch(d.origin + path, { method, body: o.body, headers: { Authorization: d.basic(o.user ?? 'alice'), ...o.headers } })
      .then(async (r) => ({ status: r.status, headers: r.headers, text: await r.text() }));
  const PROPFIND = (props: string) => `<?xml version="1.0"?><D:propfind xmlns:D="DAV:" xmlns:Z="urn:schemas-microsoft-com:"><D:prop>${props}</D:prop></D:propfind>`;

  for (const slug of ['files', 's3']) {
    test(`Windows save on ${slug}: PUT 0 B, LOCK, PUT with If, PROPPATCH Win32 times, UNLOCK without brackets`, { skip: slug === 's3' ? skipUnlessS3() : false }, async () => {
      const p = `/${slug}/report.docx`;
      assert.equal((await req('PUT', p, { body: '' })).status, 201);
      const l = await req('LOCK', p, { body: lockBody('exclusive', 'WIN\\alice'), headers: { Timeout: 'Second-3600' } });
      assert.equal(l.status, 200);
      const tok = tokenOf(l);
      assert.equal((await req('PUT', p, { body: 'contents' })).status, 423, 'no token, same user');
      assert.equal((await req('DELETE', p)).status, 423);
      assert.ok([200, 204].includes((await req('PUT', p, { body: 'contents', headers: { If: `(<${tok}>)` } })).status));
      const win = '<?xml version="1.0" encoding="utf-8" ?><D:propertyupdate xmlns:D="DAV:" xmlns:Z="urn:schemas-microsoft-com:"><D:set><D:prop>' +
        '<Z:Win32LastModifiedTime>Tue, 03 Mar 2026 08:00:00 GMT</Z:Win32LastModifiedTime><Z:Win32FileAttributes>00000020</Z:Win32FileAttributes>' +
        '</D:prop></D:set></D:propertyupdate>';
      assert.equal((await req('PROPPATCH', p, { body: win })).status, 423);
      const pp = await req('PROPPATCH', p, { body: win, headers: { If: `<${d.origin}${p}> (<${tok}>)` } });
      assert.equal(pp.status, 207);
      const pf = await req('PROPFIND', p, { body: PROPFIND('<D:getlastmodified/><D:lockdiscovery/><Z:Win32FileAttributes/>'), headers: { Depth: '0' } });
      assert.equal(pf.status, 207);
      assert.match(pf.text, /Tue, 03 Mar 2026 08:00:00 GMT/);
      assert.ok(pf.text.includes(tok), 'lockdiscovery lists the lock');
      assert.match(pf.text, /00000020/);
      assert.equal((await req('UNLOCK', p, { user: 'bob', headers: { 'Lock-Token': tok } })).status, 403, 'read-only user');
      assert.equal((await req('UNLOCK', p, { headers: { 'Lock-Token': tok } })).status, 204);
      assert.equal((await req('GET', p)).text, 'contents');
      assert.equal((await req('DELETE', p)).status, 204);
    });

    test(`Finder on ${slug}: LOCK an unmapped URL (201), chunked PUT with the token, UNLOCK`, { skip: slug === 's3' ? skipUnlessS3() : false }, async () => {
      const p = `/${slug}/finder%20file.dmg`;
      const l = await req('LOCK', p, { body: lockBody('exclusive'), headers: { Timeout: 'Second-600', Depth: '0' } });
      assert.equal(l.status, 201);
      const tok = tokenOf(l);
      const body = Readable.from([Buffer.from('chunk one, '), Buffer.from('chunk two')]);
      const put = await fetch(d.origin + p, {
        method: 'PUT', body: body as unknown as BodyInit, duplex: 'half',
        headers: { Authorization: d.basic('alice'), 'X-Expected-Entity-Length': '20', If: `<${d.origin}${p}> (<${tok}>)` },
      } as RequestInit);
      assert.ok([200, 201, 204].includes(put.status), String(put.status));
      assert.equal((await req('UNLOCK', p, { headers: { 'Lock-Token': `<${tok}>` } })).status, 204);
      assert.equal((await req('GET', p)).text, 'chunk one, chunk two');
      assert.equal((await req('DELETE', p)).status, 204);
    });
  }
});
