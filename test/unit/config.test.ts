/**
 * Config loading, one YAML fixture per scenario (test/fixtures/config/). Each invalid fixture
 * states what it expects at its top: `# expect: <line>:<key>` and optionally `# expect-text: ...`.
 * Also: how category directories become mounts.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { createLocalBackend } from '../../src/backends/local.ts';
import { ConfigError, loadConfigFile } from '../../src/config/load.ts';
import { configSchema } from '../../src/config/schema.ts';
import { createLogger } from '../../src/log.ts';
import { isVfsError } from '../../src/vfs/errors.ts';
import { createMountTable, resolveLocation } from '../../src/vfs/mount-table.ts';

const DIR = new URL('../fixtures/config/', import.meta.url).pathname;
const ENV = {
  RDAV_FIXTURE_ACCESS: 'FIXTUREACCESSKEY',
  RDAV_FIXTURE_SECRET: 'fixture-secret-value-never-printed',
  RDAV_FIXTURE_LINK_SECRET: 'a-fixture-link-secret-of-at-least-32-characters',
};
const fixtures = readdirSync(DIR).filter((f) => f.endsWith('.yaml')).sort();

describe('config fixtures', () => {
  it('has one fixture per scenario', () => {
    const want = ['valid-default-like', 'valid-full', 'invalid-yaml-syntax', 'invalid-unknown-key', 'invalid-missing-directory',
      'invalid-wrong-type', 'invalid-bad-port', 'invalid-duplicate-slug', 'invalid-s3-without-storage', 'invalid-presign-too-long',
      'invalid-unset-env', 'invalid-unreadable-secret-file', 'invalid-bad-acl', 'invalid-plaintext-password', 'invalid-bad-download-key'];
    for (const w of want) assert.ok(fixtures.includes(`${w}.yaml`), `${w}.yaml exists`);
  });

  for (const f of fixtures.filter((x) => x.startsWith('valid-'))) {
    it(`accepts ${f}`, () => {
      const { config } = loadConfigFile(join(DIR, f), ENV);
      assert.ok(config.categories.length >= 2);
    });
  }

  for (const f of fixtures.filter((x) => x.startsWith('invalid-'))) {
    it(`refuses ${f} naming the line and key`, () => {
      const text = readFileSync(join(DIR, f), 'utf8');
      const expect = /^# expect: (\d+):(.+)$/m.exec(text);
      assert.ok(expect, `${f} states "# expect: <line>:<key>"`);
      const [, line, key] = expect;
      const extra = /^# expect-text: (.+)$/m.exec(text)?.[1];
      assert.throws(() => loadConfigFile(join(DIR, f), ENV), (e: unknown) => {
        assert.ok(e instanceof ConfigError, `a ConfigError, got ${String(e)}`);
        assert.ok(e.message.startsWith(`${join(DIR, f)}:${line}: ${key.trim()}`), `message names line ${line} and ${key}: ${e.message}`);
        if (extra) assert.ok(e.message.includes(extra.trim()), `message mentions "${extra}": ${e.message}`);
        assert.ok(!e.message.includes(ENV.RDAV_FIXTURE_SECRET), 'no secret in the message');
        assert.ok(!/\n\s+at /.test(e.message), 'no stack trace');
        return true;
      });
    });
  }

  it('keeps secrets out of the loaded config when printed', () => {
    const { config } = loadConfigFile(join(DIR, 'valid-full.yaml'), ENV);
    const printed = JSON.stringify(config);
    assert.ok(!printed.includes(ENV.RDAV_FIXTURE_SECRET));
    assert.equal(config.storage.s3!.secretAccessKey.reveal(), ENV.RDAV_FIXTURE_SECRET);
  });
});

describe('category directories → mounts', () => {
  it('resolves /abs, relative, s3://prefix and s3://', () => {
    assert.deepEqual(resolveLocation('/srv/x/', './data', '/cwd'), { kind: 'local', path: '/srv/x' });
    assert.deepEqual(resolveLocation('stable', './data', '/cwd'), { kind: 'local', path: '/cwd/data/stable' });
    assert.deepEqual(resolveLocation('stable', '/abs/root', '/cwd'), { kind: 'local', path: '/abs/root/stable' });
    assert.deepEqual(resolveLocation('s3://Rel/Stable/', './data'), { kind: 's3', prefix: 'Rel/Stable/' });
    assert.deepEqual(resolveLocation('S3://Nightly', './data'), { kind: 's3', prefix: 'Nightly/' });
    assert.deepEqual(resolveLocation('s3://', './data'), { kind: 's3', prefix: '' });
    assert.throws(() => resolveLocation('s3://a/../b', './data'), ConfigError);
  });

  it('builds mounts: creates local folders, hides .releasedav, passes S3 prefixes to the factory', async () => {
    const base = await mkdtemp(join(tmpdir(), 'rdav-mounts-'));
    try {
      const { config } = loadConfigFile(join(DIR, 'valid-full.yaml'), ENV);
      config.storage.local.root = base;
      config.categories[2]!.directory = join(base, 'abs-internal');
      const prefixes: string[] = [];
      const mounts = createMountTable(config, {
        log: createLogger({ level: 'silent' }),
        // The factory is the S3 engineer's; here each prefix gets a local folder to keep the test offline.
        s3: {
          client: {} as never,
          createBackend: ({ prefix }) => {
            prefixes.push(prefix);
            return createLocalBackend(base);
          },
        },
      });
      assert.deepEqual([...mounts.keys()], ['stable', 'nightly', 'internal', 'docs']);
      assert.deepEqual(prefixes, ['Releases/Stable/', '']);
      assert.ok((await stat(join(base, 'abs-internal'))).isDirectory());
      assert.ok((await stat(join(base, 'docs', 'current'))).isDirectory());

      const docs = mounts.get('docs')!;
      const e = await docs.backend.write('a.txt', Readable.from([Buffer.from('a')]));
      await docs.meta.put('a.txt', e, { sha256: 'c'.repeat(64) });
      assert.ok((await stat(resolve(base, 'docs/current/.releasedav/meta/f.a.txt'))).isFile(), 'sidecar on the raw backend');
      const names: string[] = [];
      for await (const x of docs.backend.list('')) names.push(x.path);
      assert.deepEqual(names, ['a.txt'], '.releasedav is never listed');
      for (const p of ['.releasedav', '.releasedav/meta/f.a.txt']) {
        await assert.rejects(docs.backend.stat(p), (err: unknown) => isVfsError(err, 'ENOENT'));
        await assert.rejects(docs.backend.read(p), (err: unknown) => isVfsError(err, 'ENOENT'));
      }
      await assert.rejects(docs.backend.mkdir('.releasedav/x'), (err: unknown) => isVfsError(err, 'ENOENT'));
      await assert.rejects(docs.backend.copy('a.txt', '.releasedav/stolen'), (err: unknown) => isVfsError(err, 'ENOENT'));
      assert.equal((await docs.meta.get('a.txt', await docs.backend.stat('a.txt')))?.sha256, 'c'.repeat(64));
    } finally {
      await rm(base, { recursive: true, force: true });
    }
  });

  it('refuses an s3:// category without an S3 factory', () => {
    const config = configSchema.parse({ storage: { s3: { bucket: 'b', accessKeyId: 'a', secretAccessKey: 's' } }, categories: [{ slug: 'c', directory: 's3://c' }] });
    assert.throws(() => createMountTable(config, { log: createLogger({ level: 'silent' }) }), ConfigError);
  });
});
