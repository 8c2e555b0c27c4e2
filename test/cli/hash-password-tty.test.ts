/**
 * hash-password on a terminal: asks twice without echo and prints a hash that verifies.
 * A pseudo-terminal comes from Python's pty module (skipped with a reason without python3).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { verifyPassword } from '../../src/auth/passwords.ts';
import { MAIN, REPO_ROOT } from './run-cli.ts';

const PY = String.raw`
import os, pty, sys, time
pid, fd = pty.fork()
if pid == 0:
    os.chdir(sys.argv[1])
    os.execv(sys.argv[2], [sys.argv[2], '--import', 'tsx', sys.argv[3], 'hash-password'])
out = b''
def until(token, timeout=20):
    global out
    end = time.time() + timeout
    while token not in out and time.time() < end:
        try: out += os.read(fd, 1024)
        except OSError: return
for answer in (sys.argv[4], sys.argv[5]):
    until(b'password: ' if out.count(b'assword: ') else b'Password: ')
    os.write(fd, answer.encode() + b'\r')
    until(b'\r\n' + (b'Repeat' if answer is sys.argv[4] else b''))
until(b'\n', 20)
end = time.time() + 20
while time.time() < end:
    try:
        d = os.read(fd, 1024)
        if not d: break
        out += d
    except OSError: break
_, status = os.waitpid(pid, 0)
sys.stdout.write(repr(os.waitstatus_to_exitcode(status)) + '\n' + out.decode(errors='replace'))
`;

const python = spawnSync('python3', ['-c', 'import pty'], { encoding: 'utf8' });
const skip = python.status === 0 ? false : 'python3 with the pty module is needed to fake a terminal';

function runOnTty(first: string, second: string): { code: number; output: string } {
  const r = spawnSync('python3', ['-c', PY, REPO_ROOT, process.execPath, MAIN, first, second], { encoding: 'utf8', timeout: 60_000 });
  const [code, ...rest] = r.stdout.split('\n');
  return { code: Number(code), output: rest.join('\n') };
}

test('on a terminal, hash-password prompts twice without echo', { skip, timeout: 90_000 }, async () => {
  const { code, output } = runOnTty('tty-only-Secret9', 'tty-only-Secret9');
  assert.equal(code, 0, output);
  assert.match(output, /Password: /);
  assert.match(output, /Repeat password: /);
  assert.ok(!output.includes('tty-only-Secret9'), `the password was echoed:\n${output}`);
  const hash = /scrypt\$\S+/.exec(output)?.[0];
  assert.ok(hash, output);
  assert.ok(await verifyPassword('tty-only-Secret9', hash));
});

test('on a terminal, two different entries are refused with exit 2', { skip, timeout: 90_000 }, () => {
  const { code, output } = runOnTty('first-Secret1', 'second-Secret2');
  assert.equal(code, 2, output);
  assert.match(output, /the two passwords differ/);
  assert.doesNotMatch(output, /scrypt\$/);
});
