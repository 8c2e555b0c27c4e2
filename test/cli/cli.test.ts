/**
 * The `releasedav` command line: exit codes, one-line messages, help/version, hash-password.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { digestHa1, verifyPassword } from '../../src/auth/passwords.ts';
import { REPO_ROOT, runCli, tempDir, writeFile } from './run-cli.ts';

const VERSION = (JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
const COMMANDS = ['serve', 'check-config', 'hash-password', 'sign-link'];

/** Exactly one line on stderr, prefixed, without a stack trace. */
function assertOneLine(stderr: string, pattern: RegExp) {
  const lines = stderr.trimEnd().split('\n');
  assert.equal(lines.length, 1, `expected one line on stderr, got:\n${stderr}`);
  assert.match(lines[0]!, /^releasedav: /);
  assert.match(lines[0]!, pattern);
  assert.doesNotMatch(stderr, /\n\s+at /, 'no stack trace');
}

test('--version and --help work on every command', async () => {
  const v = await runCli(['--version']);
  assert.equal(v.code, 0);
  assert.equal(v.stdout, `releasedav ${VERSION}\n`);
  const h = await runCli(['--help']);
  assert.equal(h.code, 0);
  for (const c of COMMANDS) assert.match(h.stdout, new RegExp(`^  ${c} `, 'm'));
  for (const c of COMMANDS) {
    const r = await runCli([c, '--help']);
    assert.equal(r.code, 0, `${c} --help`);
    assert.match(r.stdout, new RegExp(`^Usage: releasedav ${c}`), `${c} --help`);
    assert.match(r.stdout, /Exit codes: 0 ok, 1 runtime failure, 2 configuration or usage error, 3 S3/);
    const rv = await runCli([c, '--version']);
    assert.equal(rv.code, 0);
    assert.equal(rv.stdout, `releasedav ${VERSION}\n`);
  }
});

test('usage errors exit 2 with one line', async () => {
  const unknown = await runCli(['frobnicate']);
  assert.equal(unknown.code, 2);
  assertOneLine(unknown.stderr, /unknown command "frobnicate"/);
  const opt = await runCli(['check-config', '--bogus']);
  assert.equal(opt.code, 2);
  assertOneLine(opt.stderr, /unknown option "--bogus"/);
  const misplaced = await runCli(['hash-password', '--config', 'x.yaml']);
  assert.equal(misplaced.code, 2);
  assertOneLine(misplaced.stderr, /--config does not apply/);
});

test('a bad config exits 2 with the loader\'s file:line: key: message, as is', async () => {
  const dir = tempDir('cli');
  const file = writeFile(dir, 'bad.yaml', 'webdav:\n  port: 8080\ncategories:\n  - slug: Bad Slug\n    directory: x\n');
  for (const cmd of ['check-config', 'serve']) {
    const r = await runCli([cmd, '--config', file]);
    assert.equal(r.code, 2, `${cmd}: ${r.stderr}`);
    assertOneLine(r.stderr, new RegExp(`^releasedav: ${file.replace(/[.]/g, '\\.')}:4: categories\\.0\\.slug: a slug is`));
  }
  const missing = await runCli(['check-config', '--config', join(dir, 'nope.yaml')]);
  assert.equal(missing.code, 2);
  assertOneLine(missing.stderr, /nope\.yaml: cannot read the config file \(ENOENT\)/);
  const typo = writeFile(dir, 'typo.yaml', 'webdav:\n  prot: 8080\ncategories:\n  - slug: a\n    directory: a\n');
  const t = await runCli(['check-config', '--config', typo]);
  assert.equal(t.code, 2);
  assertOneLine(t.stderr, /typo\.yaml:2: webdav: unknown key "prot"/);
});

test('check-config lists categories with their backends and exits 0', async () => {
  const dir = tempDir('cli');
  const file = writeFile(dir, 'ok.yaml', `storage:\n  local:\n    root: ${dir}/data\ncategories:\n  - slug: stable\n    directory: stable\n  - slug: abs\n    type: bleeding-edge\n    directory: /srv/abs\n`);
  const r = await runCli(['check-config', '--config', file]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /: valid\n/);
  assert.match(r.stdout, new RegExp(`stable\\s+normal\\s+local ${dir}/data/stable`));
  assert.match(r.stdout, /abs\s+bleeding-edge\s+local \/srv\/abs/);
  const def = await runCli(['check-config']);
  assert.equal(def.code, 0, `the embedded default must be valid: ${def.stderr}`);
});

test('hash-password reads stdin and prints a hash that verifies (plus HA1 on request)', async () => {
  const r = await runCli(['hash-password'], { stdin: 'correct horse\n' });
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.trimEnd().split('\n');
  assert.equal(lines.length, 1);
  assert.match(lines[0]!, /^scrypt\$/);
  assert.ok(await verifyPassword('correct horse', lines[0]!), 'the trailing newline is not part of the password');
  assert.ok(!(await verifyPassword('correct horse\n', lines[0]!)));

  const d = await runCli(['hash-password', '--digest-user', 'win', '--realm', 'Corp'], { stdin: 'pw' });
  assert.equal(d.code, 0, d.stderr);
  const [hash, ha1] = d.stdout.trimEnd().split('\n');
  assert.ok(await verifyPassword('pw', hash!));
  assert.equal(ha1, digestHa1('win', 'Corp', 'pw'));
  const dflt = await runCli(['hash-password', '--digest-user', 'win'], { stdin: 'pw' });
  assert.equal(dflt.stdout.trimEnd().split('\n')[1], digestHa1('win', 'ReleaseDAV', 'pw'));
});

test('hash-password refuses a password on the command line and an empty one', async () => {
  const argv = await runCli(['hash-password', '--password', 'hunter2']);
  assert.equal(argv.code, 2);
  assert.doesNotMatch(argv.stdout, /scrypt/);
  const empty = await runCli(['hash-password'], { stdin: '' });
  assert.equal(empty.code, 2);
  assertOneLine(empty.stderr, /password is empty/);
});

test('a port in use exits 1 naming the port, without a stack trace', async () => {
  const { createServer } = await import('node:net');
  const blocker = createServer();
  await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()));
  const port = (blocker.address() as { port: number }).port;
  try {
    const dir = tempDir('cli');
    const file = writeFile(dir, 'busy.yaml', `webdav:\n  port: 0\ndownloads:\n  port: ${port}\nstorage:\n  local:\n    root: ${dir}/data\ncategories:\n  - slug: a\n    directory: a\n`);
    const r = await runCli(['serve', '--config', file]);
    assert.equal(r.code, 1, r.stderr);
    assertOneLine(r.stderr, new RegExp(`cannot listen on 127\\.0\\.0\\.1:${port}: port ${port} is already in use`));
  } finally {
    blocker.close();
  }
});
