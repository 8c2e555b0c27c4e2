/**
 * The "no secret in any log line" check, shared by the lifecycle tests.
 */
import assert from 'node:assert/strict';
import { LINK_SECRET, PASSWORDS } from './config-fixture.ts';

/** Every secret a lifecycle test hands the daemon, in the forms it could leak in. */
export function testSecrets(extra: string[] = []): string[] {
  const out: string[] = [LINK_SECRET, ...Object.values(PASSWORDS), ...extra];
  for (const [user, pw] of Object.entries(PASSWORDS)) out.push(Buffer.from(`${user}:${pw}`).toString('base64'));
  const s3 = process.env.RDAV_TEST_S3_SECRET_KEY;
  if (s3) out.push(s3);
  return out;
}

/** Fails if any secret occurs in `logs`; also fails on an empty capture (the scan must see something). */
export function assertNoSecrets(logs: string, extra: string[] = []): void {
  assert.ok(logs.length > 0, 'no log output was captured');
  for (const s of testSecrets(extra)) assert.ok(!logs.includes(s), `a secret appeared in the logs: ${s.slice(0, 4)}…`);
  assert.doesNotMatch(logs, /[?&](sig|X-Amz-Signature|X-Amz-Credential|dlid)=(?!\[redacted\])/i, 'signed query strings are redacted');
}
