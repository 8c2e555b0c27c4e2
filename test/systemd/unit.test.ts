/**
 * systemd/releasedav.service: `systemd-analyze verify` accepts it and the hardening is in place.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const UNIT_PATH = new URL('../../systemd/releasedav.service', import.meta.url);
const unitText = readFileSync(UNIT_PATH, 'utf8');

/** Key → values (a key may repeat) of the [Service] section. */
function serviceKeys(text: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  let section = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#') || line.startsWith(';')) continue;
    const sec = /^\[(.+)\]$/.exec(line);
    if (sec) { section = sec[1]!; continue; }
    if (section !== 'Service') continue;
    const eq = line.indexOf('=');
    const key = line.slice(0, eq);
    out.set(key, [...(out.get(key) ?? []), line.slice(eq + 1)]);
  }
  return out;
}

const keys = serviceKeys(unitText);
const one = (k: string) => {
  const v = keys.get(k);
  assert.ok(v, `[Service] ${k}= is missing`);
  return v[v.length - 1]!;
};

test('runs as its own user with config, env file and state directory in the documented places', () => {
  assert.equal(one('User'), 'releasedav');
  assert.equal(one('DynamicUser'), 'no');
  assert.equal(one('EnvironmentFile'), '-/etc/releasedav/env');
  assert.match(one('ExecStart'), /^\/usr\/bin\/releasedav serve --config \/etc\/releasedav\/config\.yaml$/);
  assert.equal(one('WorkingDirectory'), '/var/lib/releasedav');
  assert.equal(one('StateDirectory'), 'releasedav');
  assert.equal(one('ExecReload'), '/bin/kill -HUP $MAINPID');
  assert.equal(one('Restart'), 'on-failure');
  assert.equal(one('RestartPreventExitStatus'), '2', 'a config error (exit 2) must not restart-loop');
});

test('TimeoutStopSec leaves room for the default drain (lifecycle.drainSeconds = 30)', () => {
  const t = one('TimeoutStopSec');
  const seconds = /^(\d+)s?$/.test(t) ? Number(t.replace('s', '')) : /^(\d+)min$/.test(t) ? Number(t.replace('min', '')) * 60 : NaN;
  assert.ok(seconds > 30 + 10, `TimeoutStopSec=${t} must exceed drainSeconds (30) plus clean-up time`);
});

test('hardening keys are set', () => {
  const expected: Record<string, string> = {
    NoNewPrivileges: 'yes', ProtectSystem: 'strict', ReadWritePaths: '/var/lib/releasedav', ProtectHome: 'yes',
    PrivateTmp: 'yes', CapabilityBoundingSet: '', ProtectKernelTunables: 'yes', ProtectKernelModules: 'yes',
    ProtectControlGroups: 'yes', RestrictAddressFamilies: 'AF_INET AF_INET6 AF_UNIX', LockPersonality: 'yes',
    RestrictSUIDSGID: 'yes', RestrictNamespaces: 'yes',
  };
  for (const [k, v] of Object.entries(expected)) assert.equal(one(k), v, `${k}=`);
  assert.ok(keys.get('SystemCallFilter')?.includes('@system-service'), 'SystemCallFilter=@system-service');
  assert.equal(keys.get('MemoryDenyWriteExecute'), undefined, "MemoryDenyWriteExecute breaks V8's JIT; it must stay off");
});

const analyze = spawnSync('systemd-analyze', ['--version'], { encoding: 'utf8' });
const skip = analyze.error ? 'systemd-analyze not installed (apt-get install -y systemd; .ci/run installs it)' : false;

test('systemd-analyze verify accepts the unit', { skip }, () => {
  // verify insists that ExecStart's binary exists; the package is not installed globally on a
  // test machine, so a copy points at this node binary instead (everything else unchanged).
  const dir = mkdtempSync(join(tmpdir(), 'rdav-unit-'));
  try {
    const file = join(dir, 'releasedav.service');
    writeFileSync(file, unitText.replace(/^ExecStart=\/usr\/bin\/releasedav /m, `ExecStart=${process.execPath} `));
    // Unknown keys are only warnings (exit 0), so stderr must be free of remarks about the unit too.
    const r = spawnSync('systemd-analyze', ['verify', file], { encoding: 'utf8' });
    const output = `${r.stdout}${r.stderr}`;
    assert.equal(r.status, 0, `systemd-analyze verify failed:\n${output}`);
    assert.doesNotMatch(output, /releasedav\.service/, output);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
