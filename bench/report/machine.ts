/** Facts about the machine and the versions of everything measured, for BENCHMARKS.md. */
import { readFileSync } from 'node:fs';
import { cpus, totalmem, release, loadavg } from 'node:os';
import { join } from 'node:path';
import { run } from '../lib/proc.ts';

/** Label → value lines. */
export type Facts = [string, string][];

const first = (s: string) => s.trim().split('\n')[0] ?? '';
const readJsonVersion = (f: string) => { try { return (JSON.parse(readFileSync(f, 'utf8')) as { version: string }).version; } catch { return 'n/a'; } };

/** The 1-minute load average now, for the report (the machine may be shared). */
export const loadNow = (): string => loadavg()[0]!.toFixed(1);

/** The machine: CPU, cores, memory, kernel, Debian release, load at start and end. @throws never */
export function machineFacts(loadAtStart: string): Facts {
  let debian = 'n/a';
  try { debian = readFileSync('/etc/debian_version', 'utf8').trim(); } catch { /* not Debian */ }
  return [
    ['CPU', `${cpus()[0]?.model ?? 'n/a'} × ${cpus().length} cores`],
    ['memory', `${(totalmem() / 2 ** 30).toFixed(1)} GiB`],
    ['kernel', release()],
    ['Debian', debian],
    ['load average (1 min)', `${loadAtStart} at the start, ${loadNow()} at the end of the run (other work on the machine shows here; ratios within a run stay comparable)`],
    ['network', 'loopback only; clients (curl, wrk), servers and the RGW share the same cores'],
    ['S3', process.env.BENCH_RGW_CONF
      ? `a one-node Ceph RGW started for the run by scripts/s3-test-server/start-rgw.sh (OSD backend ${process.env.BENCH_RGW_BACKEND ?? 'memstore'}), on this machine`
      : `the S3 endpoint given in BENCH_S3_ENDPOINT (${process.env.BENCH_S3_ENDPOINT ?? 'none'})`],
  ];
}

/** Versions of ReleaseDAV, Node, the SDK and every peer tool. @throws never */
export async function versionFacts(repoRoot: string): Promise<Facts> {
  const v = async (cmd: string, args: string[]) => { const r = await run(cmd, args); return first(r.stdout || r.stderr) || 'n/a'; };
  return [
    ['ReleaseDAV', `${readJsonVersion(join(repoRoot, 'package.json'))} @ ${await v('git', ['-C', repoRoot, 'rev-parse', '--short', 'HEAD'])}`],
    ['Node', process.version],
    ['@aws-sdk/client-s3', readJsonVersion(join(repoRoot, 'node_modules/@aws-sdk/client-s3/package.json'))],
    ['nginx', await v('nginx', ['-v'])],
    ['rclone', await v('rclone', ['version'])],
    ['Ceph RGW', await v('radosgw', ['--version'])],
    ['curl', (await v('curl', ['--version'])).split(' ').slice(0, 2).join(' ')],
    ['wrk', (await v('wrk', ['-v'])).split(' ').slice(0, 2).join(' ')],
  ];
}
