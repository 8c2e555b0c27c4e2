/** Metadata sidecars on a real local backend and, when the env says so, on the test S3. */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { createLocalBackend } from '../../src/backends/local.ts';
import { createS3Client } from '../../src/backends/s3-client.ts';
import { createS3Backend } from '../../src/backends/s3.ts';
import { configSchema } from '../../src/config/schema.ts';
import { createLogger } from '../../src/log.ts';
import { isVfsError } from '../../src/vfs/errors.ts';
import { hashExisting, writeWithMeta } from '../../src/vfs/files.ts';
import { createMountTable } from '../../src/vfs/mount-table.ts';
import { META_ROOT, createMetaStore, dirSidecar, fileSidecar, markerDir, mirrorDir, visibilityMarker } from '../../src/vfs/meta-store.ts';
import type { MetaStore, Mount } from '../../src/vfs/mount.ts';
import type { Backend } from '../../src/vfs/types.ts';
import { skipUnlessS3Can } from '../helpers/s3-capabilities.ts';
import { s3TestConfig, s3TestEnv, skipUnlessS3, uniquePrefix } from '../helpers/s3env.ts';

const SHA_A = 'a'.repeat(64);
const SHA_B = 'b'.repeat(64);
const put = (b: Backend, p: string, s: string) => b.write(p, Readable.from([Buffer.from(s)]), { size: Buffer.byteLength(s) });

describe('sidecar paths', () => {
  it('mirror folders and files in separate name spaces', () => {
    assert.equal(mirrorDir(''), META_ROOT);
    assert.equal(fileSidecar('a/b/c.iso'), `${META_ROOT}/d.a/d.b/f.c.iso`);
    assert.equal(dirSidecar('a/b'), `${META_ROOT}/d.a/d.b/.dir.json`);
    assert.equal(dirSidecar(''), `${META_ROOT}/.dir.json`);
    // A file and a folder of the same name (possible on S3), and names that look like encodings.
    const taken = new Set([fileSidecar('x'), dirSidecar('x'), fileSidecar('d.x'), fileSidecar('.dir.json'), dirSidecar('f.x'), fileSidecar('x/.dir.json')]);
    assert.equal(taken.size, 6);
  });

  it('hashes names too long to encode', () => {
    const long = 'n'.repeat(254);
    const f = fileSidecar(`r/${long}`);
    const d = dirSidecar(long);
    assert.match(f, new RegExp(`^${META_ROOT}/d\\.r/h\\.[0-9a-f]{64}$`));
    assert.match(d, new RegExp(`^${META_ROOT}/h\\.[0-9a-f]{64}/\\.dir\\.json$`));
    assert.notEqual(f.split('/').pop(), d.split('/')[2], 'file and folder of one long name differ');
    assert.equal(fileSidecar('n'.repeat(253)).split('/').pop(), `f.${'n'.repeat(253)}`);
  });
});

/** The behaviour cases, for one backend. */
function metaCases(label: string, make: () => Promise<{ backend: Backend; cleanup(): Promise<void> }>, longNames: string | false = false) {
  describe(`meta store on ${label}`, () => {
    let b: Backend;
    let m: MetaStore;
    let cleanup: () => Promise<void>;
    before(async () => {
      ({ backend: b, cleanup } = await make());
      m = createMetaStore(b);
    });
    after(() => cleanup?.());

    it('stores and validates file metadata against size+etag', async () => {
      await b.mkdir('r1');
      const e = await put(b, 'r1/app.iso', 'v1');
      await m.put('r1/app.iso', e, { sha256: SHA_A, props: { '{urn:x}color': 'red' }, mtime: '2024-01-02T03:04:05.000Z' });
      const got = await m.get('r1/app.iso', await b.stat('r1/app.iso'));
      assert.deepEqual(got, { size: 2, etag: e.etag, sha256: SHA_A, props: { '{urn:x}color': 'red' }, mtime: '2024-01-02T03:04:05.000Z' });
      const changed = await put(b, 'r1/app.iso', 'v2 is longer');
      assert.equal(await m.get('r1/app.iso', changed), undefined, 'stale sidecar ignored');
      assert.equal(await m.get('r1/none.iso', { ...changed, path: 'r1/none.iso' }), undefined);
    });

    it('keeps folder metadata apart from file metadata', async () => {
      await b.mkdir('r2');
      await m.put('r2', await b.stat('r2'), { props: { '{DAV:}x': 'folder' } });
      assert.deepEqual((await m.get('r2', await b.stat('r2')))?.props, { '{DAV:}x': 'folder' });
      await m.put('', await b.stat(''), { props: { '{DAV:}x': 'root' } });
      assert.deepEqual((await m.get('', await b.stat('')))?.props, { '{DAV:}x': 'root' });
    });

    it('handles names too long to encode', { skip: longNames }, async () => {
      await b.mkdir('r3');
      const name = 'L'.repeat(250) + '.bin';
      const e = await put(b, `r3/${name}`, 'long');
      await m.put(`r3/${name}`, e, { sha256: SHA_B });
      assert.equal((await m.get(`r3/${name}`, e))?.sha256, SHA_B);
    });

    it('carries sidecars with copies (re-keyed) and moves, and removes them', async () => {
      await b.mkdir('r4');
      await b.mkdir('r4/src');
      await b.mkdir('r4/src/sub');
      const one = await put(b, 'r4/src/one', '1');
      const two = await put(b, 'r4/src/sub/two', '22');
      await m.put('r4/src/one', one, { sha256: SHA_A });
      await m.put('r4/src/sub/two', two, { sha256: SHA_B });
      await m.put('r4/src', await b.stat('r4/src'), { props: { '{urn:x}p': 'tree' } });

      await b.copy('r4/src/one', 'r4/one-copy');
      await m.copy('r4/src/one', 'r4/one-copy');
      assert.equal((await m.get('r4/one-copy', await b.stat('r4/one-copy')))?.sha256, SHA_A);

      await b.copy('r4/src', 'r4/copy');
      await m.copy('r4/src', 'r4/copy');
      assert.equal((await m.get('r4/copy/sub/two', await b.stat('r4/copy/sub/two')))?.sha256, SHA_B);
      assert.deepEqual((await m.get('r4/copy', await b.stat('r4/copy')))?.props, { '{urn:x}p': 'tree' });
      assert.equal((await m.get('r4/src/one', await b.stat('r4/src/one')))?.sha256, SHA_A, 'source keeps its sidecar');

      await b.move('r4/copy', 'r4/moved');
      await m.move('r4/copy', 'r4/moved');
      const moved = await b.stat('r4/moved/sub/two');
      const got = await m.get('r4/moved/sub/two', moved);
      if (moved.etag === two.etag) assert.equal(got?.sha256, SHA_B);
      assert.equal(await m.get('r4/copy/sub/two', two), undefined, 'old location forgotten');

      await b.remove('r4/moved', { recursive: true });
      await m.remove('r4/moved');
      const again = await put(b, 'r4/moved', '22');
      assert.equal(await m.get('r4/moved', again), undefined);
      await m.remove('r4/never-existed');
    });

    it('keeps a visibility marker exactly while a sidecar holds a client mtime or dead properties', async () => {
      await b.mkdir('r5');
      await b.mkdir('r5/sub');
      const a = await put(b, 'r5/a.iso', 'aa');
      const c = await put(b, 'r5/c.iso', 'cc');
      const marked = async (p: string, kind: 'file' | 'dir') => b.stat(visibilityMarker(p, kind)).then(() => true, () => false);
      const index = async () => m.withVisibleProps!('r5');

      assert.equal((await index()).size, 0, 'a folder without markers: empty index, no error');
      await m.put('r5/a.iso', a, { sha256: SHA_A });
      await m.put('r5/c.iso', c, { sha256: SHA_B, props: {} });
      assert.equal((await index()).size, 0, 'hash-only and empty-props sidecars are not visible');

      await m.put('r5/a.iso', a, { sha256: SHA_A, mtime: '2001-01-01T00:00:00.000Z' });
      await m.put('r5/c.iso', c, { props: { '{urn:x}k': '<x:k xmlns:x="urn:x">v</x:k>' } });
      await m.put('r5/sub', await b.stat('r5/sub'), { props: { '{urn:x}k': 'folder' } });
      let ix = await index();
      assert.equal(ix.size, 3);
      assert.ok(ix.has('a.iso', 'file') && ix.has('c.iso', 'file') && ix.has('sub', 'dir'));
      assert.ok(!ix.has('sub', 'file') && !ix.has('a.iso', 'dir') && !ix.has('other', 'file'), 'by name and kind');
      assert.ok(await marked('r5/a.iso', 'file'));

      await m.put('r5/c.iso', c, { sha256: SHA_B });
      await m.put('r5/a.iso', a, { sha256: SHA_A, props: {} });
      ix = await index();
      assert.deepEqual([ix.has('a.iso', 'file'), ix.has('c.iso', 'file'), ix.has('sub', 'dir')], [false, false, true], 'cleared → marker gone');
      assert.ok(!(await marked('r5/a.iso', 'file')));
      assert.equal((await m.get('r5/a.iso', a))?.sha256, SHA_A, 'the sidecar itself stays');
    });

    it('carries markers with move, copy and remove; a stale sidecar stays ignored despite its marker', async () => {
      await b.mkdir('r6');
      await b.mkdir('r6/tree');
      const f = await put(b, 'r6/f.iso', 'ff');
      const inner = await put(b, 'r6/tree/in.iso', 'in');
      await m.put('r6/f.iso', f, { mtime: '2002-02-02T00:00:00.000Z' });
      await m.put('r6/tree/in.iso', inner, { props: { '{urn:x}p': 'inner' } });
      await m.put('r6/tree', await b.stat('r6/tree'), { mtime: '2003-03-03T00:00:00.000Z' });

      await b.move('r6/f.iso', 'r6/g.iso');
      await m.move('r6/f.iso', 'r6/g.iso');
      let ix = await m.withVisibleProps!('r6');
      assert.ok(ix.has('g.iso', 'file') && !ix.has('f.iso', 'file'), 'file marker moved');

      await b.copy('r6/tree', 'r6/copy');
      await m.copy('r6/tree', 'r6/copy');
      await b.move('r6/tree', 'r6/moved');
      await m.move('r6/tree', 'r6/moved');
      ix = await m.withVisibleProps!('r6');
      assert.deepEqual(['tree', 'copy', 'moved'].map((n) => ix.has(n, 'dir')), [false, true, true], 'folder markers carried');
      assert.ok((await m.withVisibleProps!('r6/moved')).has('in.iso', 'file'), 'markers inside a moved tree');
      assert.ok((await m.withVisibleProps!('r6/copy')).has('in.iso', 'file'), 'markers inside a copied tree');
      assert.equal((await m.withVisibleProps!('r6/tree')).size, 0, 'nothing left at the source');

      await b.remove('r6/moved', { recursive: true });
      await m.remove('r6/moved');
      assert.ok(!(await m.withVisibleProps!('r6')).has('moved', 'dir'), 'removed with the folder');
      await m.remove('r6/g.iso');
      assert.ok(!(await m.withVisibleProps!('r6')).has('g.iso', 'file'), 'removed with the file');

      // New content behind the daemon's back: the marker remains, the sidecar is stale and ignored.
      const before = await b.stat('r6/copy/in.iso');
      const changed = await put(b, 'r6/copy/in.iso', 'new content');
      assert.notEqual(changed.etag, before.etag);
      assert.ok((await m.withVisibleProps!('r6/copy')).has('in.iso', 'file'));
      assert.equal(await m.get('r6/copy/in.iso', changed), undefined);
    });

    it('finds markers of names too long to encode, and ignores sidecars written before markers', { skip: longNames }, async () => {
      await b.mkdir('r7');
      const long = 'M'.repeat(250) + '.bin';
      const e = await put(b, `r7/${long}`, 'long');
      await m.put(`r7/${long}`, e, { mtime: '2004-04-04T00:00:00.000Z' });
      const ix = await m.withVisibleProps!('r7');
      assert.ok(ix.has(long, 'file'));
      assert.match(visibilityMarker(`r7/${long}`, 'file'), new RegExp(`^${markerDir('r7')}/h\\.[0-9a-f]{64}$`));
      // An old sidecar (no marker): counted as nothing visible, still readable on its own.
      const old = await put(b, 'r7/old.iso', 'old');
      const body = JSON.stringify({ size: old.size, etag: old.etag, mtime: '1999-01-01T00:00:00.000Z' });
      await b.write(fileSidecar('r7/old.iso'), Readable.from([Buffer.from(body)]), { size: Buffer.byteLength(body) });
      assert.ok(!(await m.withVisibleProps!('r7')).has('old.iso', 'file'));
      assert.equal((await m.get('r7/old.iso', old))?.mtime, '1999-01-01T00:00:00.000Z');
    });

    it('keeps every sidecar under the reserved folder', async () => {
      const top: string[] = [];
      for await (const e of b.list('')) top.push(e.path);
      assert.ok(top.includes('.releasedav'));
      assert.ok(top.every((p) => p === '.releasedav' || /^r\d/.test(p)), `only data folders besides: ${top.join(', ')}`);
    });
  });
}

metaCases('local', async () => {
  const root = await mkdtemp(join(tmpdir(), 'rdav-meta-'));
  return { backend: createLocalBackend(root), cleanup: () => rm(root, { recursive: true, force: true }) };
});

const s3env = s3TestEnv();
if (s3env) {
  metaCases(`s3 (${s3env.kind})`, async () => {
    const s3 = s3TestConfig();
    const client = createS3Client(s3);
    const backend = createS3Backend({ client, bucket: s3.bucket, prefix: uniquePrefix('meta'), s3, log: createLogger({ level: 'silent' }) });
    return {
      backend,
      async cleanup() {
        for await (const e of backend.list('')) await backend.remove(e.path, { recursive: true });
        client.destroy();
      },
    };
  }, skipUnlessS3Can('longKeySegments'));
} else {
  describe('meta store on s3', () => { it('runs against a test S3', { skip: skipUnlessS3() }, () => {}); });
}

describe('writeWithMeta / hashExisting on a local mount', () => {
  let root: string;
  let mount: Mount;
  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'rdav-files-'));
    const cfg = configSchema.parse({ storage: { local: { root } }, categories: [{ slug: 'files', directory: 'files' }] });
    mount = createMountTable(cfg, { log: createLogger({ level: 'silent' }) }).get('files')!;
  });
  after(() => rm(root, { recursive: true, force: true }));
  const sha = (s: string) => createHash('sha256').update(s).digest('hex');
  const digests = (s: string) => ({ sha256: sha(s), sha384: createHash('sha384').update(s).digest('hex'), sha512: createHash('sha512').update(s).digest('hex') });

  it('records the SHA-256/384/512 of a release item computed while streaming, keeps dead props, clears the client mtime', async () => {
    await mount.backend.mkdir('1.0');
    const seen: number[] = [];
    const e1 = await writeWithMeta(mount, '1.0/a.bin', Readable.from([Buffer.from('hello '), Buffer.from('world')]), { onChunk: (c) => seen.push(c.length) });
    assert.deepEqual(seen, [6, 5], 'caller onChunk still called');
    const m1 = await mount.meta.get('1.0/a.bin', e1);
    assert.deepEqual({ sha256: m1?.sha256, sha384: m1?.sha384, sha512: m1?.sha512 }, digests('hello world'));
    await mount.meta.put('1.0/a.bin', e1, { sha256: sha('hello world'), props: { '{urn:x}k': 'v' }, mtime: '2001-01-01T00:00:00.000Z' });
    const e2 = await writeWithMeta(mount, '1.0/a.bin', Readable.from([Buffer.from('second')]));
    const m2 = await mount.meta.get('1.0/a.bin', e2);
    assert.deepEqual({ sha256: m2?.sha256, sha384: m2?.sha384, sha512: m2?.sha512 }, digests('second'));
    assert.deepEqual(m2?.props, { '{urn:x}k': 'v' });
    assert.equal(m2?.mtime, undefined);
    const e3 = await writeWithMeta(mount, '1.0/a.bin', Readable.from([Buffer.from('third')]), { keepProps: false });
    assert.equal((await mount.meta.get('1.0/a.bin', e3))?.props, undefined);
  });

  it('records only the SHA-256 of a file that is not a release item (root, deeper, hidden), also past the in-place size', async () => {
    await mount.backend.mkdir('1.0/sub');
    const big = Buffer.alloc(3 * 1024 * 1024 + 5, 7); // more than one 1 MiB batch: hashed on the worker
    for (const [path, body] of [['root.bin', Buffer.from('root')], ['1.0/sub/deep.bin', Buffer.from('deep')], ['1.0/.hidden', Buffer.from('h')], ['big.bin', big]] as const) {
      const e = await writeWithMeta(mount, path, Readable.from([body]));
      const m = await mount.meta.get(path, e);
      assert.equal(m?.sha256, createHash('sha256').update(body).digest('hex'), path);
      assert.equal(m?.sha384, undefined, path);
      assert.equal(m?.sha512, undefined, path);
    }
    const e = await writeWithMeta(mount, '1.0/big.bin', Readable.from([big]));
    assert.equal((await mount.meta.get('1.0/big.bin', e))?.sha512, createHash('sha512').update(big).digest('hex'), 'an item past one batch: all three on the worker');
  });

  it('leaves no sidecar when the upload fails', async () => {
    const body = new Readable({ read() { this.destroy(new Error('cut')); } });
    await assert.rejects(writeWithMeta(mount, 'cut.bin', body));
    assert.equal(await mount.meta.get('cut.bin', { path: 'cut.bin', kind: 'file', size: 0, mtime: new Date(), etag: '' }), undefined);
  });

  it('hashes a file that arrived another way, once', async () => {
    await writeFile(join(root, 'files', 'outside.iso'), 'made outside');
    const e = await mount.backend.stat('outside.iso');
    assert.equal(await mount.meta.get('outside.iso', e), undefined);
    assert.deepEqual(await hashExisting(mount, 'outside.iso'), digests('made outside'));
    const m = await mount.meta.get('outside.iso', e);
    assert.deepEqual({ sha256: m?.sha256, sha384: m?.sha384, sha512: m?.sha512 }, digests('made outside'));
    await assert.rejects(hashExisting(mount, ''), (err: unknown) => isVfsError(err, 'EISDIR'));
  });
});
