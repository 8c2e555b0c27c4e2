#!/usr/bin/env node
// npm's `prepare` step: compiles src/ to dist/ when TypeScript is installed (a checkout after
// `npm install`/`npm ci`, a git-URL install, `npm pack`). Where npm installs no devDependencies
// (`npm install -g /path/to/checkout` links the folder as it is) a dist/ already built is used;
// with neither, it says what to do and fails, so no half-installed command is left behind.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
let tsc;
try {
  tsc = createRequire(new URL('../package.json', import.meta.url)).resolve('typescript/bin/tsc');
} catch {
  tsc = undefined;
}
if (tsc) {
  const r = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' });
  process.exit(r.status ?? 1);
}
if (existsSync(new URL('../dist/main.js', import.meta.url))) process.exit(0);
console.error(
  'releasedav: dist/ is not built and TypeScript is not installed in this checkout.\n' +
    '  Run `npm ci` in the checkout first (it installs TypeScript and builds dist/), or install a\n' +
    '  tarball from `npm pack` or a git URL instead.',
);
process.exit(1);
