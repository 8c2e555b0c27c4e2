/**
 * The HTTP clients of the bench: curl for transfers and single requests, wrk for request rates.
 */
import { spawn } from 'node:child_process';
import type { Readable } from 'node:stream';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { run } from './proc.ts';
import { BODIES } from './propfind.ts';

/** What curl reports for one request. */
export interface CurlResult { status: number; seconds: number; bytesUp: number; bytesDown: number; exitCode: number }

const W = '%{http_code} %{time_total} %{size_upload} %{size_download}';

function parseCurl(out: string, stderr: string, code: number): CurlResult {
  const m = /(\d{3}) ([\d.]+) (\d+) (\d+)\s*$/.exec(out);
  if (!m) throw new Error(`curl failed (exit ${code}): ${stderr.trim() || out.trim()}`);
  return { status: Number(m[1]), seconds: Number(m[2]), bytesUp: Number(m[3]), bytesDown: Number(m[4]), exitCode: code };
}

/**
 * Runs curl with `args` plus `-s -w <format>`; the body goes where `args` say (-o /dev/null usually).
 * With `stdin`, that stream feeds curl's standard input (for `-T -`).
 * @throws Error when curl fails to produce its report (connection refused, ...).
 */
export async function curl(args: string[], stdin?: Readable): Promise<CurlResult> {
  if (!stdin) {
    const r = await run('curl', ['-s', '-S', '-w', W, ...args]);
    return parseCurl(r.stdout, r.stderr, r.code);
  }
  return new Promise((resolve, reject) => {
    let out = '', err = '';
    const p = spawn('curl', ['-s', '-S', '-w', W, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (err += d));
    p.stdin.on('error', () => { /* curl closed early: its report says why */ });
    stdin.on('error', (e) => p.kill() && reject(e));
    stdin.pipe(p.stdin);
    p.on('error', reject);
    p.on('close', (code) => { try { resolve(parseCurl(out, err, code ?? 1)); } catch (e) { reject(e); } });
  });
}

/** Basic credentials as curl's `-u` argument. */
export const userArg = (user: string, pass: string): string[] => ['-u', `${user}:${pass}`];

/** What wrk reports. */
export interface WrkResult {
  reqPerSec: number; p99Ms: number | null; requests: number; non2xx3xx: number; errors: string | null;
  /** wrk's own CPU (user+sys, from the shell's `times`) / wall time, in cores; null when not reported. */
  clientCores: number | null;
}

const toMs = (v: string, unit: string): number => Number(v) * (unit === 'us' ? 1e-3 : unit === 'ms' ? 1 : unit === 's' ? 1000 : unit === 'm' ? 60000 : NaN);

/**
 * Runs wrk (`--latency`) and parses requests/s, p99, non-2xx/3xx count and socket errors.
 * @throws Error when wrk fails or prints no rate.
 */
export async function wrk(url: string, o: { threads: number; conns: number; seconds: number; lua?: string; workDir: string; name: string }): Promise<WrkResult> {
  const args = [`-t${o.threads}`, `-c${o.conns}`, `-d${o.seconds}s`, '--latency'];
  if (o.lua) {
    const f = join(o.workDir, `${o.name}.lua`);
    writeFileSync(f, o.lua);
    args.push('-s', f);
  }
  // Through sh so `times` reports wrk's CPU (the client shares the cores with the server).
  const t0 = Date.now();
  const r = await run('sh', ['-c', 'wrk "$@"; code=$?; times; exit $code', 'sh', ...args, url]);
  const wallMs = Date.now() - t0;
  const rate = /Requests\/sec:\s+([\d.]+)/.exec(r.stdout);
  if (r.code !== 0 || !rate) throw new Error(`wrk failed (exit ${r.code}): ${(r.stderr || r.stdout).trim().slice(0, 300)}`);
  const p99 = /^\s+99%\s+([\d.]+)(us|ms|s|m)\s*$/m.exec(r.stdout);
  const total = /(\d+) requests in/.exec(r.stdout);
  const bad = /Non-2xx or 3xx responses:\s+(\d+)/.exec(r.stdout);
  const errs = /Socket errors:([^\n]+)/.exec(r.stdout);
  // `times`: the shell's user/sys, then its children's, e.g. "0m1.234s 0m0.567s".
  const tm = [...r.stdout.matchAll(/^(\d+)m([\d.]+)s (\d+)m([\d.]+)s$/gm)].at(-1);
  const clientCores = tm ? ((Number(tm[1]) + Number(tm[3])) * 60 + Number(tm[2]) + Number(tm[4])) * 1000 / wallMs : null;
  return {
    reqPerSec: Number(rate[1]),
    p99Ms: p99 ? toMs(p99[1]!, p99[2]!) : null,
    requests: total ? Number(total[1]) : 0,
    non2xx3xx: bad ? Number(bad[1]) : 0,
    errors: errs ? errs[1]!.trim() : null,
    clientCores,
  };
}

/** A wrk Lua script sending PROPFIND (allprop body unless another is given) with the given Depth and Basic credentials. */
export function propfindLua(depth: string, user: string, pass: string, body: string = BODIES.allprop): string {
  const auth = Buffer.from(`${user}:${pass}`).toString('base64');
  return [
    'wrk.method = "PROPFIND"',
    `wrk.headers["Depth"] = "${depth}"`,
    `wrk.headers["Authorization"] = "Basic ${auth}"`,
    'wrk.headers["Content-Type"] = "application/xml"',
    `wrk.body = '${body}'`,
    '',
  ].join('\n');
}
