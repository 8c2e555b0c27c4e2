/** The security header rules (pure): page policy, stored-file sandbox, when HSTS is sent. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pageHeaders, storedFileHeaders, wantsHsts } from '../../src/security/headers.ts';

test('headers: HSTS only with TLS or an https public URL; page policy allows no script', () => {
  assert.equal(wantsHsts({}), false);
  assert.equal(wantsHsts({ publicUrl: 'http://x.example/' }), false);
  assert.equal(wantsHsts({ publicUrl: 'HTTPS://x.example/' }), true);
  assert.equal(wantsHsts({ tls: { certPath: 'c', keyPath: 'k' } }), true);
  const h = pageHeaders({ hsts: false, styleSources: ["'sha256-abc='"] });
  assert.equal(h['Content-Security-Policy'], "default-src 'none'; style-src 'sha256-abc='; base-uri 'none'; frame-ancestors 'none'; form-action 'self'");
  assert.equal(h['Strict-Transport-Security'], undefined);
  assert.equal(pageHeaders({ hsts: false })['Content-Security-Policy'], "default-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'");
});

test('stored files: CSP sandbox and nosniff, HSTS when asked', () => {
  assert.deepEqual({ ...storedFileHeaders({ hsts: false }) }, { 'Content-Security-Policy': 'sandbox', 'X-Content-Type-Options': 'nosniff' });
  assert.equal(storedFileHeaders({ hsts: true })['Strict-Transport-Security'], 'max-age=31536000');
});
