/**
 * Two daemons behind a real HAProxy (round robin per request, no stickiness) over one folder and
 * one real Redis: litmus passes through the balancer, and a lock taken through one request is
 * honoured by the next (which the balancer sends to the other instance). The real clients'
 * sequences through the same setup: haproxy-clients.test.ts.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { TestHaproxy } from '../helpers/haproxy.ts';
import { skipUnlessS3 } from '../helpers/s3env.ts';
import { assertLitmusPasses, LITMUS_SKIP_REASON } from '../helpers/litmus.ts';
import { BALANCED_SKIP_REASON, startBalancedPair, type BalancedPair } from './balanced.ts';

const skip = BALANCED_SKIP_REASON || LITMUS_SKIP_REASON;
const LOCKINFO = '<?xml version="1.0"?><D:lockinfo xmlns:D="DAV:"><D:lockscope><D:exclusive/></D:lockscope><D:locktype><D:write/></D:locktype></D:lockinfo>';

describe('two instances behind HAProxy', { skip: skip || undefined }, () => {
  let pair: BalancedPair;
  let lb: TestHaproxy;
  before(async () => {
    pair = await startBalancedPair('haproxy:');
    lb = pair.lb;
  });
  after(async () => { await pair?.close(); });

  it('LOCK, then PUT without the token (423) and with it, then UNLOCK: each request on the next instance', async () => {
    const lock = await fetch(`${lb.url}/files/split.txt`, { method: 'LOCK', body: LOCKINFO });
    assert.equal(lock.status, 201);
    const token = lock.headers.get('lock-token')!;
    for (let i = 0; i < 4; i++) assert.equal((await fetch(`${lb.url}/files/split.txt`, { method: 'PUT', body: 'no token' })).status, 423);
    for (let i = 0; i < 4; i++) assert.equal((await fetch(`${lb.url}/files/split.txt`, { method: 'PUT', body: `v${i}`, headers: { If: `(${token})` } })).status, 204);
    assert.equal((await fetch(`${lb.url}/files/split.txt`, { method: 'UNLOCK', headers: { 'Lock-Token': token } })).status, 204);
    for (let i = 0; i < 2; i++) assert.equal(await (await fetch(`${lb.url}/files/split.txt`)).text(), 'v3');
  });

  for (const c of ['files', 's3']) it(`litmus passes every test of basic, copymove, props, locks and http through the balancer (${c === 'files' ? 'local' : 'S3'} category)`, { timeout: 300_000, skip: c === 's3' ? skipUnlessS3() : false }, async () => {
    console.log(`# litmus through HAProxy (${c}): ${await assertLitmusPasses(`${lb.url}/${c}/`)}`);
  });
});
