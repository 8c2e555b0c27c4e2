/** Every way users start the daemon passes node the same flags (npm start, the installed bin, systemd through the bin). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';

const root = new URL('../../', import.meta.url);
const flagsOf = (cmd: string) => cmd.split(/\s+/).filter((a) => a.startsWith('--'));

test('the bin shebang and npm start give node the same flags, and node accepts them', () => {
  const pkg = JSON.parse(readFileSync(new URL('package.json', root), 'utf8')) as { scripts: { start: string } };
  const shebang = readFileSync(new URL('bin/releasedav.js', root), 'utf8').split('\n')[0]!;
  assert.match(shebang, /^#!\/usr\/bin\/env (-S )?node( |$)/);
  const fromStart = flagsOf(pkg.scripts.start);
  assert.deepEqual(flagsOf(shebang.replace(/^#!\/usr\/bin\/env (-S )?node/, '')), fromStart);
  const out = execFileSync(process.execPath, [...fromStart, '-e', 'process.stdout.write("ok")'], { encoding: 'utf8' });
  assert.equal(out, 'ok');
});

test('the installed bin runs through its shebang', () => {
  const out = execFileSync(new URL('bin/releasedav.js', root).pathname, ['--version'], { encoding: 'utf8' });
  assert.match(out, /\d+\.\d+\.\d+/);
});
