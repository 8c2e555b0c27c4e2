/**
 * Runs the real litmus (Debian package `litmus`) against a WebDAV collection URL and asserts that
 * every test of its suites (basic, copymove, props, locks, http) passed.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const LITMUS = '/usr/bin/litmus';
/** Why litmus tests are skipped, or false when it is installed. */
export const LITMUS_SKIP_REASON: string | false = existsSync(LITMUS) ? false : 'litmus is not installed';

/**
 * Runs litmus on `url` (a collection, trailing slash) and fails unless all five suites ran with 0 failures.
 * @returns one summary line, e.g. "basic 16/16, copymove 13/13, …"
 * @throws AssertionError naming the failed tests
 */
export async function assertLitmusPasses(url: string): Promise<string> {
  const cwd = mkdtempSync(join(tmpdir(), 'rdav-litmus-'));
  const out = await new Promise<string>((resolve) => {
    execFile(LITMUS, ['-k', url], { cwd, timeout: 240_000, maxBuffer: 8 << 20 }, (_e, so, se) => resolve(String(so) + String(se)));
  });
  rmSync(cwd, { recursive: true, force: true });
  const sums = [...out.matchAll(/summary for `(\w+)': of (\d+) tests run: (\d+) passed, (\d+) failed/g)];
  assert.deepEqual(sums.map((m) => m[1]), ['basic', 'copymove', 'props', 'locks', 'http'], out.slice(-2000));
  const failures = out.split('\n').filter((l) => /\bFAIL\b/.test(l));
  for (const m of sums) assert.equal(m[4], '0', `${m[1]}: ${m[4]} failed\n${failures.join('\n')}`);
  return sums.map((m) => `${m[1]} ${m[3]}/${m[2]}`).join(', ');
}
