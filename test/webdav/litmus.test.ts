/**
 * The Debian `litmus` WebDAV compliance suite against a local and an S3 category: every test of
 * basic, copymove, props, locks and http must pass (`litmus -k URL user pass`).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDaemon, USERS, type TestDaemon } from '../helpers/daemon.ts';
import { s3SkipReason } from './http.ts';

const LITMUS = '/usr/bin/litmus';
const SUITES = ['basic', 'copymove', 'props', 'locks', 'http'];

let d: TestDaemon;
before(async () => { d = await startDaemon(); });
after(async () => { await d?.close(); });

/** Per-suite "run / passed / failed" from litmus output. */
function summaries(out: string): Map<string, { run: number; passed: number; failed: number }> {
  const m = new Map<string, { run: number; passed: number; failed: number }>();
  for (const x of out.matchAll(/summary for `(\w+)': of (\d+) tests run: (\d+) passed, (\d+) failed/g)) {
    m.set(x[1]!, { run: Number(x[2]), passed: Number(x[3]), failed: Number(x[4]) });
  }
  return m;
}

/** Runs litmus in a temp dir (it writes debug.log/child.log into its cwd); output plus the debug log's tail. */
function runLitmus(url: string): Promise<{ out: string; debugTail: string }> {
  const cwd = mkdtempSync(join(tmpdir(), 'rdav-litmus-'));
  return new Promise((resolve) => {
    execFile(LITMUS, ['-k', url, 'alice', USERS.alice], { cwd, timeout: 240_000, maxBuffer: 8 << 20 }, (_err, stdout, stderr) => {
      let debugTail = '';
      try { debugTail = readFileSync(join(cwd, 'debug.log'), 'utf8').slice(-4000); } catch { /* none */ }
      rmSync(cwd, { recursive: true, force: true });
      resolve({ out: String(stdout) + String(stderr), debugTail });
    });
  });
}

const noLitmus = existsSync(LITMUS) ? false : 'litmus is not installed (apt-get install litmus)';
const skip = s3SkipReason();

for (const c of ['files', 's3']) {
  test(`litmus passes every test of ${SUITES.join(', ')} on the ${c === 'files' ? 'local' : 'S3'} category`, { skip: noLitmus || (c === 's3' ? skip : false), timeout: 300_000 }, async () => {
    const { out, debugTail } = await runLitmus(`${d.origin}/${c}/`);
    const s = summaries(out);
    const failures = out.split('\n').filter((l) => /\bFAIL\b/.test(l));
    for (const suite of SUITES) {
      const r = s.get(suite);
      assert.ok(r, `no summary for ${suite}:\n${out.slice(-2000)}`);
      assert.equal(r.failed, 0, `${suite}: ${r.failed} failed\n${failures.join('\n')}\n--- debug.log tail ---\n${debugTail}`);
      assert.equal(r.passed, r.run, suite);
    }
    console.log(`# litmus ${c}: ` + SUITES.map((x) => `${x} ${s.get(x)!.passed}/${s.get(x)!.run}`).join(', '));
  });
}
