/**
 * rclone (Debian package) as a WebDAV client: copy a tree of 500 files with hostile names and two
 * 50 MiB files, `rclone check --download` (byte-identical), moveto, copyto, purge — local and S3.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDaemon, USERS, type TestDaemon } from '../helpers/daemon.ts';
import { skipUnlessS3Can } from '../helpers/s3-capabilities.ts';
import { dav, s3SkipReason } from './http.ts';

const RCLONE = '/usr/bin/rclone';
let d: TestDaemon;
let src: string;
let env: NodeJS.ProcessEnv;

const HOSTILE = ['a b', 'x#y', 'p%q', 'q?r', 'amp&er', 'plus+', "it's", '[br]', '{cb}', 'semi;colon', 'eq=al', 'caf\u00e9', 'Cafe\u0301 nfd', '\u{1F680} rocket', '-dash', ' lead', 'dots...', '~tilde', '$dollar', '@at', '!bang', '`tick`', 'comma,', 'x'.repeat(200)];

before(async () => {
  d = await startDaemon();
  src = mkdtempSync(join(tmpdir(), 'rdav-rclone-'));
  for (let i = 0; i < 500; i++) {
    const dir = join(src, `d${i % 10} ${HOSTILE[i % HOSTILE.length]!.slice(0, 20)}`);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, `${i} ${HOSTILE[(i * 7) % HOSTILE.length]}.txt`), randomBytes(i % 97));
  }
  writeFileSync(join(src, 'big one.bin'), randomBytes(50 * 1024 * 1024));
  writeFileSync(join(src, 'big#two.bin'), randomBytes(50 * 1024 * 1024));
  const pass = execFileSync(RCLONE, ['obscure', USERS.alice]).toString().trim();
  env = { ...process.env, RCLONE_CONFIG: '/dev/null', RCLONE_CONFIG_D_TYPE: 'webdav', RCLONE_CONFIG_D_URL: `${d.origin}/`, RCLONE_CONFIG_D_VENDOR: 'other', RCLONE_CONFIG_D_USER: 'alice', RCLONE_CONFIG_D_PASS: pass };
});
after(async () => {
  await d?.close();
  if (src) rmSync(src, { recursive: true, force: true });
});

function rclone(...args: string[]): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile(RCLONE, [...args, '--low-level-retries', '1', '--retries', '1'], { env, timeout: 300_000, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, out: String(stdout) + String(stderr) });
    });
  });
}

const noRclone = existsSync(RCLONE) ? false : 'rclone is not installed (apt-get install rclone)';
const skip = s3SkipReason();

for (const c of ['files', 's3']) {
  test(`rclone round trip on the ${c === 'files' ? 'local' : 'S3'} category: copy, check, moveto, copyto, purge`, { skip: noRclone || (c === 's3' ? skip || skipUnlessS3Can('copySourceDecoding') : false), timeout: 600_000 }, async () => {
    const copy = await rclone('copy', src, `d:${c}/tree`, '--transfers', '4');
    assert.equal(copy.code, 0, copy.out.slice(-3000));
    const check = await rclone('check', src, `d:${c}/tree`, '--download');
    assert.equal(check.code, 0, check.out.slice(-3000));
    assert.match(check.out, /0 differences found/);
    assert.match(check.out, /502 matching files/);
    const mv = await rclone('moveto', `d:${c}/tree/big one.bin`, `d:${c}/tree/moved #1.bin`);
    assert.equal(mv.code, 0, mv.out);
    const cp = await rclone('copyto', `d:${c}/tree/big#two.bin`, `d:${c}/tree/d0 a b/copied?.bin`);
    assert.equal(cp.code, 0, cp.out);
    const ls = await rclone('lsf', '-R', `d:${c}/tree`);
    const names = ls.out.split('\n').filter((l) => l && !l.endsWith('/'));
    assert.equal(names.length, 503, ls.out.slice(-2000));
    assert.ok(names.includes('moved #1.bin') && !names.includes('big one.bin'));
    assert.ok(names.includes('d0 a b/copied?.bin'));
    const purge = await rclone('purge', `d:${c}/tree`);
    assert.equal(purge.code, 0, purge.out);
    assert.equal((await dav(d, 'PROPFIND', `/${c}/tree/`, { headers: { Depth: '0' } })).status, 404);
  });
}
