/** COPY / MOVE over HTTP: within disk and S3 categories, and across categories and backends. */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import { startHarness, dav, type Harness } from './locks-props-harness.ts';
import { skipUnlessS3 } from '../helpers/s3env.ts';
import { skipUnlessS3Can } from '../helpers/s3-capabilities.ts';
import { isVfsError } from '../../src/vfs/errors.ts';

const PATCH = '<?xml version="1.0"?><D:propertyupdate xmlns:D="DAV:" xmlns:Z="urn:cm"><D:set><D:prop><Z:tag>kept</Z:tag></D:prop></D:set></D:propertyupdate>';
const lockBody = '<D:lockinfo xmlns:D="DAV:"><D:lockscope><D:exclusive/></D:lockscope><D:locktype><D:write/></D:locktype></D:lockinfo>';

async function read(h: Harness, slug: string, path: string): Promise<string> {
  return text(await h.mount(slug).backend.read(path));
}
async function exists(h: Harness, slug: string, path: string): Promise<boolean> {
  try { await h.mount(slug).backend.stat(path); return true; } catch (e) { if (isVfsError(e, 'ENOENT')) return false; throw e; }
}
async function put(h: Harness, slug: string, path: string, body: string): Promise<void> {
  await h.mount(slug).backend.write(path, Readable.from([Buffer.from(body)]));
}
async function tree(h: Harness, slug: string, root: string): Promise<void> {
  const b = h.mount(slug).backend;
  await b.mkdir(root);
  await b.mkdir(`${root}/sub`);
  await put(h, slug, `${root}/a.txt`, 'A');
  await put(h, slug, `${root}/sub/b #1.txt`, 'B');
}
const prop = async (h: Harness, slug: string, path: string) => {
  const m = h.mount(slug);
  return (await m.meta.get(path, await m.backend.stat(path)))?.props?.['{urn:cm}tag'];
};

// [source category, destination category]: within disk, within S3, across disk categories, disk ↔ S3
const PAIRS: [string, string][] = [['local', 'local'], ['s3', 's3'], ['local', 'local2'], ['local', 's3'], ['s3', 'local']];

for (const [from, to] of PAIRS) {
  const needsS3 = from.startsWith('s3') || to.startsWith('s3');
  // Within S3 a copy is CopyObject, whose x-amz-copy-source must be decoded in full ('b #1.txt').
  const skip = from === 's3' && to === 's3' ? skipUnlessS3Can('copySourceDecoding') : needsS3 ? skipUnlessS3() : false;
  describe(`COPY/MOVE ${from} → ${to}`, { skip }, () => {
    let h: Harness;
    const src = (p: string) => `/${from}/${p}`;
    const dst = (p: string) => `/${to}/${encodeURI(p).replace(/#/g, '%23')}`;
    before(async () => {
      h = await startHarness({ withS3: needsS3 });
      await put(h, from, 'file.txt', 'source content');
      assert.equal((await dav(h, 'PROPPATCH', src('file.txt'), { body: PATCH })).status, 207);
      await h.mount(to).backend.mkdir('out').catch(() => {});
    });
    after(() => h.close());

    test('COPY a file: 201, content and dead properties carried, change event', async () => {
      const r = await dav(h, 'COPY', src('file.txt'), { headers: { Destination: dst('out/copy.txt') } });
      assert.equal(r.status, 201);
      assert.equal(await read(h, to, 'out/copy.txt'), 'source content');
      assert.equal(await prop(h, to, 'out/copy.txt'), await prop(h, from, 'file.txt'));
      assert.ok(await prop(h, to, 'out/copy.txt'));
      assert.ok(await exists(h, from, 'file.txt'));
      assert.ok(h.events.some((e) => e.op === 'copy' && e.category === to && e.path === 'out/copy.txt' && e.fromCategory === from && e.from === 'file.txt'));
    });

    test('Overwrite F onto an existing file is 412 and never overwrites; missing Overwrite means T (204)', async () => {
      await put(h, to, 'out/existing.txt', 'keep me');
      const f = await dav(h, 'COPY', src('file.txt'), { headers: { Destination: dst('out/existing.txt'), Overwrite: 'F' } });
      assert.equal(f.status, 412);
      assert.equal(await read(h, to, 'out/existing.txt'), 'keep me');
      const t = await dav(h, 'COPY', src('file.txt'), { headers: { Destination: dst('out/existing.txt') } });
      assert.equal(t.status, 204);
      assert.equal(await read(h, to, 'out/existing.txt'), 'source content');
      assert.equal((await dav(h, 'COPY', src('file.txt'), { headers: { Destination: dst('out/x'), Overwrite: 'maybe' } })).status, 400);
    });

    test('destination parent missing → 409; source missing → 404; no Destination → 400', async () => {
      assert.equal((await dav(h, 'COPY', src('file.txt'), { headers: { Destination: dst('nowhere/x.txt') } })).status, 409);
      assert.equal((await dav(h, 'COPY', src('nothing.txt'), { headers: { Destination: dst('out/n.txt') } })).status, 404);
      assert.equal((await dav(h, 'COPY', src('file.txt'))).status, 400);
    });

    test('COPY a collection: Depth infinity copies members, Depth 0 only the collection', async () => {
      await tree(h, from, 'tree');
      const r = await dav(h, 'COPY', src('tree/'), { headers: { Destination: dst('out/deep/') } });
      assert.equal(r.status, 201);
      assert.equal(await read(h, to, 'out/deep/a.txt'), 'A');
      assert.equal(await read(h, to, 'out/deep/sub/b #1.txt'), 'B');
      const s = await dav(h, 'COPY', src('tree/'), { headers: { Destination: dst('out/shallow/'), Depth: '0' } });
      assert.equal(s.status, 201);
      assert.equal((await h.mount(to).backend.stat('out/shallow')).kind, 'dir');
      assert.equal(await exists(h, to, 'out/shallow/a.txt'), false);
      assert.equal((await dav(h, 'COPY', src('tree/'), { headers: { Destination: dst('out/d1/'), Depth: '1' } })).status, 400);
      // onto an existing collection: F → 412, T → 204 and the old members are gone (no merge)
      await put(h, to, 'out/deep/stale.txt', 'stale');
      assert.equal((await dav(h, 'COPY', src('tree/'), { headers: { Destination: dst('out/deep/'), Overwrite: 'F' } })).status, 412);
      assert.equal((await dav(h, 'COPY', src('tree/'), { headers: { Destination: dst('out/deep/'), Overwrite: 'T' } })).status, 204);
      assert.equal(await exists(h, to, 'out/deep/stale.txt'), false);
      assert.equal(await read(h, to, 'out/deep/sub/b #1.txt'), 'B');
    });

    test('MOVE a file and a collection: source gone, locks of the moved tree dropped', async () => {
      await put(h, from, 'mv.txt', 'moving');
      const l = await dav(h, 'LOCK', src('mv.txt'), { body: lockBody });
      const tok = l.headers.get('lock-token')!;
      assert.equal((await dav(h, 'MOVE', src('mv.txt'), { headers: { Destination: dst('out/mv.txt') } })).status, 423, 'locked source');
      const r = await dav(h, 'MOVE', src('mv.txt'), { headers: { Destination: dst('out/mv.txt'), If: `(${tok})` } });
      assert.equal(r.status, 201);
      assert.equal(await exists(h, from, 'mv.txt'), false);
      assert.equal(await read(h, to, 'out/mv.txt'), 'moving');
      assert.equal(await h.locks.size(), 0, 'the moved lock is dropped');

      await tree(h, from, 'mvtree');
      assert.equal((await dav(h, 'MOVE', src('mvtree/'), { headers: { Destination: dst('out/mvtree/'), Depth: '0' } })).status, 400, 'MOVE needs infinity');
      const m = await dav(h, 'MOVE', src('mvtree/'), { headers: { Destination: dst('out/mvtree/') } });
      assert.equal(m.status, 201);
      assert.equal(await exists(h, from, 'mvtree'), false);
      assert.equal(await read(h, to, 'out/mvtree/sub/b #1.txt'), 'B');
      // onto an existing collection with F → 412 and both stay intact
      await tree(h, from, 'mvtree2');
      assert.equal((await dav(h, 'MOVE', src('mvtree2/'), { headers: { Destination: dst('out/mvtree/'), Overwrite: 'F' } })).status, 412);
      assert.ok(await exists(h, from, 'mvtree2/a.txt'));
      assert.equal((await dav(h, 'MOVE', src('mvtree2/'), { headers: { Destination: dst('out/mvtree/') } })).status, 204);
      assert.equal(await exists(h, from, 'mvtree2'), false);
    });

    test('a locked member of the destination refuses an overwrite (423)', async () => {
      await put(h, to, 'out/locked.txt', 'L');
      const l = await dav(h, 'LOCK', `/${to}/out/locked.txt`, { body: lockBody });
      assert.equal(l.status, 200);
      assert.equal((await dav(h, 'COPY', src('file.txt'), { headers: { Destination: dst('out/locked.txt') } })).status, 423);
      assert.equal(await read(h, to, 'out/locked.txt'), 'L');
      assert.equal((await dav(h, 'UNLOCK', `/${to}/out/locked.txt`, { headers: { 'Lock-Token': l.headers.get('lock-token')! } })).status, 204);
    });

    test('no write permission on the destination → 403', async () => {
      assert.equal((await dav(h, 'COPY', src('file.txt'), { headers: { Destination: '/readonly/x.txt' } })).status, 403);
      assert.equal((await dav(h, 'COPY', src('file.txt'), { headers: { Destination: dst('out/r.txt'), 'X-Test-User': 'reader' } })).status, 403);
    });
  });
}

describe('COPY/MOVE refusals within one category', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
    await tree(h, 'local', 'c');
  });
  after(() => h.close());

  test('same resource, into itself, onto an ancestor, a category → 403; other host → 403/502', async () => {
    assert.equal((await dav(h, 'COPY', '/local/c/', { headers: { Destination: '/local/c/' } })).status, 403);
    assert.equal((await dav(h, 'MOVE', '/local/c/a.txt', { headers: { Destination: `${h.url}/local/c/a.txt` } })).status, 403);
    assert.equal((await dav(h, 'COPY', '/local/c/', { headers: { Destination: '/local/c/sub/inner/' } })).status, 403);
    assert.equal((await dav(h, 'MOVE', '/local/c/', { headers: { Destination: '/local/c/x' } })).status, 403);
    assert.equal((await dav(h, 'MOVE', '/local/c/sub/', { headers: { Destination: '/local/c/' } })).status, 403);
    assert.equal((await dav(h, 'COPY', '/local/c/a.txt', { headers: { Destination: '/local2/' } })).status, 403);
    assert.equal((await dav(h, 'MOVE', '/local/', { headers: { Destination: '/local2/x/' } })).status, 403);
    const other = await dav(h, 'COPY', '/local/c/a.txt', { headers: { Destination: 'http://elsewhere.example/local/c/z.txt' } });
    assert.ok([403, 502].includes(other.status), String(other.status));
    assert.equal((await dav(h, 'COPY', '/local/c/a.txt', { headers: { Destination: '/local/c/../../etc/passwd' } })).status, 400);
    assert.ok(await h.mount('local').backend.stat('c/sub/b #1.txt'));
  });
});

describe('COPY/MOVE across backends with a member the destination cannot hold', { skip: skipUnlessS3Can('longKeySegments') }, () => {
  let h: Harness;
  const long = 'x'.repeat(300) + '.txt'; // fine as an S3 key, too long for a disk file name
  before(async () => {
    h = await startHarness({ withS3: true });
    await tree(h, 's3', 'p');
    await put(h, 's3', `p/${long}`, 'too long for disk');
  });
  after(() => h.close());

  test('207 names the failed member; MOVE removes only what arrived', async () => {
    const c = await dav(h, 'COPY', '/s3/p/', { headers: { Destination: '/local/pc/' } });
    assert.equal(c.status, 207);
    assert.ok(c.text.includes(`<D:href>/local/pc/${long}</D:href>`), c.text);
    assert.doesNotMatch(c.text, /a\.txt/);
    assert.equal(await read(h, 'local', 'pc/a.txt'), 'A');
    const m = await dav(h, 'MOVE', '/s3/p/', { headers: { Destination: '/local/pm/' } });
    assert.equal(m.status, 207);
    assert.equal(await exists(h, 's3', 'p/a.txt'), false, 'moved member removed from the source');
    assert.equal(await read(h, 's3', `p/${long}`), 'too long for disk', 'failed member stays at the source');
    assert.equal(await read(h, 'local', 'pm/sub/b #1.txt'), 'B');
  });
});

describe('COPY/MOVE through the real server (test/helpers/daemon.ts)', () => {
  let d: import('../helpers/daemon.ts').TestDaemon;
  before(async () => {
    const { startDaemon } = await import('../helpers/daemon.ts');
    d = await startDaemon({ digest: false });
  });
  after(() => d?.close());
  const req = (method: string, path: string, o: { body?: string; headers?: Record<string, string>; user?: 'alice' | 'bob' } = {}) =>
    fetch(d.origin + path, { method, body: o.body, headers: { Authorization: d.basic(o.user ?? 'alice'), ...o.headers } }).then(async (r) => ({ status: r.status, text: await r.text() }));

  for (const to of ['public', 's3']) {
    test(`a tree with dead properties moves from files to ${to}; Overwrite defaults to T`, { skip: to === 's3' ? skipUnlessS3() : false }, async () => {
      assert.equal((await req('MKCOL', '/files/rel/')).status, 201);
      assert.equal((await req('PUT', '/files/rel/app%20v1.zip', { body: 'zip' })).status, 201);
      assert.equal((await req('PROPPATCH', '/files/rel/app%20v1.zip', { body: PATCH })).status, 207);
      assert.equal((await req('MKCOL', `/${to}/rel/`)).status, 201);
      assert.equal((await req('PUT', `/${to}/rel/old.txt`, { body: 'old' })).status, 201);
      assert.equal((await req('MOVE', '/files/rel/', { headers: { Destination: `${d.origin}/${to}/rel/`, Overwrite: 'F' } })).status, 412);
      assert.equal((await req('MOVE', '/files/rel/', { headers: { Destination: `${d.origin}/${to}/rel/` }, user: 'bob' })).status, 403);
      assert.equal((await req('MOVE', '/files/rel/', { headers: { Destination: `${d.origin}/${to}/rel/` } })).status, 204);
      assert.equal((await req('GET', '/files/rel/app%20v1.zip')).status, 404);
      assert.equal((await req('GET', `/${to}/rel/old.txt`)).status, 404, 'replaced, not merged');
      assert.equal((await req('GET', `/${to}/rel/app%20v1.zip`)).text, 'zip');
      const pf = await req('PROPFIND', `/${to}/rel/app%20v1.zip`, { body: '<D:propfind xmlns:D="DAV:" xmlns:Z="urn:cm"><D:prop><Z:tag/></D:prop></D:propfind>', headers: { Depth: '0' } });
      assert.match(pf.text, /kept<\/[a-z0-9]+:tag>/);
      assert.equal((await req('COPY', `/${to}/rel/`, { headers: { Destination: `${d.origin}/${to}/rel/inside/` } })).status, 403);
      assert.equal((await req('DELETE', `/${to}/rel/`)).status, 204);
    });
  }
});
