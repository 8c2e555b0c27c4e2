/**
 * Rewrites the report from the last run's `.tmp/bench/results.json` with the current notes
 * (bench/report/notes.ts), without measuring again.
 * Usage: node --import tsx bench/report/rerender.ts [results.json]
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Results } from '../lib/results.ts';
import type { Settings } from '../lib/settings.ts';
import { renderMarkdown } from './render.ts';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const file = process.argv[2] ?? join(repoRoot, '.tmp/bench/results.json');
const j = JSON.parse(readFileSync(file, 'utf8')) as {
  settings: Settings; figures: Results['figures']; targets: Results['targets']; problems: string[];
  machine: [string, string][]; versions: [string, string][]; commands: [string, string][]; files: [string, string][];
  started: string; minutes: number; writeRepoReport: boolean;
};
const r = new Results();
r.figures.push(...j.figures);
r.targets.push(...j.targets);
r.problems.push(...j.problems);
const md = renderMarkdown(r, j.settings, j.machine, j.versions, new Map(j.commands), j.files, new Date(j.started), j.minutes);
writeFileSync(join(dirname(file), 'BENCHMARKS.md'), md);
if (j.writeRepoReport) writeFileSync(join(repoRoot, 'BENCHMARKS.md'), md);
console.log(`rewrote ${j.writeRepoReport ? 'BENCHMARKS.md and ' : ''}${join(dirname(file), 'BENCHMARKS.md')}`);
