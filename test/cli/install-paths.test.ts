/**
 * Every install path the README names gives a working global `releasedav` on a clean prefix
 * (`npm install -g --prefix <tmp>`): a checkout after `npm ci`, an `npm pack` tarball, a git URL
 * (packed by `npm pack <git URL>`);
 * and a bare checkout (no `npm ci`) fails with a hint instead of half-installing. Each installed
 * command answers `--version` and runs `serve` (both listeners answer, SIGTERM stops it).
 * The source is a `git clone` of this repository's HEAD (committed work only).
 * Needs the npm registry (or a warm npm cache) and a few minutes, so it runs only with
 * RDAV_TEST_INSTALL_PATHS=1 (.ci/run sets it); otherwise it is skipped with that reason.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from './run-cli.ts';

const SKIP = process.env.RDAV_TEST_INSTALL_PATHS === '1'
  ? false
  : 'install paths: set RDAV_TEST_INSTALL_PATHS=1 to run (needs the npm registry; 5–20 min)';
const STEP_MS = 10 * 60_000;
const VERSION = (JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }).version;

interface Run { code: number | null; out: string; seconds: number }

/** The environment without the npm_* settings of a parent `npm test` (they would steer the child npm). */
function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^npm_/i.test(k)) env[k] = v;
  return { ...env, npm_config_audit: 'false', npm_config_fund: 'false', npm_config_update_notifier: 'false' };
}

/** Runs a command to completion (stdout + stderr together), killed after `STEP_MS`. @throws never */
function run(cmd: string, args: string[], cwd: string): Promise<Run> {
  const t0 = Date.now();
  return new Promise((res) => {
    const child = spawn(cmd, args, { cwd, env: cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => { out += d; });
    child.stderr.setEncoding('utf8').on('data', (d: string) => { out += d; });
    const timer = setTimeout(() => child.kill('SIGKILL'), STEP_MS);
    child.on('error', (err) => { out += String(err); });
    child.on('close', (code) => { clearTimeout(timer); res({ code, out, seconds: (Date.now() - t0) / 1000 }); });
  });
}

let work = '';
let checkout = '';

before(async () => {
  if (SKIP) return;
  work = mkdtempSync(join(tmpdir(), 'rdav-install-'));
  checkout = join(work, 'checkout');
  const r = await run('git', ['clone', '--quiet', REPO_ROOT, checkout], work);
  assert.equal(r.code, 0, r.out);
});
after(() => { if (work) rmSync(work, { recursive: true, force: true }); });

/** `npm install -g --prefix <fresh prefix> <spec>`; returns the prefix and the run. */
async function installGlobal(spec: string, name: string): Promise<{ prefix: string; r: Run }> {
  const prefix = join(work, `prefix-${name}`);
  const r = await run('npm', ['install', '-g', '--prefix', prefix, spec], work);
  console.log(`# install path ${name}: npm install -g ${spec.replace(work, '<tmp>')} took ${r.seconds.toFixed(1)} s`);
  return { prefix, r };
}

/** The installed command answers --version and serves both listeners until SIGTERM. */
async function assertWorks(prefix: string): Promise<void> {
  const bin = join(prefix, 'bin', 'releasedav');
  const v = await run(bin, ['--version'], work);
  assert.equal(v.code, 0, v.out);
  assert.match(v.out, new RegExp(`\\b${VERSION.replaceAll('.', '\\.')}\\b`));

  const dir = mkdtempSync(join(work, 'serve-'));
  const config = join(dir, 'config.yaml');
  writeFileSync(config, [
    'webdav: { host: 127.0.0.1, port: 0 }',
    'downloads: { host: 127.0.0.1, port: 0 }',
    `storage: { local: { root: ${JSON.stringify(join(dir, 'data'))} } }`,
    'categories:',
    '  - { slug: stable, directory: stable, access: { read: [anonymous], download: public } }',
    '',
  ].join('\n'));
  const child = spawn(bin, ['serve', '--config', config], { cwd: dir, env: cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => { out += d; });
  const exited = new Promise<number | null>((res) => child.on('close', (code) => res(code)));
  try {
    const started = await new Promise<{ webdav: string; downloads: string }>((res, rej) => {
      const timer = setTimeout(() => rej(new Error(`no "releasedav started" within 60 s\n${out}`)), 60_000);
      child.stdout.setEncoding('utf8').on('data', (d: string) => {
        out += d;
        for (const text of out.split('\n')) {
          try {
            const l = JSON.parse(text) as { msg?: string; webdav?: string; downloads?: string };
            if (l.msg === 'releasedav started' && l.webdav && l.downloads) { clearTimeout(timer); res({ webdav: l.webdav, downloads: l.downloads }); }
          } catch { /* not a log line */ }
        }
      });
      void exited.then(() => { clearTimeout(timer); rej(new Error(`serve exited early\n${out}`)); });
    });
    const dav = await fetch(new URL('/stable/', origin(started.webdav)), { method: 'PROPFIND', headers: { Depth: '0' } });
    assert.equal(dav.status, 207, 'WebDAV answers PROPFIND');
    const dl = await fetch(new URL('/healthz', origin(started.downloads)));
    assert.equal(dl.status, 200, 'downloads answer /healthz');
  } finally {
    child.kill('SIGTERM');
  }
  assert.equal(await exited, 0, `serve stops cleanly on SIGTERM\n${out}`);
}

/** `http://host:port` from the address the started line gives (a URL or host:port). */
function origin(addr: string): string {
  return /^https?:\/\//.test(addr) ? addr : `http://${addr}`;
}

test('a bare checkout (no npm ci) is refused with a hint, not half-installed', { skip: SKIP, timeout: STEP_MS }, async () => {
  const { prefix, r } = await installGlobal(checkout, 'bare-checkout');
  assert.notEqual(r.code, 0, 'npm install -g of a checkout without npm ci must fail');
  assert.match(r.out, /Run `npm ci` in the checkout first/);
  assert.ok(!readdirSync(prefix).includes('bin'), 'no releasedav command was left behind');
});

test('a checkout after npm ci: npm install -g /path/to/checkout', { skip: SKIP, timeout: 2 * STEP_MS }, async () => {
  const ci = await run('npm', ['ci', '--prefer-offline'], checkout);
  console.log(`# install path checkout: npm ci in the checkout took ${ci.seconds.toFixed(1)} s`);
  assert.equal(ci.code, 0, ci.out);
  assert.doesNotMatch(ci.out, /install-scripts/, 'npm ci prints no install-scripts warning');
  const { prefix, r } = await installGlobal(checkout, 'checkout');
  assert.equal(r.code, 0, r.out);
  await assertWorks(prefix);
});

test('an npm pack tarball: npm install -g releasedav-x.y.z.tgz', { skip: SKIP, timeout: STEP_MS }, async () => {
  const pack = await run('npm', ['pack', '--pack-destination', work], checkout);
  assert.equal(pack.code, 0, pack.out);
  const tarball = join(work, `releasedav-${VERSION}.tgz`);
  const { prefix, r } = await installGlobal(tarball, 'tarball');
  assert.equal(r.code, 0, r.out);
  await assertWorks(prefix);
});

test('a git URL: npm pack git+file:///path/to/repo, then npm install -g the tarball', { skip: SKIP, timeout: STEP_MS }, async () => {
  // `npm install -g <git URL>` itself fails on npm <= 11.19: the git clone is prepared with the
  // parent's --global, so no devDependencies reach `prepare` (npm/cli#8440). `npm pack` prepares
  // it as a normal project; the README gives this two-step form.
  const dest = mkdtempSync(join(work, 'git-pack-'));
  const pack = await run('npm', ['pack', '--pack-destination', dest, `git+file://${checkout}`], dest);
  console.log(`# install path git-url: npm pack git+file://<tmp> took ${pack.seconds.toFixed(1)} s`);
  assert.equal(pack.code, 0, pack.out);
  const { prefix, r } = await installGlobal(join(dest, `releasedav-${VERSION}.tgz`), 'git-url');
  assert.equal(r.code, 0, r.out);
  await assertWorks(prefix);
});
