#!/usr/bin/env node
// Entry for the installed `releasedav` command: the compiled daemon in dist/ (built by `npm run
// build`, which npm runs as `prepare` on `npm install` in a checkout, on `npm pack` and for git
// URLs). In a development checkout without a build, the TypeScript sources through tsx (a
// devDependency); with neither, a one-line hint and exit code 1.
import { existsSync } from 'node:fs';

const compiled = new URL('../dist/main.js', import.meta.url);
if (existsSync(compiled)) {
  await import(compiled.href);
} else {
  let register;
  try {
    ({ register } = await import('tsx/esm/api'));
  } catch {
    console.error('releasedav: dist/ is not built; run `npm run build` (or `npm ci`) in the package folder');
    process.exitCode = 1;
  }
  if (register) {
    register();
    await import('../src/main.ts');
  }
}
