#!/usr/bin/env node
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
