/**
 * SIGHUP while a 200 MiB WebDAV upload is in flight: the upload completes intact, the new
 * permissions apply to the next request, and an invalid config is rejected (old one stays).
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createReadStream, readFileSync, writeFileSync, readdirSync } from 'node:fs';
import { allCapturedLogs, http, startDaemon, stopDaemon } from './daemon.ts';
import { LINK_SECRET, makeFixture, PASSWORDS } from './config-fixture.ts';
import { heldUpload, MiB } from './upload-source.ts';
import { assertNoSecrets } from './secrets.ts';

const env = { RDAV_TEST_LINK_SECRET: LINK_SECRET };
after(() => assertNoSecrets(allCapturedLogs.join('')));

async function sha256File(p: string): Promise<string> {
  const h = createHash('sha256');
  for await (const c of createReadStream(p)) h.update(c as Buffer);
  return h.digest('hex');
}

test('SIGHUP during a 200 MiB upload: upload intact, new rules for the next request, invalid reload ignored', { timeout: 180_000 }, async () => {
  const fx = await makeFixture('reload');
  const d = await startDaemon(fx.write({ bobMayWrite: true }), { env });
  const base = `http://127.0.0.1:${fx.webdavPort}`;
  const bob = `bob:${PASSWORDS.bob}`;
  const alice = `alice:${PASSWORDS.alice}`;
  try {
    assert.equal((await http('MKCOL', `${base}/stable/1.0/`, { auth: alice })).status, 201);
    const size = 200 * MiB;
    const up = heldUpload(size, 64 * MiB);
    const put = http('PUT', `${base}/stable/1.0/big.bin`, { auth: bob, body: up.body, headers: { 'content-length': String(size) } });
    await up.reachedHold;

    // Take bob's write permission away while his upload is in flight.
    fx.write({ bobMayWrite: false });
    d.child.kill('SIGHUP');
    await d.waitForLog((l) => l.msg === 'config reloaded', 20_000, 'config reloaded');

    up.release();
    const res = await put;
    assert.ok(res.status === 201 || res.status === 204, `upload finished with ${res.status}: ${res.body}`);
    const stored = `${fx.dataRoot}/stable/1.0/big.bin`;
    assert.equal(await sha256File(stored), up.sha256, 'the file is complete and intact');

    // The next request sees the new rules.
    const denied = await http('PUT', `${base}/stable/1.0/after.txt`, { auth: bob, body: 'x' });
    assert.equal(denied.status, 403, `bob may no longer write: ${denied.status}`);
    const allowed = await http('PUT', `${base}/stable/1.0/after.txt`, { auth: alice, body: 'y' });
    assert.ok(allowed.status === 201 || allowed.status === 204, `alice still may: ${allowed.status}`);

    // An invalid config is rejected with one log line; the previous config stays in force.
    const good = readFileSync(fx.file, 'utf8');
    writeFileSync(fx.file, good.replace('drainSeconds: 30', 'drainSeconds: -5'));
    d.child.kill('SIGHUP');
    const rejected = await d.waitForLog((l) => l.msg.startsWith('config reload rejected'), 20_000, 'reload rejected');
    assert.match(rejected.msg, /config\.yaml:\d+: lifecycle\.drainSeconds: /);
    assert.equal(rejected.level, 50, 'logged as an error');
    const stillDenied = await http('PUT', `${base}/stable/1.0/after2.txt`, { auth: bob, body: 'x' });
    assert.equal(stillDenied.status, 403);
    const stillAllowed = await http('PUT', `${base}/stable/1.0/after2.txt`, { auth: alice, body: 'y' });
    assert.ok(stillAllowed.status === 201 || stillAllowed.status === 204, `old config still serves: ${stillAllowed.status}`);

    // A valid config that gives the permission back applies again.
    fx.write({ bobMayWrite: true });
    d.child.kill('SIGHUP');
    await d.waitForLog((l) => l.msg === 'config reloaded' && l.generation === 2, 20_000, 'second reload');
    const back = await http('PUT', `${base}/stable/1.0/after3.txt`, { auth: bob, body: 'x' });
    assert.ok(back.status === 201 || back.status === 204, `bob may write again: ${back.status}`);

    assert.deepEqual(readdirSync(`${fx.dataRoot}/stable/1.0`).filter((n) => n.endsWith('.tmp')), [], 'no temp files left');
  } finally {
    const { code } = await stopDaemon(d);
    assert.equal(code, 0, d.raw());
  }
});
