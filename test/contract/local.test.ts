/** The contract suite on a temp dir, plus what only the local backend promises. */
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, readdir, rm, symlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { createLocalBackend, sweepTempFiles, TEMP_FILE_RE } from '../../src/backends/local.ts';
import { isVfsError } from '../../src/vfs/errors.ts';
import type { Backend } from '../../src/vfs/types.ts';
import { get, put, runBackendContract } from './backend-contract.ts';

/** Every temp upload file anywhere under `dir`. */
async function tempFiles(dir: string): Promise<string[]> {
  const all = await readdir(dir, { recursive: true });
  return all.filter((p) => TEMP_FILE_RE.test(p.split('/').pop()!));
}

runBackendContract({
  name: 'local',
  async create() {
    const root = await mkdtemp(join(tmpdir(), 'rdav-contract-'));
    return {
      backend: createLocalBackend(root),
      cleanup: () => rm(root, { recursive: true, force: true }),
      leftovers: () => tempFiles(root),
    };
  },
});

describe('local backend only', () => {
  let base: string;
  let root: string;
  let b: Backend;
  before(async () => {
    base = await mkdtemp(join(tmpdir(), 'rdav-local-'));
    root = join(base, 'root');
    await mkdir(root);
    await mkdir(join(base, 'outside'));
    await writeFile(join(base, 'outside', 'secret.txt'), 'secret');
    await symlink(join(base, 'outside'), join(root, 'escape'));
    await symlink(join(base, 'outside', 'secret.txt'), join(root, 'escape.txt'));
    await mkdir(join(root, 'inside'));
    await symlink(join(root, 'inside'), join(root, 'alias'));
    b = createLocalBackend(root);
  });
  after(() => rm(base, { recursive: true, force: true }));

  const refused = async (p: Promise<unknown>) =>
    assert.rejects(p, (e: unknown) => isVfsError(e, 'EACCES'));

  it('refuses symlinks that leave the root', async () => {
    await refused(b.stat('escape/secret.txt'));
    await refused(b.read('escape/secret.txt'));
    await refused(b.read('escape.txt'));
    await refused(put(b, 'escape/new.txt', 'x'));
    await refused(b.mkdir('escape/dir'));
    await refused(b.remove('escape/secret.txt'));
    await refused(b.copy('escape/secret.txt', 'stolen.txt'));
    await refused((async () => { for await (const _ of b.list('escape')) void _; })());
    assert.deepEqual(await readdir(join(base, 'outside')), ['secret.txt']);
  });

  it('follows symlinks that stay inside the root', async () => {
    await put(b, 'alias/in.txt', 'inside');
    assert.equal((await get(b, 'inside/in.txt')).toString(), 'inside');
  });

  it('removes its temp file when the body is cut, and never lists temp files', async () => {
    await put(b, 'inside/keep.bin', 'old');
    let seenTemp = false;
    const body = new Readable({
      read() {
        if (seenTemp) return void this.destroy(new Error('cut'));
        this.push(Buffer.alloc(64 * 1024));
        // While the upload is in flight, its temp file exists on disk but not in listings.
        void tempFiles(root).then(async (t) => {
          if (t.length === 0) return;
          const listed: string[] = [];
          for await (const e of b.list('inside')) listed.push(e.path);
          assert.deepEqual(listed, ['inside/in.txt', 'inside/keep.bin']);
          seenTemp = true;
        });
      },
    });
    await assert.rejects(b.write('inside/keep.bin', body), (e: unknown) => isVfsError(e));
    assert.ok(seenTemp, 'a temp file existed while uploading');
    assert.deepEqual(await tempFiles(root), []);
    assert.equal((await get(b, 'inside/keep.bin')).toString(), 'old');
  });

  it('sweeps old temp files only', async () => {
    const old = join(root, 'inside', '.rdav-0123456789abcdef.tmp');
    const fresh = join(root, '.rdav-fedcba9876543210.tmp');
    await writeFile(old, 'x');
    await writeFile(fresh, 'y');
    const past = new Date(Date.now() - 3600_000);
    await utimes(old, past, past);
    assert.equal(await sweepTempFiles(root, 60_000), 1);
    assert.deepEqual(await tempFiles(root), ['.rdav-fedcba9876543210.tmp']);
    await rm(fresh);
  });

  it('reports quota from statfs', async () => {
    const q = await b.quota!();
    assert.ok(typeof q.available === 'number' && q.available > 0);
    assert.ok(typeof q.used === 'number' && q.used > 0);
  });

  it('passes chunks to onChunk in order', async () => {
    const parts: string[] = [];
    await b.write('inside/chunks.txt', Readable.from([Buffer.from('ab'), Buffer.from('cd')]), { onChunk: (c) => parts.push(c.toString()) });
    assert.equal(parts.join(''), 'abcd');
  });
});
