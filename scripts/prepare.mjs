#!/usr/bin/env node
// Builds dist/ from src/ when it is missing or older than a source (as make would): npm's
// `prepare` step (`npm install`/`npm ci` in a checkout, `npm pack`, git URLs) and `npm start`'s
// `prestart`. With dist/ up to date it does nothing, so `npm install && npm start` compiles once
// and `npm install -g /path/to/checkout` does not compile again. Where npm installs no
// devDependencies (`npm install -g` of a checkout links the folder as it is; a tarball ships
// dist/) an existing dist/ is used as it is; with no dist/ and no TypeScript it says what to do
// and fails, so no half-installed command is left behind.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

/** Newest modification time (ms) under `dir`, 0 when it does not exist. */
function newest(dir) {
  let t = 0;
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return 0;
  }
  for (const e of entries) {
    const p = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}

let built = 0;
try {
  built = statSync(join(root, 'dist', 'main.js')).mtimeMs;
} catch {
  built = 0;
}
const sources = Math.max(newest(join(root, 'src')), ...['tsconfig.json', 'tsconfig.build.json'].map((f) => {
  try { return statSync(join(root, f)).mtimeMs; } catch { return 0; }
}));
if (built > 0 && built >= sources) process.exit(0);

let tsc;
try {
  tsc = createRequire(join(root, 'package.json')).resolve('typescript/bin/tsc');
} catch {
  tsc = undefined;
}
if (tsc) {
  const r = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' });
  process.exit(r.status ?? 1);
}
if (built > 0) process.exit(0); // older than the sources, but nothing here can rebuild it
console.error(
  'releasedav: dist/ is not built and TypeScript is not installed in this checkout.\n' +
    '  Run `npm ci` in the checkout first (it installs TypeScript and builds dist/), or install a\n' +
    '  tarball from `npm pack` or a git URL instead.',
);
process.exit(1);
