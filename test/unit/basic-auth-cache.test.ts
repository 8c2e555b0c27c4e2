/** BasicVerifier.verifyHeader: remembered successes, never remembered failures, hash changes miss at once. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BasicVerifier } from '../../src/auth/basic.ts';
import { hashPassword } from '../../src/auth/passwords.ts';
import type { UserConfig } from '../../src/config/schema.ts';

const header = (user: string, password: string) => 'Basic ' + Buffer.from(`${user}:${password}`).toString('base64');
const user = async (password: string) => ({ password: await hashPassword(password), groups: [], admin: false }) as unknown as UserConfig;

describe('BasicVerifier.verifyHeader', () => {
  it('accepts the right password again and again, refuses a wrong one every time', async () => {
    const v = new BasicVerifier();
    const users = { alice: await user('s3cret') };
    assert.equal(await v.verifyHeader(header('alice', 's3cret'), users), 'alice');
    assert.equal(await v.verifyHeader(header('alice', 's3cret'), users), 'alice');
    assert.equal(await v.verifyHeader(header('alice', 'wrong'), users), null);
    assert.equal(await v.verifyHeader(header('alice', 'wrong'), users), null);
    assert.equal(await v.verifyHeader(header('bob', 's3cret'), users), null);
    assert.equal(await v.verifyHeader('Basic !!!', users), null);
  });

  it('forgets a remembered header once the password hash changes or the user is removed', async () => {
    const v = new BasicVerifier();
    const h = header('alice', 'old');
    assert.equal(await v.verifyHeader(h, { alice: await user('old') }), 'alice');
    assert.equal(await v.verifyHeader(h, { alice: await user('new') }), null);
    assert.equal(await v.verifyHeader(h, {}), null);
  });

  it('forgets after the time to live', async () => {
    const v = new BasicVerifier({ ttlMs: 1 });
    const users = { alice: await user('pw') };
    const h = header('alice', 'pw');
    assert.equal(await v.verifyHeader(h, users), 'alice');
    await new Promise((r) => setTimeout(r, 5));
    users.alice = await user('other');
    assert.equal(await v.verifyHeader(h, users), null);
  });
});
