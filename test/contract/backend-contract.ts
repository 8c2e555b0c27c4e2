/**
 * The backend contract suite: the same cases for every Backend (local disk, S3 on RGW, s3rver).
 * Backend-neutral: differences are expressed through `caps` or `skip` (with a visible reason).
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { isVfsError } from '../../src/vfs/errors.ts';
import type { Backend, Entry, WriteOptions } from '../../src/vfs/types.ts';

export interface ContractTarget {
  name: string;
  /** A fresh, empty backend rooted at a unique location. */
  create(): Promise<{ backend: Backend; cleanup(): Promise<void>; /** in-progress uploads / temp files left behind (for cut-upload checks) */ leftovers?(): Promise<string[]> }>;
  /** Cases this target cannot honour, with the reason shown in the skip message. */
  skip?: Partial<Record<'conditionalWrite' | 'multipartLeftovers' | 'largeListing' | 'bigStream', string>>;
}

const MiB = 1024 * 1024;

/** Writes a buffer (known size). */
export function put(b: Backend, path: string, data: Buffer | string, o: WriteOptions = {}): Promise<Entry> {
  const buf = typeof data === 'string' ? Buffer.from(data) : data;
  return b.write(path, Readable.from([buf]), { size: buf.length, ...o });
}

/** Reads a whole (small) file. */
export async function get(b: Backend, path: string, range?: { start: number; end?: number }): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of await b.read(path, range ? { range } : {})) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

async function sha256Of(b: Backend, path: string): Promise<{ hash: string; bytes: number }> {
  const h = createHash('sha256');
  let bytes = 0;
  for await (const c of await b.read(path)) {
    h.update(c as Buffer);
    bytes += (c as Buffer).length;
  }
  return { hash: h.digest('hex'), bytes };
}

async function names(b: Backend, path: string): Promise<string[]> {
  const out: string[] = [];
  for await (const e of b.list(path)) out.push(e.path);
  return out.sort();
}

async function rejectsCode(p: Promise<unknown>, code: string): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(isVfsError(e), `expected a VfsError, got ${String(e)}`);
    assert.equal(e.code, code, `expected ${code}, got ${e.code}: ${e.message}`);
    return true;
  });
}

/** A body of `total` bytes that fails (or triggers `onCut`) after `cutAt` bytes. */
function cutBody(cutAt: number, onCut: () => Error | undefined): Readable {
  const chunk = randomBytes(MiB);
  let sent = 0;
  return new Readable({
    read() {
      if (sent >= cutAt) {
        const err = onCut();
        if (err) this.destroy(err);
        return; // when aborting, just stall: the signal must end the write
      }
      sent += chunk.length;
      this.push(chunk);
    },
  });
}

/** Declares the contract cases for one target (node:test describe/it blocks). */
export function runBackendContract(t: ContractTarget): void {
  describe(`backend contract: ${t.name}`, () => {
    let b: Backend;
    let env: Awaited<ReturnType<ContractTarget['create']>>;
    let n = 0;
    /** A fresh folder per case, so cases never see each other. */
    const dir = async (label: string): Promise<string> => {
      const d = `c${++n}-${label}`;
      await b.mkdir(d);
      return d;
    };
    before(async () => {
      env = await t.create();
      b = env.backend;
    });
    after(async () => env?.cleanup());

    for (const size of [0, 1, 5 * MiB - 1, 5 * MiB, 5 * MiB + 1]) {
      it(`round-trips ${size} bytes`, async () => {
        const d = await dir(`rt${size}`);
        const data = randomBytes(size);
        const e = await put(b, `${d}/f.bin`, data);
        assert.equal(e.kind, 'file');
        assert.equal(e.size, size);
        assert.ok(e.etag, 'write returns an etag');
        const back = await get(b, `${d}/f.bin`);
        assert.equal(back.length, size);
        assert.ok(back.equals(data), 'content round-trips');
        const st = await b.stat(`${d}/f.bin`);
        assert.equal(st.size, size);
        assert.equal(st.etag, e.etag);
      });
    }

    it('round-trips a 200 MiB stream of unknown length', { skip: t.skip?.bigStream }, async () => {
      const d = await dir('big');
      const total = 200 * MiB;
      const block = randomBytes(MiB);
      const h = createHash('sha256');
      let sent = 0;
      const body = Readable.from((function* () {
        while (sent < total) {
          const c = Buffer.from(block);
          c.writeUInt32BE(sent / MiB, 0); // every chunk differs
          sent += c.length;
          h.update(c);
          yield c;
        }
      })());
      const e = await b.write(`${d}/big.bin`, body);
      assert.equal(e.size, total);
      const back = await sha256Of(b, `${d}/big.bin`);
      assert.equal(back.bytes, total);
      assert.equal(back.hash, h.digest('hex'));
    });

    it('keeps awkward names exactly (space # % + ? NFC NFD emoji)', async () => {
      const d = await dir('names');
      const nfc = 'caf\u00e9.txt';
      const nfd = 'cafe\u0301.txt';
      assert.notEqual(nfc, nfd);
      const list = ['with space.txt', 'hash#tag.txt', 'per%cent%20.txt', 'plus+sign.txt', 'why?.txt', nfc, nfd, '\u{1F680} rocket.txt'];
      for (const name of list) await put(b, `${d}/${name}`, `content of ${name}`);
      assert.deepEqual(await names(b, d), list.map((x) => `${d}/${x}`).sort());
      for (const name of list) {
        assert.equal((await get(b, `${d}/${name}`)).toString(), `content of ${name}`);
        assert.equal((await b.stat(`${d}/${name}`)).path, `${d}/${name}`);
      }
    });

    it('reads byte ranges', async () => {
      const d = await dir('range');
      const data = randomBytes(1000);
      await put(b, `${d}/r.bin`, data);
      assert.ok((await get(b, `${d}/r.bin`, { start: 0, end: 0 })).equals(data.subarray(0, 1)), 'first byte');
      assert.ok((await get(b, `${d}/r.bin`, { start: 100, end: 199 })).equals(data.subarray(100, 200)), 'middle');
      assert.ok((await get(b, `${d}/r.bin`, { start: 990, end: 999 })).equals(data.subarray(990)), 'last 10 bytes');
      assert.ok((await get(b, `${d}/r.bin`, { start: 500 })).equals(data.subarray(500)), 'open-ended');
      assert.ok((await get(b, `${d}/r.bin`, { start: 995, end: 5000 })).equals(data.subarray(995)), 'end past EOF is clamped');
      await rejectsCode(b.read(`${d}/r.bin`, { range: { start: 1000 } }), 'ERANGE');
    });

    it('stats files, folders and missing paths', async () => {
      const d = await dir('stat');
      const before = Date.now();
      await put(b, `${d}/f.txt`, 'hello');
      const f = await b.stat(`${d}/f.txt`);
      assert.equal(f.kind, 'file');
      assert.equal(f.size, 5);
      assert.equal(f.path, `${d}/f.txt`);
      assert.ok(Math.abs(f.mtime.getTime() - before) < 120_000, 'mtime is about now');
      const folder = await b.stat(d);
      assert.equal(folder.kind, 'dir');
      assert.equal((await b.stat('')).kind, 'dir');
      await rejectsCode(b.stat(`${d}/missing.txt`), 'ENOENT');
      await rejectsCode(b.read(`${d}/missing.txt`), 'ENOENT');
      await rejectsCode(b.read(d), 'EISDIR');
      await rejectsCode(put(b, `${d}/no/such/parent.txt`, 'x'), 'ENOENT');
    });

    it('lists 2,500 entries with sizes and mtimes', { skip: t.skip?.largeListing }, async () => {
      const d = await dir('many');
      const count = 2500;
      for (let i = 0; i < count; i += 50) {
        await Promise.all(Array.from({ length: Math.min(50, count - i) }, (_, k) => put(b, `${d}/f${String(i + k).padStart(5, '0')}`, 'x'.repeat((i + k) % 7))));
      }
      const seen = new Map<string, Entry>();
      for await (const e of b.list(d)) seen.set(e.path, e);
      assert.equal(seen.size, count);
      if (b.listPages) {
        // The page-wise listing: the same entries, no page empty.
        const paged: Entry[] = [];
        for await (const page of b.listPages(d)) {
          assert.ok(page.length > 0, 'no empty page');
          paged.push(...page);
        }
        assert.deepEqual(paged.map((e) => e.path).sort(), [...seen.keys()].sort());
        for (const e of paged) assert.deepEqual({ ...e, mtime: e.mtime.getTime() }, { ...seen.get(e.path)!, mtime: seen.get(e.path)!.mtime.getTime() });
      }
      for (let i = 0; i < count; i++) {
        const e = seen.get(`${d}/f${String(i).padStart(5, '0')}`);
        assert.ok(e, `entry ${i} listed`);
        assert.equal(e.kind, 'file');
        assert.equal(e.size, i % 7);
        assert.ok(e.mtime instanceof Date && !Number.isNaN(e.mtime.getTime()));
      }
    });

    it('lists direct children only, folders as dirs', async () => {
      const d = await dir('children');
      await b.mkdir(`${d}/sub`);
      await put(b, `${d}/sub/deep.txt`, 'deep');
      await put(b, `${d}/top.txt`, 'top');
      const got = new Map<string, Entry>();
      for await (const e of b.list(d)) got.set(e.path, e);
      assert.deepEqual([...got.keys()].sort(), [`${d}/sub`, `${d}/top.txt`]);
      assert.equal(got.get(`${d}/sub`)!.kind, 'dir');
      assert.equal(got.get(`${d}/top.txt`)!.size, 3);
      await rejectsCode((async () => { for await (const _ of b.list(`${d}/nope`)) void _; })(), 'ENOENT');
      if (b.listPages) await rejectsCode((async () => { for await (const _ of b.listPages!(`${d}/nope`)) void _; })(), 'ENOENT');
    });

    it('makes folders: EEXIST, ENOENT parent', async () => {
      const d = await dir('mkdir');
      await b.mkdir(`${d}/a`);
      assert.equal((await b.stat(`${d}/a`)).kind, 'dir');
      if (b.caps.emptyDirs) assert.deepEqual(await names(b, `${d}/a`), []);
      await rejectsCode(b.mkdir(`${d}/a`), 'EEXIST');
      await put(b, `${d}/file`, 'x');
      await rejectsCode(b.mkdir(`${d}/file`), 'EEXIST');
      await rejectsCode(b.mkdir(`${d}/missing/child`), 'ENOENT');
    });

    it('removes files and whole trees', async () => {
      const d = await dir('rm');
      await b.mkdir(`${d}/t`);
      await b.mkdir(`${d}/t/sub`);
      await put(b, `${d}/t/sub/c.txt`, 'c');
      await put(b, `${d}/t/d.txt`, 'd');
      await rejectsCode(b.remove(`${d}/t`), 'ENOTEMPTY');
      await b.remove(`${d}/t/d.txt`);
      await rejectsCode(b.stat(`${d}/t/d.txt`), 'ENOENT');
      await b.remove(`${d}/t`, { recursive: true });
      await rejectsCode(b.stat(`${d}/t`), 'ENOENT');
      await rejectsCode(b.stat(`${d}/t/sub/c.txt`), 'ENOENT');
      await rejectsCode(b.remove(`${d}/t`), 'ENOENT');
      if (b.caps.emptyDirs) assert.deepEqual(await names(b, d), []);
    });

    for (const op of ['move', 'copy'] as const) {
      it(`${op === "move" ? "moves" : "copies"} files, honouring overwrite`, async () => {
        const d = await dir(`${op}-file`);
        await put(b, `${d}/a.txt`, 'A');
        await put(b, `${d}/b.txt`, 'B');
        await rejectsCode(b[op](`${d}/a.txt`, `${d}/b.txt`, { overwrite: false }), 'EEXIST');
        assert.equal((await get(b, `${d}/b.txt`)).toString(), 'B');
        await b[op](`${d}/a.txt`, `${d}/b.txt`, { overwrite: true });
        assert.equal((await get(b, `${d}/b.txt`)).toString(), 'A');
        if (op === 'move') await rejectsCode(b.stat(`${d}/a.txt`), 'ENOENT');
        else assert.equal((await get(b, `${d}/a.txt`)).toString(), 'A');
        await b[op](`${d}/b.txt`, `${d}/c.txt`);
        assert.equal((await get(b, `${d}/c.txt`)).toString(), 'A');
        await rejectsCode(b[op](`${d}/missing`, `${d}/x`), 'ENOENT');
      });

      it(`${op === "move" ? "moves" : "copies"} folder trees, honouring overwrite`, async () => {
        const d = await dir(`${op}-tree`);
        await b.mkdir(`${d}/src`);
        await b.mkdir(`${d}/src/sub`);
        await put(b, `${d}/src/one.txt`, '1');
        await put(b, `${d}/src/sub/two.txt`, '22');
        await b.mkdir(`${d}/dst`);
        await put(b, `${d}/dst/old.txt`, 'old');
        await rejectsCode(b[op](`${d}/src`, `${d}/dst`, { overwrite: false }), 'EEXIST');
        assert.deepEqual(await names(b, `${d}/dst`), [`${d}/dst/old.txt`]);
        await b[op](`${d}/src`, `${d}/dst`, { overwrite: true });
        assert.deepEqual(await names(b, `${d}/dst`), [`${d}/dst/one.txt`, `${d}/dst/sub`]);
        assert.equal((await get(b, `${d}/dst/sub/two.txt`)).toString(), '22');
        if (op === 'move') await rejectsCode(b.stat(`${d}/src`), 'ENOENT');
        else assert.equal((await get(b, `${d}/src/sub/two.txt`)).toString(), '22');
        await b[op](`${d}/dst`, `${d}/fresh`);
        assert.equal((await get(b, `${d}/fresh/one.txt`)).toString(), '1');
      });
    }

    it('honours ifMatch / ifNoneMatch', { skip: t.skip?.conditionalWrite }, async () => {
      const d = await dir('cond');
      const first = await put(b, `${d}/c.txt`, 'v1');
      await rejectsCode(put(b, `${d}/c.txt`, 'v2', { ifMatch: 'not-the-etag' }), 'EPRECOND');
      await rejectsCode(put(b, `${d}/c.txt`, 'v2', { ifNoneMatch: true }), 'EPRECOND');
      assert.equal((await get(b, `${d}/c.txt`)).toString(), 'v1');
      await put(b, `${d}/c.txt`, 'v2', { ifMatch: first.etag! });
      assert.equal((await get(b, `${d}/c.txt`)).toString(), 'v2');
      await put(b, `${d}/new.txt`, 'n', { ifNoneMatch: true });
      assert.equal((await get(b, `${d}/new.txt`)).toString(), 'n');
      await rejectsCode(put(b, `${d}/none.txt`, 'n', { ifMatch: first.etag! }), 'EPRECOND');
    });

    /** Cut after 20 MiB of a declared 24 MiB, so an S3 multipart upload has begun. */
    const cutCases: [string, (path: string) => Promise<unknown>][] = [
      ['a body that fails midway', (path) => b.write(path, cutBody(20 * MiB, () => new Error('client went away')), { size: 24 * MiB })],
      ['an abort signal fired midway', (path) => {
        const ac = new AbortController();
        return b.write(path, cutBody(20 * MiB, () => { ac.abort(); return undefined; }), { size: 24 * MiB, signal: ac.signal });
      }],
    ];
    for (const [label, cut] of cutCases) {
      it(`keeps the previous version after ${label}`, async () => {
        const d = await dir('cut');
        const old = await put(b, `${d}/v.bin`, 'previous version');
        await assert.rejects(cut(`${d}/v.bin`), (e: unknown) => isVfsError(e));
        assert.equal((await get(b, `${d}/v.bin`)).toString(), 'previous version');
        const st = await b.stat(`${d}/v.bin`);
        assert.equal(st.size, old.size);
        assert.equal(st.etag, old.etag);
        await assert.rejects(cut(`${d}/fresh.bin`), (e: unknown) => isVfsError(e));
        await rejectsCode(b.stat(`${d}/fresh.bin`), 'ENOENT');
        assert.deepEqual(await names(b, d), [`${d}/v.bin`]);
        if (env.leftovers && !t.skip?.multipartLeftovers) assert.deepEqual(await env.leftovers(), []);
      });
    }
    if (t.skip?.multipartLeftovers) it('leaves no in-progress upload behind', { skip: t.skip.multipartLeftovers }, () => {});
  });
}
