/**
 * Prints the hottest functions of a V8 .cpuprofile (from `node --cpu-prof`): self time and total
 * (inclusive) time per function, so a missed target can name what bounds it.
 * Usage: node --import tsx bench/profile-summary.ts FILE.cpuprofile [TOP=25] [FILTER]
 * PROFILE_WINDOW=TEXT keeps only the samples from the first to the last one whose stack has a
 * frame containing TEXT (e.g. `handlers/propfind` isolates requests from the process's start-up);
 * with PROFILE_BURST=N only the Nth burst of such samples (bursts end at 300 ms without one:
 * PROFILE_BURST=1 is the first request of a run that pauses between requests).
 */
import { readFileSync } from 'node:fs';

interface Node { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] }
interface Profile { nodes: Node[]; samples: number[]; timeDeltas: number[]; startTime: number; endTime: number }

const [file, topArg, filter] = process.argv.slice(2);
if (!file) { console.error('usage: profile-summary.ts FILE.cpuprofile [TOP] [FILTER]'); process.exit(2); }
const p = JSON.parse(readFileSync(file, 'utf8')) as Profile;
const top = Number(topArg ?? 25);
const byId = new Map(p.nodes.map((n) => [n.id, n]));
const parent = new Map<number, number>();
for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const label = (n: Node) => {
  const url = n.callFrame.url.replace(/^file:\/\//, '').replace(process.cwd() + '/', '');
  return `${n.callFrame.functionName || '(anonymous)'} ${url}:${n.callFrame.lineNumber + 1}`;
};
const selfUs = new Map<number, number>();
const windowText = process.env.PROFILE_WINDOW;
let from = 0, to = p.samples.length - 1;
if (windowText) {
  const hit = (id: number) => {
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) if (label(byId.get(cur)!).includes(windowText)) return true;
    return false;
  };
  const bursts: [number, number][] = [];
  let t = 0, lastHit = -Infinity;
  p.samples.forEach((id, i) => {
    t += p.timeDeltas[i] ?? 0;
    if (!hit(id)) return;
    if (t - lastHit > 300_000) bursts.push([i, i]); else bursts[bursts.length - 1]![1] = i;
    lastHit = t;
  });
  const want = Number(process.env.PROFILE_BURST ?? 0);
  const chosen = want > 0 ? bursts[want - 1] : bursts.length > 0 ? [bursts[0]![0], bursts[bursts.length - 1]![1]] as [number, number] : undefined;
  if (!chosen) { console.error(`no sample (burst ${want}) has a frame containing "${windowText}"`); process.exit(1); }
  [from, to] = chosen;
  const span = p.timeDeltas.slice(from + 1, to + 1).reduce((a, b) => a + b, 0);
  console.log(`window "${windowText}": samples ${from}..${to}, ${(span / 1e3).toFixed(0)} ms of wall time`);
}
p.samples.forEach((id, i) => { if (i >= from && i <= to) selfUs.set(id, (selfUs.get(id) ?? 0) + (p.timeDeltas[i] ?? 0)); });
const self = new Map<string, number>(), total = new Map<string, number>();
for (const [id, us] of selfUs) {
  const n = byId.get(id)!;
  self.set(label(n), (self.get(label(n)) ?? 0) + us);
  const seen = new Set<string>();
  for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
    const l = label(byId.get(cur)!);
    if (!seen.has(l)) { seen.add(l); total.set(l, (total.get(l) ?? 0) + us); }
  }
}
const all = [...selfUs.values()].reduce((a, b) => a + b, 0);
const idle = [...self].filter(([l]) => l.startsWith('(idle)')).reduce((a, [, v]) => a + v, 0);
console.log(`profile ${file}: ${(all / 1e6).toFixed(2)} s sampled, ${(idle / 1e6).toFixed(2)} s idle, ${((all - idle) / 1e6).toFixed(2)} s busy`);
const show = (title: string, m: Map<string, number>) => {
  console.log(`\n${title} (ms, % of busy)`);
  [...m].filter(([l]) => !l.startsWith('(idle)') && !l.startsWith('(root)') && (!filter || l.includes(filter)))
    .sort((a, b) => b[1] - a[1]).slice(0, top)
    .forEach(([l, v]) => console.log(`${(v / 1e3).toFixed(0).padStart(8)} ${(100 * v / (all - idle)).toFixed(1).padStart(5)}%  ${l}`));
};
show('self time', self);
show('total time', total);
