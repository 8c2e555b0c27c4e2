/**
 * `releasedav sign-link`: the printed URL is absolute, points at /dl/..., and verifies with the signer.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Secret } from '../../src/config/secret.ts';
import { createLinkSigner } from '../../src/downloads/links.ts';
import { runCli, tempDir, writeFile } from './run-cli.ts';

const SECRET = 'sign-link-test-secret-0123456789abcdef';

function config(dir: string, extra = '') {
  return writeFile(dir, 'c.yaml', `downloads:\n  host: 127.0.0.1\n  port: 18081\n${extra}storage:\n  local:\n    root: ${dir}/data\nlinks:\n  secret: \${RDAV_LINK_SECRET}\n  maxTtlDays: 31\ncategories:\n  - slug: stable\n    directory: stable\n`);
}

test('sign-link prints an absolute URL that the signer verifies, valid for the ttl', async () => {
  const dir = tempDir('sign');
  const file = config(dir);
  const before = Math.floor(Date.now() / 1000);
  const r = await runCli(['sign-link', 'stable/1.0 beta/app #1.tar.gz', '--ttl', '30d', '--config', file], { env: { RDAV_LINK_SECRET: SECRET } });
  assert.equal(r.code, 0, r.stderr);
  const url = new URL(r.stdout.trim());
  assert.equal(url.origin, 'http://127.0.0.1:18081');
  assert.equal(url.pathname, '/dl/stable/1.0%20beta/app%20%231.tar.gz');
  const expires = url.searchParams.get('expires')!;
  const afterRun = Math.ceil(Date.now() / 1000);
  const exp = Number(expires);
  assert.ok(exp >= before + 30 * 86400 && exp <= afterRun + 30 * 86400, 'expires = signing time + 30 days');
  const signer = createLinkSigner({ secret: new Secret(SECRET), previous: [], maxTtlSeconds: 31 * 86400 });
  assert.equal(signer.verify(decodeURIComponent(url.pathname), expires, url.searchParams.get('sig') ?? undefined), 'ok');
  assert.equal(signer.verify('/dl/stable/1.0 beta/other.tar.gz', expires, url.searchParams.get('sig') ?? undefined), 'bad');
  assert.doesNotMatch(r.stdout + r.stderr, new RegExp(SECRET), 'the secret is never printed');
});

test('sign-link uses downloads.publicUrl when set', async () => {
  const dir = tempDir('sign');
  const file = config(dir, '  publicUrl: https://downloads.example.com/files/\n');
  const r = await runCli(['sign-link', 'stable/2.0/x.zip', '--ttl', '12h', '--config', file], { env: { RDAV_LINK_SECRET: SECRET } });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^https:\/\/downloads\.example\.com\/files\/dl\/stable\/2\.0\/x\.zip\?expires=\d+&sig=[A-Za-z0-9_-]{43}\n$/);
});

test('sign-link refuses bad input with exit 2 and one line', async () => {
  const dir = tempDir('sign');
  const file = config(dir);
  const env = { RDAV_LINK_SECRET: SECRET };
  const cases: [string[], RegExp][] = [
    [['sign-link', 'stable/x.zip', '--ttl', '1d', '--config', file], /is not <category>\/<release>\/<file>/],
    [['sign-link', 'stable/1/x.zip', '--config', file], /--ttl is required/],
    [['sign-link', 'stable/1/x.zip', '--ttl', '40d', '--config', file], /longer than links\.maxTtlDays/],
    [['sign-link', 'stable/1/x.zip', '--ttl', 'soon', '--config', file], /--ttl "soon"/],
    [['sign-link', 'nope/1/x.zip', '--ttl', '1d', '--config', file], /no category "nope"/],
  ];
  for (const [args, re] of cases) {
    const r = await runCli(args, { env });
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.equal(r.stderr.trimEnd().split('\n').length, 1, r.stderr);
    assert.match(r.stderr, re);
  }
  const wildcard = writeFile(dir, 'w.yaml', `downloads:\n  host: 0.0.0.0\nstorage:\n  local:\n    root: ${dir}/data\nlinks:\n  secret: \${RDAV_LINK_SECRET}\ncategories:\n  - slug: stable\n    directory: stable\n`);
  const w = await runCli(['sign-link', 'stable/1/x.zip', '--ttl', '1d', '--config', wildcard], { env });
  assert.equal(w.code, 2, w.stderr);
  assert.match(w.stderr, /downloads\.publicUrl is not set .* set downloads\.publicUrl/);
  assert.equal(w.stdout, '', 'no unusable http://0.0.0.0 link is printed');
  const noSecret = writeFile(dir, 'n.yaml', `storage:\n  local:\n    root: ${dir}/data\ncategories:\n  - slug: stable\n    directory: stable\n`);
  const r = await runCli(['sign-link', 'stable/1/x.zip', '--ttl', '1d', '--config', noSecret]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /links\.secret is not set/);
});

test('sign-link signs an update feed path (feeds/<category>/…)', async () => {
  const dir = tempDir('sign');
  const file = config(dir);
  const r = await runCli(['sign-link', 'feeds/stable/tauri/latest.json', '--ttl', '7d', '--config', file], { env: { RDAV_LINK_SECRET: SECRET } });
  assert.equal(r.code, 0, r.stderr);
  const url = new URL(r.stdout.trim());
  assert.equal(url.pathname, '/feeds/stable/tauri/latest.json');
  const signer = createLinkSigner({ secret: new Secret(SECRET), previous: [], maxTtlSeconds: 31 * 86400 });
  assert.equal(signer.verify(url.pathname, url.searchParams.get('expires') ?? undefined, url.searchParams.get('sig') ?? undefined), 'ok');
  const bad = await runCli(['sign-link', 'feeds/stable', '--ttl', '7d', '--config', file], { env: { RDAV_LINK_SECRET: SECRET } });
  assert.equal(bad.code, 2);
});
