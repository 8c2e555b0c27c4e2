/**
 * Security against the real daemon (child process): the who-can-do-what matrix (every cell),
 * hostile paths on both listeners, brute force, bucket privacy on RGW, a secret scan of every
 * captured output, and npm audit.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { symlinkSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { startChildDaemon, type ChildDaemon } from '../helpers/child-daemon.ts';
import { basicAuth, makeWorld, send, type TestUser, type World } from '../helpers/world.ts';
import { skipUnlessS3Can } from '../helpers/s3-capabilities.ts';

const DLID = '0123456789abcdef0123456789abcdef';
const LINK_SECRET = 'link-secret-for-tests-0123456789-abcdefgh';
const who: (TestUser | 'anonymous')[] = ['anonymous', 'reader', 'writer', 'admin'];
const auth = (u: TestUser | 'anonymous'): Record<string, string> => (u === 'anonymous' ? {} : { authorization: basicAuth(u) });

describe('security', { timeout: 180_000 }, () => {
  let world: World;
  let d: ChildDaemon;
  let cats: string[];
  const scanned: string[] = [];

  before(async () => {
    world = await makeWorld({ name: 'security', userExtras: { reader: { downloadKey: DLID } } });
    const cfg = world.config as { categories: Record<string, unknown>[]; links?: unknown };
    // Downloads restricted to readers, so the matrix shows who may download.
    for (const c of cfg.categories) (c.access as Record<string, unknown>).download = ['@readers'];
    cfg.links = { secret: LINK_SECRET };
    d = await startChildDaemon(world.dir, cfg);
    cats = ['files', 'edge', ...world.s3Slugs];
    for (const c of cats) {
      assert.equal((await send('MKCOL', d.dav, `/${c}/1.0/`, { headers: auth('admin') })).status, 201);
      assert.equal((await send('PUT', d.dav, `/${c}/1.0/app.bin`, { headers: auth('admin'), body: 'payload\n' })).status, 201);
    }
    symlinkSync('/etc', join(world.localRoot, 'files', 'escape'));
    symlinkSync('/etc/passwd', join(world.localRoot, 'files', '1.0', 'passwd'));
  });
  after(async () => {
    await d?.stop();
    await world?.cleanup();
  });

  // Expected results: normal and bleeding-edge categories share the access rules
  // (read @readers, write @writers, download @readers; admin everything).
  const expectRead = { anonymous: 401, reader: 207, writer: 207, admin: 207 };
  const expectWrite = { anonymous: 401, reader: 403, writer: 201, admin: 201 };
  const expectDl = { anonymous: 401, reader: 'ok', writer: 'ok', admin: 'ok' };

  test('who can do what: every cell (WebDAV read, WebDAV write, download) × user × category kind × storage', async () => {
    const rows: string[] = [];
    for (const c of cats) {
      for (const u of who) {
        const read = await send('PROPFIND', d.dav, `/${c}/1.0/`, { headers: { ...auth(u), depth: '1' } });
        const write = await send('PUT', d.dav, `/${c}/1.0/by-${u}.txt`, { headers: auth(u), body: 'x\n' });
        const dl = await send('GET', d.dl, `/dl/${c}/1.0/app.bin`, { headers: auth(u) });
        const dlOk = dl.status === 200 || dl.status === 302;
        rows.push(`${c} ${u}: read ${read.status} write ${write.status} dl ${dl.status}`);
        assert.equal(read.status, expectRead[u], `${c} ${u} read`);
        assert.equal(write.status, expectWrite[u], `${c} ${u} write`);
        if (expectDl[u] === 'ok') assert.ok(dlOk, `${c} ${u} download → ${dl.status}`);
        else assert.equal(dl.status, expectDl[u], `${c} ${u} download`);
      }
      const byKey = await send('GET', d.dl, `/dl/${c}/1.0/app.bin?dlid=${DLID}`);
      assert.ok(byKey.status === 200 || byKey.status === 302, `${c}: reader's download key works`);
      const badKey = await send('GET', d.dl, `/dl/${c}/1.0/app.bin?dlid=${'f'.repeat(32)}`);
      assert.ok(badKey.status === 401 || badKey.status === 403, `${c}: an unknown download key is refused`);
    }
    console.log(rows.map((r) => `# ${r}`).join('\n'));
  });

  test('hostile paths are refused on both listeners', async () => {
    const A = auth('admin');
    const dav = [
      '/files/../../etc/passwd', '/files/%2e%2e/%2e%2e/etc/passwd', '/files/1.0/%00.txt', '/files/1.0/a%5c..%5c..%5cetc',
      '/files/1.0/..%2f..%2fetc', '/files/escape/passwd', '/files/1.0/passwd', `/files/1.0/${'n'.repeat(300)}`, `/files/${'d/'.repeat(3000)}x`,
    ];
    for (const p of dav) {
      const r = await send('GET', d.dav, p, { headers: A });
      assert.ok([400, 403, 404, 414, 431].includes(r.status), `WebDAV GET ${p.slice(0, 60)} → ${r.status}`);
      assert.ok(!/root:.*:0:0:/.test(r.text), 'never /etc/passwd');
    }
    const put = await send('PUT', d.dav, `/files/1.0/${'n'.repeat(300)}`, { headers: A, body: 'x' });
    assert.ok(put.status >= 400 && put.status < 500, `over-long name PUT → ${put.status}`);
    const other = await send('COPY', d.dav, '/files/1.0/app.bin', { headers: { ...A, destination: 'http://evil.example.com/files/1.0/x.bin' } });
    assert.ok([400, 403, 502].includes(other.status), `Destination on another host → ${other.status}`);
    const travDest = await send('MOVE', d.dav, '/files/1.0/app.bin', { headers: { ...A, destination: `${d.dav}/files/../../tmp/x` } });
    assert.ok(travDest.status >= 400 && travDest.status < 500, `Destination traversal → ${travDest.status}`);
    const dl = ['/dl/files/../../etc/passwd', '/dl/files/%2e%2e/%2e%2e/etc/passwd', '/dl/files/1.0/%00', '/dl/files/1.0/a%5cb', '/dl/files/escape/passwd',
      '/dl/files/1.0/passwd', `/dl/files/1.0/${'n'.repeat(300)}`, `/files/${'d/'.repeat(3000)}`, '/files/%2e%2e/', '/api/v1/../../etc/passwd'];
    for (const p of dl) {
      const r = await send('GET', d.dl, p, { headers: A });
      assert.ok([400, 403, 404, 414, 431].includes(r.status), `downloads GET ${p.slice(0, 60)} → ${r.status}`);
      assert.ok(!/root:.*:0:0:/.test(r.text), 'never /etc/passwd');
      scanned.push(r.text);
    }
  });

  test('brute force on WebDAV: repeated failed logins from one address → 429 and logged', async () => {
    const dir = await makeWorld({ name: 'brute', s3: false });
    const cfg = dir.config as { auth: { bruteForce: unknown } };
    cfg.auth.bruteForce = { maxFailures: 5, windowSeconds: 60, lockoutSeconds: 30 };
    const b = await startChildDaemon(dir.dir, cfg);
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 8; i++) statuses.push((await send('PROPFIND', b.dav, '/files/', { headers: { authorization: basicAuth('reader', 'wrong'), depth: '0' } })).status);
      assert.deepEqual(statuses.slice(0, 4), [401, 401, 401, 401]);
      assert.equal(statuses.at(-1), 429);
      const right = await send('PROPFIND', b.dav, '/files/', { headers: { authorization: basicAuth('reader'), depth: '0' } });
      assert.equal(right.status, 429, 'even the right password waits out the lockout');
      assert.ok(b.lines.some((l) => /locked out/.test(l.msg)), 'lockout logged');
      assert.ok(b.lines.some((l) => /login failed/.test(l.msg)), 'failures logged');
      scanned.push(b.output());
    } finally {
      await b.stop();
      await dir.cleanup();
    }
  });

  test('brute force on the downloads listener: repeated failed Basic logins or download keys → 429 and logged', async () => {
    const dir = await makeWorld({ name: 'brute-dl', s3: false });
    const cfg = dir.config as { auth: { bruteForce: unknown } };
    cfg.auth.bruteForce = { maxFailures: 5, windowSeconds: 60, lockoutSeconds: 30 };
    const b = await startChildDaemon(dir.dir, cfg);
    try {
      const statuses: number[] = [];
      // Pages and /dl share the guard: four bad passwords and one bad download key.
      for (let i = 0; i < 4; i++) statuses.push((await send('GET', b.dl, '/files/', { headers: { authorization: basicAuth('reader', 'wrong') } })).status);
      statuses.push((await send('GET', b.dl, `/files/?dlid=${'0'.repeat(32)}`)).status);
      const after = await send('GET', b.dl, '/files/', { headers: { authorization: basicAuth('reader') } });
      assert.ok(!statuses.includes(429), `no lockout before the limit: ${statuses}`);
      assert.equal(after.status, 429, 'even the right password waits out the lockout');
      assert.ok(Number(after.headers['retry-after']) > 0, 'Retry-After given');
      const anon = await send('GET', b.dl, '/');
      assert.equal(anon.status, 200, 'visitors without credentials are still served');
      assert.ok(b.lines.some((l) => /failed authentication/.test(l.msg)), 'failures logged');
      scanned.push(b.output());
    } finally {
      await b.stop();
      await dir.cleanup();
    }
  });

  test('the bucket stays private: unsigned GET refused, presigned URL expires, a signature cannot be reused for another key', { skip: skipUnlessS3Can('signatureChecks', 'acls') }, async () => {
    const key = `${world.prefix}s3/1.0/app.bin`;
    const env = world.env!;
    const unsigned = await fetch(`${env.endpoint}/${env.bucket}/${key}`);
    assert.equal(unsigned.status, 403, 'unsigned GET of an object uploaded through us');
    const r = await send('GET', d.dl, `/dl/s3/1.0/app.bin?dlid=${DLID}`);
    assert.equal(r.status, 302);
    const url = new URL(String(r.headers.location));
    assert.equal((await fetch(url)).status, 200, 'the presigned URL works');
    const other = new URL(url);
    other.pathname = other.pathname.replace('app.bin', 'by-admin.txt');
    assert.equal((await fetch(other)).status, 403, 'the signature does not fit another key');
    const expired = new URL(url);
    expired.searchParams.set('X-Amz-Date', '20200101T000000Z');
    assert.equal((await fetch(expired)).status, 403, 'an old signing date is refused');
    scanned.push(url.href.replace(/X-Amz-Signature=[0-9a-f]+/, ''));
  });

  test('secrets never appear in logs, errors, metrics or pages', async () => {
    const pages = await Promise.all(['/', '/files/', '/files/1.0/', '/metrics', '/api/v1/categories', '/readyz', '/nope'].map((p) => send('GET', d.dl, p, { headers: auth('admin') })));
    const davErr = await send('PROPFIND', d.dav, '/s3/nope/', { headers: { ...auth('admin'), depth: '1' } });
    const texts = [...pages.map((p) => p.text), davErr.text, d.output(), ...scanned];
    const env = world.env;
    const secrets = [LINK_SECRET, DLID, 'reader-pw-Q7x', 'writer-pw-K2m', 'admin-pw-Z9v', ...(env ? [env.secretAccessKey] : [])];
    assert.ok(d.output().length > 1000, 'there is output to scan');
    for (const s of secrets) {
      for (const t of texts) assert.ok(!t.includes(s), `secret ${s.slice(0, 4)}… found in captured output`);
    }
  });

  test('npm audit --omit=dev --audit-level=high passes', async (t) => {
    const repo = resolve(import.meta.dirname, '../..');
    const r = await new Promise<{ code: number; out: string }>((res) => execFile('npm', ['audit', '--omit=dev', '--audit-level=high'], { cwd: repo, timeout: 60_000 }, (err, stdout, stderr) => {
      res({ code: err ? Number((err as NodeJS.ErrnoException & { code?: unknown }).code) || 1 : 0, out: stdout + stderr });
    }));
    if (/ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ETIMEDOUT|network|audit endpoint returned an error/i.test(r.out) && r.code !== 0) {
      t.skip(`registry unreachable: ${r.out.split('\n').find((l) => l.trim()) ?? ''}`);
      return;
    }
    assert.equal(r.code, 0, r.out.slice(-2000));
  });
});
