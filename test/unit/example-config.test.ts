/**
 * config/example.yaml: it is valid, and it mentions every option the schema knows.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parseConfig } from '../../src/config/load.ts';
import { configSchema } from '../../src/config/schema.ts';

const FILE = new URL('../../config/example.yaml', import.meta.url).pathname;
const TEXT = readFileSync(FILE, 'utf8');
const ENV = {
  RELEASEDAV_S3_ACCESS_KEY: 'EXAMPLEACCESSKEY',
  RELEASEDAV_S3_SECRET_KEY: 'examplesecretkey0000000000000000000000',
  RELEASEDAV_LINK_SECRET: 'an-example-link-secret-of-at-least-32-chars',
};

interface ZodLike { _zod: { def: Record<string, unknown> & { type: string } } }

/** Every object key path in the schema ("storage.s3.upload.queueSize"); arrays and records add no segment. */
function schemaKeys(schema: ZodLike, prefix = ''): string[] {
  const def = schema._zod.def;
  switch (def.type) {
    case 'optional': case 'default': case 'prefault': case 'nullable': case 'readonly': case 'catch':
      return schemaKeys(def.innerType as ZodLike, prefix);
    case 'pipe': return schemaKeys(def.in as ZodLike, prefix);
    case 'array': return schemaKeys(def.element as ZodLike, prefix);
    case 'record': return schemaKeys(def.valueType as ZodLike, prefix);
    case 'union': return (def.options as ZodLike[]).flatMap((o) => schemaKeys(o, prefix));
    case 'object': {
      const shape = def.shape as Record<string, ZodLike>;
      return Object.entries(shape).flatMap(([k, v]) => {
        const path = prefix ? `${prefix}.${k}` : k;
        return [path, ...schemaKeys(v, path)];
      });
    }
    default: return [];
  }
}

test('example.yaml is a valid config (with its environment variables set)', () => {
  const cfg = parseConfig(TEXT, FILE, ENV);
  assert.ok(cfg.storage.s3, 'shows S3');
  const kinds = new Set(cfg.categories.map((c) => (/^s3:/.test(c.directory) ? 's3' : 'local')));
  assert.deepEqual([...kinds].sort(), ['local', 's3'], 'mixes local and S3 categories');
  assert.ok(cfg.categories.some((c) => c.type === 'bleeding-edge'));
  assert.ok(Object.keys(cfg.auth.users).length > 0);
  assert.ok(cfg.links.secret);
  assert.equal(cfg.storage.s3.secretAccessKey.reveal(), ENV.RELEASEDAV_S3_SECRET_KEY, 'secrets come from ${ENV}');
});

test('every schema option appears in example.yaml (as a key or a commented key)', () => {
  const keys = schemaKeys(configSchema as unknown as ZodLike);
  assert.ok(keys.length > 50, `walked ${keys.length} keys`);
  const missing = [...new Set(keys.map((k) => k.split('.').pop()!))]
    .filter((leaf) => !new RegExp(`^\\s*(#\\s*)?(- )?${leaf}(File)?:`, 'm').test(TEXT));
  assert.deepEqual(missing, [], `options not documented in config/example.yaml: ${missing.join(', ')}`);
});

test('no real-looking secret is written in example.yaml', () => {
  for (const key of ['accessKeyId', 'secretAccessKey', 'secret']) {
    const m = new RegExp(`^\\s*${key}:\\s*(\\S+)`, 'm').exec(TEXT);
    assert.ok(m, key);
    assert.match(m[1]!, /^\$\{[A-Z0-9_]+\}$/, `${key} must come from the environment`);
  }
});
