#!/usr/bin/env -S node --max-semi-space-size=4
// V8's young generation capped at 4 MiB semi-spaces (the same flag as `npm start`): a daemon that
// streams holds ~20-30 MiB less memory; smaller caps cost request rate (more frequent GCs).
// Entry for the installed `releasedav` command: the compiled daemon (dist/, built by
// `npm run build`, which `npm install` runs as `prepare`); the TypeScript sources through tsx
// when no build is there (a checkout without one).
import { existsSync } from 'node:fs';

const compiled = new URL('../dist/main.js', import.meta.url);
if (existsSync(compiled)) {
  await import(compiled.href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/main.ts');
}
