/** CPU time and RSS of a server process and its children (nginx workers), from /proc. */
import { readFileSync } from 'node:fs';

const TICK_MS = 10; // USER_HZ 100

/** The process and its direct children (nginx's workers). @throws never */
export function processTree(pid: number): number[] {
  try {
    return [pid, ...readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number)];
  } catch { return [pid]; }
}

/** utime+stime of `pid` and its children (all threads), ms. @throws never (0 for a gone process) */
export function cpuMs(pid: number): number {
  let ms = 0;
  for (const p of processTree(pid)) {
    try {
      const f = readFileSync(`/proc/${p}/stat`, 'utf8').split(') ')[1]!.split(' ');
      ms += (Number(f[11]) + Number(f[12])) * TICK_MS;
    } catch { /* gone */ }
  }
  return ms;
}

/** VmRSS of `pid` and its children, MiB. @throws never (0 for a gone process) */
export function treeRssMiB(pid: number): number {
  let kib = 0;
  for (const p of processTree(pid)) {
    try { kib += Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${p}/status`, 'utf8'))?.[1] ?? 0); } catch { /* gone */ }
  }
  return kib / 1024;
}

/** Samples treeRssMiB every 50 ms while `work` runs. @throws what `work` throws */
export async function sampleRss<T>(pid: number, work: () => Promise<T>): Promise<{ result: T; startMiB: number; peakMiB: number }> {
  const startMiB = treeRssMiB(pid);
  let peakMiB = startMiB;
  const t = setInterval(() => { peakMiB = Math.max(peakMiB, treeRssMiB(pid)); }, 50);
  try {
    const result = await work();
    return { result, startMiB, peakMiB: Math.max(peakMiB, treeRssMiB(pid)) };
  } finally { clearInterval(t); }
}
