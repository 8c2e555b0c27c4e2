import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startDaemon, type TestDaemon } from '../helpers/daemon.ts';
import { dav, s3SkipReason } from './http.ts';

let d: TestDaemon;
before(async () => { d = await startDaemon(); });
after(async () => { await d.close(); });

const skip = s3SkipReason();
if (skip) test('S3 category', { skip }, () => {});

for (const c of ['files', 's3']) {
  const opts = { skip: c === 's3' ? skip : false };

  test(`${c}: MKCOL 201, again 405, missing parent 409, with a body 415, on a file 405`, opts, async () => {
    assert.equal((await dav(d, 'MKCOL', `/${c}/m1`)).status, 201);
    assert.equal((await dav(d, 'MKCOL', `/${c}/m1/`)).status, 405);
    assert.equal((await dav(d, 'MKCOL', `/${c}/none/m2`)).status, 409);
    assert.equal((await dav(d, 'MKCOL', `/${c}/m3`, { body: '<x/>', headers: { 'Content-Type': 'text/xml' } })).status, 415);
    await dav(d, 'PUT', `/${c}/afile`, { body: 'x' });
    assert.equal((await dav(d, 'MKCOL', `/${c}/afile`)).status, 405);
    assert.equal((await dav(d, 'MKCOL', `/${c}/afile/sub`)).status, 409);
    const p = await dav(d, 'PROPFIND', `/${c}/m1`, { headers: { Depth: '0' } });
    assert.equal(p.status, 207);
    assert.match(p.body, /<D:collection\/>/);
  });

  test(`${c}: DELETE a file (204, then 404), a tree recursively, Depth 0 on a folder is 400`, opts, async () => {
    await dav(d, 'PUT', `/${c}/d1.txt`, { body: 'x' });
    assert.equal((await dav(d, 'DELETE', `/${c}/d1.txt`)).status, 204);
    assert.equal((await dav(d, 'GET', `/${c}/d1.txt`)).status, 404);
    assert.equal((await dav(d, 'DELETE', `/${c}/d1.txt`)).status, 404);
    await dav(d, 'MKCOL', `/${c}/tree`);
    await dav(d, 'MKCOL', `/${c}/tree/sub`);
    await dav(d, 'PUT', `/${c}/tree/sub/f.txt`, { body: 'x' });
    await dav(d, 'PUT', `/${c}/tree/g.txt`, { body: 'y' });
    assert.equal((await dav(d, 'DELETE', `/${c}/tree`, { headers: { Depth: '0' } })).status, 400);
    assert.equal((await dav(d, 'DELETE', `/${c}/tree/`)).status, 204);
    assert.equal((await dav(d, 'PROPFIND', `/${c}/tree/`, { headers: { Depth: '0' } })).status, 404);
    assert.equal((await dav(d, 'GET', `/${c}/tree/sub/f.txt`)).status, 404);
  });

  test(`${c}: DELETE of a folder with a locked child needs the token`, opts, async () => {
    await dav(d, 'MKCOL', `/${c}/lk`);
    await dav(d, 'PUT', `/${c}/lk/f.txt`, { body: 'x' });
    const l = await dav(d, 'LOCK', `/${c}/lk/f.txt`, { headers: { Depth: '0' }, body: '<?xml version="1.0"?><D:lockinfo xmlns:D="DAV:"><D:lockscope><D:exclusive/></D:lockscope><D:locktype><D:write/></D:locktype></D:lockinfo>' });
    const token = String(l.headers['lock-token']);
    assert.equal((await dav(d, 'DELETE', `/${c}/lk`)).status, 423);
    assert.equal((await dav(d, 'DELETE', `/${c}/lk`, { headers: { If: `</${c}/lk/f.txt> (${token})` } })).status, 204);
  });

  test(`${c}: a category itself cannot be deleted`, opts, async () => {
    assert.equal((await dav(d, 'DELETE', `/${c}/`)).status, 403);
  });
}

test('MKCOL and PUT cannot create categories at the root', async () => {
  assert.equal((await dav(d, 'MKCOL', '/newcat/')).status, 403);
  assert.equal((await dav(d, 'PUT', '/newfile', { body: 'x' })).status, 403);
  assert.equal((await dav(d, 'DELETE', '/')).status, 403);
});
