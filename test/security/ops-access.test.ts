/**
 * /metrics and /readyz on the real daemon (child process, disk and S3 categories) answer only to
 * downloads.ops.allowFrom or the ops bearer token (read with `tokenFile:`); /healthz stays open and
 * says only "ok". A non-loopback-like source on one machine: the daemon binds 127.0.0.1, the allow
 * list names 127.0.0.2, and requests come from 127.0.0.1 or 127.0.0.2 (loopback is all of 127/8).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startChildDaemon, type ChildDaemon } from '../helpers/child-daemon.ts';
import { makeWorld, send, type World } from '../helpers/world.ts';

const TOKEN = 'ops-token-5f1c2a9e7b3d40c8a6e2';

describe('operations endpoints are private', { timeout: 120_000 }, () => {
  let world: World;
  let d: ChildDaemon;

  before(async () => {
    world = await makeWorld({ name: 'ops' });
    const tokenFile = join(world.dir, 'ops-token');
    writeFileSync(tokenFile, `${TOKEN}\n`, { mode: 0o600 });
    d = await startChildDaemon(world.dir, {
      ...world.config,
      // trustProxy on, but the only proxy is 127.0.0.3: X-Forwarded-For from anyone else counts for nothing.
      downloads: { trustProxy: true, trustedProxies: ['127.0.0.3/32'], ops: { allowFrom: ['127.0.0.2/32'], tokenFile } },
    });
  });
  after(async () => {
    await d?.stop();
    await world?.cleanup();
  });

  test('not from an allowed address: 403, also with a forged X-Forwarded-For or a wrong token', async () => {
    for (const path of ['/metrics', '/readyz']) {
      const attempts: Record<string, string>[] = [
        {}, { 'x-forwarded-for': '127.0.0.2' }, { authorization: 'Bearer wrong-token-0000000000' },
        { authorization: `Basic ${Buffer.from(`x:${TOKEN}`).toString('base64')}` }, { authorization: `Bearer ${TOKEN}x` },
      ];
      for (const headers of attempts) {
        const r = await send('GET', d.dl, path, { headers, localAddress: '127.0.0.1' });
        assert.equal(r.status, 403, `${path} ${JSON.stringify(headers)}`);
        assert.doesNotMatch(r.text, /releasedav_|files|s3/, 'nothing about the server in the refusal');
      }
    }
  });

  test('from an allowed address: 200; with the bearer token from anywhere: 200', async () => {
    const ways: [string, Record<string, string>][] = [['127.0.0.2', {}], ['127.0.0.1', { authorization: `Bearer ${TOKEN}` }], ['127.0.0.1', { authorization: `bearer  ${TOKEN}` }]];
    for (const [from, headers] of ways) {
      const m = await send('GET', d.dl, '/metrics', { headers, localAddress: from });
      assert.equal(m.status, 200, `/metrics from ${from} ${JSON.stringify(headers)}`);
      assert.match(m.text, /^# HELP releasedav_/m);
      const r = await send('GET', d.dl, '/readyz', { headers, localAddress: from });
      assert.equal(r.status, 200, `/readyz from ${from}: ${r.text}`);
      const ready = JSON.parse(r.text);
      assert.equal(ready.ready, true, `every category answers (files${world.s3Slugs.length ? ', s3' : ''}): ${r.text}`);
      assert.equal(ready.failing, undefined);
    }
  });

  test('/healthz stays open and says only up', async () => {
    const r = await send('GET', d.dl, '/healthz', { localAddress: '127.0.0.1', headers: { 'x-forwarded-for': '198.51.100.1' } });
    assert.equal(r.status, 200);
    assert.equal(r.text, 'ok\n');
  });

  test('plain listener: no HSTS; the token never reaches the output', async () => {
    const r = await send('GET', d.dl, '/');
    assert.equal(r.headers['strict-transport-security'], undefined);
    assert.ok(!d.output().includes(TOKEN), 'ops token in the daemon output');
  });
});
