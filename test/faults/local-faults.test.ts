/**
 * Faults on the daemon's own side (child process): disk full on a local category (tmpfs),
 * clients disconnecting mid-transfer ×200 (fds and RSS of the child), two PUTs racing on one path,
 * a GET during a PUT, and locks holding against every user without the token.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { s3Gap } from '../helpers/s3-capabilities.ts';
import { startChildDaemon, type ChildDaemon } from '../helpers/child-daemon.ts';
import { basicAuth, makeWorld, send, type World } from '../helpers/world.ts';
import { MiB, patternBody, patternSha256, startPut } from '../helpers/uploads.ts';

const W = { authorization: basicAuth('writer') };
const R = { authorization: basicAuth('reader') };
const A = { authorization: basicAuth('admin') };
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const TEMP = /^\.rdav-[0-9a-f]{16}\.tmp$/;

function tryMountTmpfs(dir: string): string | undefined {
  mkdirSync(dir, { recursive: true });
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=8m', 'tmpfs', dir], { stdio: 'pipe' });
    return undefined;
  } catch (e) {
    return `cannot mount a tmpfs (${String((e as Error).message).split('\n')[0]}); disk-full test skipped`;
  }
}

describe('local faults', { timeout: 180_000 }, () => {
  let world: World;
  let d: ChildDaemon;
  let fullDir = '';
  let mountSkip: string | undefined;
  const cats = () => ['files', ...world.s3Slugs.filter((s) => s === 's3')];

  before(async () => {
    world = await makeWorld({ name: 'local-faults' });
    fullDir = join(world.dir, 'full');
    mountSkip = tryMountTmpfs(fullDir);
    const categories = world.config.categories as Record<string, unknown>[];
    categories.push({ slug: 'full', directory: fullDir, access: { read: ['@readers'], write: ['@writers'] } });
    d = await startChildDaemon(world.dir, world.config);
    for (const c of ['files', 'full', ...world.s3Slugs]) assert.equal((await send('MKCOL', d.dav, `/${c}/rel/`, { headers: W })).status, 201);
  });
  after(async () => {
    await d?.stop();
    if (!mountSkip) { try { execFileSync('umount', [fullDir]); } catch { /* busy: left for the OS */ } }
    await world?.cleanup();
  });

  test('disk full on a local category → 507, old file intact, temp file removed', async (t) => {
    if (mountSkip) { t.skip(mountSkip); return; }
    const old = Buffer.from('old content that must survive\n');
    assert.equal((await send('PUT', d.dav, '/full/rel/big.bin', { headers: W, body: old })).status, 201);
    const size = 12 * MiB;
    for (const h of [{ 'content-length': String(size) }, {}] as Record<string, string>[]) {
      const r = await startPut(d.dav, '/full/rel/big.bin', patternBody(size, 5).stream, { ...W, ...h }).response;
      await sleep(300);
      const logged = d.lines.filter((l) => l.method === 'PUT' && l.path === '/full/rel/big.bin').at(-1);
      // The status the daemon sent (the next test checks the client always reads it).
      assert.ok(r.status === 507 || (r.status === 0 && logged?.status === 507), `507 expected, client saw ${r.status}, daemon logged ${logged?.status}`);
      assert.ok(d.lines.some((l) => l.level >= 40 && /ENOSPC|Insufficient|space/i.test(JSON.stringify(l))) || logged?.status === 507);
    }
    assert.equal(sha(readFileSync(join(fullDir, 'rel', 'big.bin'))), sha(old), 'old file intact');
    assert.deepEqual(readdirSync(join(fullDir, 'rel')).filter((n) => TEMP.test(n)), [], 'temp file removed');
    const got = await send('GET', d.dav, '/full/rel/big.bin', { headers: R });
    assert.equal(sha(got.body), sha(old));
    assert.equal((await send('PUT', d.dav, '/full/rel/small.txt', { headers: W, body: 'still writable\n' })).status, 201, 'space is back after the failed upload');
  });

  test('disk full: the uploading client always receives the 507 (6 tries, with and without Content-Length)', async (t) => {
    if (mountSkip) { t.skip(mountSkip); return; }
    const size = 12 * MiB;
    const seen: number[] = [];
    for (let i = 0; i < 3; i++) {
      for (const h of [{ 'content-length': String(size) }, {}] as Record<string, string>[]) seen.push((await startPut(d.dav, '/full/rel/big.bin', patternBody(size, 6).stream, { ...W, ...h }).response).status);
    }
    t.diagnostic(`statuses the client saw (0 = connection reset before the status): ${JSON.stringify(seen)}`);
    assert.deepEqual(seen, seen.map(() => 507));
    assert.deepEqual(readdirSync(join(fullDir, 'rel')).filter((n) => TEMP.test(n)), [], 'temp file removed');
  });

  test('client disconnects mid-upload and mid-download ×200: no growth of open fds or memory', async () => {
    const big = patternBody(8 * MiB, 9);
    assert.equal((await startPut(d.dav, '/files/rel/dl.bin', big.stream, { ...W, 'content-length': String(8 * MiB) }).response).status, 201);
    const round = async (i: number) => {
      // Upload cut after ~1 MiB.
      const b = patternBody(4 * MiB, i, 1 * MiB);
      const up = startPut(d.dav, `/files/rel/cut-${i % 5}.bin`, b.stream, { ...W, 'content-length': String(4 * MiB) });
      await b.reached;
      await sleep(5);
      up.destroy();
      // Download cut after the first bytes.
      await new Promise<void>((res) => {
        const u = new URL(d.dav);
        const s = net.connect(Number(u.port), u.hostname, () => {
          s.write(`GET /files/rel/dl.bin HTTP/1.1\r\nHost: x\r\nAuthorization: ${R.authorization}\r\n\r\n`);
        });
        s.once('data', () => { s.destroy(); res(); });
        s.on('error', () => res());
        s.on('close', () => res());
      });
    };
    for (let i = 0; i < 10; i++) await round(i); // warm-up
    await sleep(500);
    const fd0 = d.fdCount();
    const rss0 = d.rssKiB();
    const t0 = Date.now();
    for (let i = 0; i < 200; i++) await round(i);
    await sleep(1500);
    const fd1 = d.fdCount();
    const rss1 = d.rssKiB();
    console.log(`# disconnects ×200 in ${Date.now() - t0} ms: fds ${fd0} → ${fd1}, RSS ${Math.round(rss0 / 1024)} → ${Math.round(rss1 / 1024)} MiB`);
    assert.ok(fd1 - fd0 <= 5, `open fds grew from ${fd0} to ${fd1}`);
    assert.ok(rss1 - rss0 < 64 * 1024, `RSS grew by ${Math.round((rss1 - rss0) / 1024)} MiB`);
    // A cut upload removes its temp file once its write stream closed; on a loaded machine the last
    // rounds' clean-up may still be under way here (seen once in CI: one file, no fd open), so the
    // check waits a bounded while for it — a file that stays is still a failure.
    const temps = () => readdirSync(join(world.localRoot, 'files', 'rel')).filter((n) => TEMP.test(n));
    for (const until = Date.now() + 5000; temps().length && Date.now() < until;) await sleep(100);
    assert.deepEqual(temps(), [], 'no temp file left by cut uploads');
    const ok = await send('GET', d.dl, '/healthz');
    assert.equal(ok.status, 200);
  });

  test('two clients PUT the same path at once → one complete version wins', async (t) => {
    const overwriteGap = s3Gap('atomicOverwrite');
    if (overwriteGap && cats().includes('s3')) t.diagnostic(`s3 category left out: ${overwriteGap}`);
    for (const c of cats().filter((c) => c !== 's3' || !overwriteGap)) {
      for (let round = 0; round < 3; round++) {
        const size = 6 * MiB;
        const seeds = [100 + round * 2, 101 + round * 2];
        const ups = seeds.map((s) => startPut(d.dav, `/${c}/rel/race.bin`, patternBody(size, s).stream, { ...W, 'content-length': String(size) }));
        const results = await Promise.all(ups.map((u) => u.response));
        assert.ok(results.some((r) => r.status === 201 || r.status === 204), `${c}: at least one PUT succeeded (${results.map((r) => r.status)})`);
        const got = await send('GET', d.dav, `/${c}/rel/race.bin`, { headers: R });
        assert.equal(got.body.length, size, `${c}: complete length`);
        assert.ok(seeds.map((s) => patternSha256(size, s)).includes(sha(got.body)), `${c}: the content is exactly one of the two uploads`);
      }
    }
  });

  test('a GET during a PUT returns the old or the new version, never a truncated one', async (t) => {
    const overwriteGap = s3Gap('atomicOverwrite');
    if (overwriteGap && cats().includes('s3')) t.diagnostic(`s3 category left out: ${overwriteGap}`);
    for (const c of cats().filter((c) => c !== 's3' || !overwriteGap)) {
      const size = 8 * MiB;
      const oldSha = patternSha256(size, 200);
      const newSha = patternSha256(size, 201);
      assert.ok([201, 204].includes((await startPut(d.dav, `/${c}/rel/swap.bin`, patternBody(size, 200).stream, { ...W, 'content-length': String(size) }).response).status));
      const b = patternBody(size, 201, 4 * MiB);
      const up = startPut(d.dav, `/${c}/rel/swap.bin`, b.stream, { ...W, 'content-length': String(size) });
      await b.reached;
      await sleep(200);
      const during = await send('GET', d.dav, `/${c}/rel/swap.bin`, { headers: R });
      assert.equal(during.status, 200);
      assert.equal(sha(during.body), oldSha, `${c}: mid-upload GET serves the complete old version`);
      const concurrent = send('GET', d.dav, `/${c}/rel/swap.bin`, { headers: R });
      b.release();
      assert.ok([201, 204].includes((await up.response).status));
      const racing = await concurrent;
      assert.ok([oldSha, newSha].includes(sha(racing.body)), `${c}: a GET racing the commit is old or new, complete`);
      await sleep(1100); // metadata cache TTL
      assert.equal(sha((await send('GET', d.dav, `/${c}/rel/swap.bin`, { headers: R })).body), newSha);
    }
  });

  test('a locked file cannot be overwritten, moved or deleted without its token, by any user (admin included)', async () => {
    for (const c of cats()) {
      const p = `/${c}/rel/locked.txt`;
      assert.equal((await send('PUT', d.dav, p, { headers: W, body: 'v1\n' })).status, 201);
      const lock = await send('LOCK', d.dav, p, {
        headers: { ...W, 'content-type': 'application/xml', timeout: 'Second-120' },
        body: '<?xml version="1.0"?><D:lockinfo xmlns:D="DAV:"><D:lockscope><D:exclusive/></D:lockscope><D:locktype><D:write/></D:locktype><D:owner>fault test</D:owner></D:lockinfo>',
      });
      assert.equal(lock.status, 200, lock.text);
      const token = String(lock.headers['lock-token']).replace(/^<|>$/g, '');
      assert.match(token, /\S/);
      for (const [who, h] of [['writer', W], ['admin', A]] as const) {
        const tries = [
          await send('PUT', d.dav, p, { headers: h, body: 'overwrite\n' }),
          await send('DELETE', d.dav, p, { headers: h }),
          await send('MOVE', d.dav, p, { headers: { ...h, destination: `${d.dav}/${c}/rel/moved.txt` } }),
          await send('PUT', d.dav, `/${c}/rel/other.txt`, { headers: h, body: 'other\n' }),
          await send('MOVE', d.dav, `/${c}/rel/other.txt`, { headers: { ...h, destination: `${d.dav}${p}`, overwrite: 'T' } }),
          await send('PROPPATCH', d.dav, p, { headers: { ...h, 'content-type': 'application/xml' }, body: '<?xml version="1.0"?><D:propertyupdate xmlns:D="DAV:" xmlns:Z="urn:t"><D:set><D:prop><Z:x>1</Z:x></D:prop></D:set></D:propertyupdate>' }),
        ];
        const [put, del, move, , moveOnto, proppatch] = tries;
        for (const [what, r] of [['PUT', put], ['DELETE', del], ['MOVE away', move], ['MOVE onto', moveOnto], ['PROPPATCH', proppatch]] as const) {
          assert.equal(r!.status, 423, `${c}: ${who} ${what} without the token → 423 (got ${r!.status})`);
        }
      }
      assert.equal((await send('GET', d.dav, p, { headers: R })).text, 'v1\n', `${c}: content unchanged`);
      const withToken = await send('PUT', d.dav, p, { headers: { ...W, if: `(<${token}>)` }, body: 'v2\n' });
      assert.equal(withToken.status, 204, `${c}: the holder with the token may write`);
      assert.equal((await send('UNLOCK', d.dav, p, { headers: { ...W, 'lock-token': `<${token}>` } })).status, 204);
      assert.equal((await send('DELETE', d.dav, p, { headers: A })).status, 204, `${c}: unlocked → admin may delete`);
    }
  });
});
