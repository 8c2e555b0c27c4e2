/**
 * Runs the real daemon (`node --import tsx src/main.ts serve --config FILE`) as a child process
 * and captures its JSON log lines, so tests can wait for events and scan every line for secrets.
 */
import type { ChildProcess } from 'node:child_process';
import { request } from 'node:http';
import type { Readable } from 'node:stream';
import { spawnCli } from '../cli/run-cli.ts';

export interface LogLine { level: number; msg: string; [k: string]: unknown }

export interface Daemon {
  child: ChildProcess;
  /** Every JSON line written so far. */
  lines: LogLine[];
  /** Raw stdout + stderr text (for secret scans and failure messages). */
  raw(): string;
  /** Resolves with the first line (already seen or future) that matches. */
  waitForLog(pred: (l: LogLine) => boolean, timeoutMs?: number, what?: string): Promise<LogLine>;
  /** Resolves with the exit code once the process has ended. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** All log lines captured by every daemon of this test file (for the final secret scan). */
export const allCapturedLogs: string[] = [];

/** Starts the daemon and waits for "releasedav started". @throws Error if it exits first or times out */
export async function startDaemon(configFile: string, o: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): Promise<Daemon> {
  const child = spawnCli(['serve', '--config', configFile], o);
  const lines: LogLine[] = [];
  let raw = '';
  const waiters: { pred: (l: LogLine) => boolean; resolve: (l: LogLine) => void }[] = [];
  let buf = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => {
    raw += d;
    allCapturedLogs.push(d);
    buf += d;
    let nl;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const text = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      let line: LogLine;
      try { line = JSON.parse(text) as LogLine; } catch { continue; }
      lines.push(line);
      for (const w of [...waiters]) if (w.pred(line)) { waiters.splice(waiters.indexOf(w), 1); w.resolve(line); }
    }
  });
  child.stderr!.setEncoding('utf8').on('data', (d: string) => { raw += d; allCapturedLogs.push(d); });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((res) => child.on('close', (code, signal) => res({ code, signal })));
  const d: Daemon = {
    child, lines, raw: () => raw, exited,
    waitForLog(pred, timeoutMs = 20_000, what = 'a log line') {
      const seen = lines.find(pred);
      if (seen) return Promise.resolve(seen);
      return new Promise((res, rej) => {
        const timer = setTimeout(() => rej(new Error(`timed out waiting for ${what}; output:\n${raw}`)), timeoutMs);
        const w = { pred, resolve: (l: LogLine) => { clearTimeout(timer); res(l); } };
        waiters.push(w);
        void exited.then(() => { if (waiters.includes(w)) { clearTimeout(timer); rej(new Error(`daemon exited while waiting for ${what}; output:\n${raw}`)); } });
      });
    },
  };
  await d.waitForLog((l) => l.msg === 'releasedav started', 30_000, 'start-up');
  return d;
}

/** Stops the daemon with SIGTERM (if still running) and returns its exit status. */
export async function stopDaemon(d: Daemon): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (d.child.exitCode === null && d.child.signalCode === null) d.child.kill('SIGTERM');
  return d.exited;
}

export interface HttpResult { status: number; body: string; headers: Record<string, string | string[] | undefined> }

/** One HTTP request; `body` may be a stream (piped) or a string. Rejects on socket errors. */
export function http(method: string, url: string, o: { auth?: string; headers?: Record<string, string>; body?: Readable | string } = {}): Promise<HttpResult> {
  return new Promise((res, rej) => {
    const headers: Record<string, string> = { ...o.headers };
    if (o.auth) headers.authorization = `Basic ${Buffer.from(o.auth).toString('base64')}`;
    if (typeof o.body === 'string') headers['content-length'] = String(Buffer.byteLength(o.body));
    const req = request(url, { method, headers, agent: false }, (r) => {
      let body = '';
      r.setEncoding('utf8').on('data', (c: string) => { body += c; }).on('end', () => res({ status: r.statusCode ?? 0, body, headers: r.headers }));
      r.on('error', rej);
    });
    req.on('error', rej);
    if (o.body === undefined) req.end();
    else if (typeof o.body === 'string') req.end(o.body);
    else o.body.pipe(req);
  });
}
