/** coordination.redis in the config: optional, URL a secret (${ENV} or urlFile:), checked scheme, defaults. */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ConfigError, parseConfig } from '../../src/config/load.ts';
import { restartOnlyChanges } from '../../src/lifecycle/reload-plan.ts';
import { redisWhere } from '../../src/coordination/redis-connection.ts';
import { workerCount } from '../../src/config/schema.ts';

const CATS = 'categories:\n  - slug: stable\n    directory: stable\n';
const PW = 'redis-pw-never-printed-81';

describe('coordination config', () => {
  it('is optional: without it the daemon keeps its state in memory', () => {
    assert.equal(parseConfig(CATS).coordination, undefined);
  });

  it('takes the URL from ${ENV}, with the default key prefix and timeout, and never prints it', () => {
    const cfg = parseConfig(`coordination:\n  redis:\n    url: \${RDAV_REDIS}\n${CATS}`, 'c.yaml', { RDAV_REDIS: `redis://:${PW}@10.0.0.5:6380/2` });
    const r = cfg.coordination!.redis;
    assert.equal(r.url.reveal(), `redis://:${PW}@10.0.0.5:6380/2`);
    assert.equal(r.keyPrefix, 'releasedav:');
    assert.equal(r.timeoutMs, 2000);
    assert.doesNotMatch(JSON.stringify(cfg), new RegExp(PW));
    assert.equal(redisWhere(r.url.reveal()), 'redis://10.0.0.5:6380/2', 'logs show where, not who');
  });

  it('takes the URL from urlFile: and accepts rediss:// (TLS)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rdav-coord-cfg-'));
    writeFileSync(join(dir, 'redis-url'), `rediss://default:${PW}@redis.example:6379\n`);
    const cfg = parseConfig(`coordination:\n  redis:\n    urlFile: redis-url\n    keyPrefix: "site-a:"\n${CATS}`, join(dir, 'c.yaml'));
    assert.equal(cfg.coordination!.redis.url.reveal(), `rediss://default:${PW}@redis.example:6379`);
    assert.equal(cfg.coordination!.redis.keyPrefix, 'site-a:');
  });

  it('refuses other schemes and a missing URL, naming the key, without echoing the value', () => {
    assert.throws(() => parseConfig(`coordination:\n  redis:\n    url: http://u:${PW}@h:1\n${CATS}`, 'c.yaml'),
      (e: unknown) => e instanceof ConfigError && /c\.yaml:3: coordination\.redis\.url: a Redis URL starts with redis:\/\/ or rediss:\/\//.test(e.message) && !e.message.includes(PW));
    assert.throws(() => parseConfig(`coordination:\n  redis:\n    keyPrefix: x\n${CATS}`, 'c.yaml'),
      (e: unknown) => e instanceof ConfigError && /coordination\.redis\.url: is required/.test(e.message));
  });

  it('a changed coordination section is reported as needing a restart', () => {
    const a = parseConfig(CATS);
    const b = parseConfig(`coordination:\n  redis:\n    url: redis://127.0.0.1:1\n${CATS}`);
    assert.deepEqual(restartOnlyChanges(a, b), ['coordination']);
    assert.deepEqual(restartOnlyChanges(b, b), []);
  });

  it('workers: 1 by default; a number or auto (one per core); anything but 1 needs coordination.redis, naming the key and line', () => {
    assert.equal(parseConfig(CATS).workers, 1);
    assert.equal(workerCount(parseConfig(CATS)), 1);
    const redis = 'coordination:\n  redis:\n    url: redis://127.0.0.1:1\n';
    assert.equal(workerCount(parseConfig(`workers: 3\n${redis}${CATS}`)), 3);
    assert.equal(workerCount(parseConfig(`workers: auto\n${redis}${CATS}`), () => 6), 6);
    assert.equal(workerCount({ workers: 'auto' }, () => 0), 1, 'never fewer than one');
    for (const w of ['2', 'auto']) {
      assert.throws(() => parseConfig(`${CATS}workers: ${w}\n`, 'c.yaml'),
        (e: unknown) => e instanceof ConfigError && e.message === `c.yaml:4: workers: ${w} worker processes need shared locks and caches: set coordination.redis.url, or workers: 1`);
    }
    for (const bad of ['0', '1.5', 'many']) assert.throws(() => parseConfig(`workers: ${bad}\n${redis}${CATS}`, 'c.yaml'), (e: unknown) => e instanceof ConfigError && /^c\.yaml:1: workers: /.test(e.message));
  });

  it('a changed worker count is reported as needing a restart', () => {
    const redis = 'coordination:\n  redis:\n    url: redis://127.0.0.1:1\n';
    assert.deepEqual(restartOnlyChanges(parseConfig(`workers: 2\n${redis}${CATS}`), parseConfig(`workers: 4\n${redis}${CATS}`)), ['workers']);
  });
});
