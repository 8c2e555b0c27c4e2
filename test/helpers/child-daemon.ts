/**
 * The real daemon (`node --import tsx src/main.ts serve --config FILE`) as a child process for
 * fault, load and security tests: a config written from an object (JSON is YAML), both listeners
 * on port 0 (the ports are read from the "releasedav started" log line), every byte of stdout and
 * stderr captured for secret scans, and /proc probes (open fds, VmRSS) of the child.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const REPO = resolve(import.meta.dirname, '../..');

/** One JSON log line of the daemon. */
export interface DaemonLogLine { level: number; msg: string; [k: string]: unknown }

/** A running child daemon. */
export interface ChildDaemon {
  child: ChildProcess;
  pid: number;
  /** `http://127.0.0.1:port` of the WebDAV listener. */
  dav: string;
  /** `http://127.0.0.1:port` of the downloads listener. */
  dl: string;
  /** Parsed JSON log lines so far. */
  lines: DaemonLogLine[];
  /** Everything written to stdout and stderr so far. */
  output(): string;
  /** First log line (seen or future) matching `pred`. @throws Error on timeout or exit */
  waitForLog(pred: (l: DaemonLogLine) => boolean, timeoutMs?: number): Promise<DaemonLogLine>;
  /** Resolves when the process has exited. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Open file descriptors of the child (/proc/pid/fd). @throws if the process is gone */
  fdCount(): number;
  /** Resident set size of the child in KiB (/proc/pid/status VmRSS). @throws if the process is gone */
  rssKiB(): number;
  /** SIGTERM (then SIGKILL after 10 s) and wait for exit. @throws never */
  stop(): Promise<void>;
  /** SIGKILL and wait for exit. @throws never */
  kill(): Promise<void>;
}

/**
 * Writes `config` to `<dir>/releasedav.yaml` and starts the daemon on it.
 * The listeners' ports are forced to 0 unless the config names them.
 * @throws Error when the daemon exits or does not log "releasedav started" within 30 s
 */
export async function startChildDaemon(dir: string, config: Record<string, unknown>, o: { env?: NodeJS.ProcessEnv } = {}): Promise<ChildDaemon> {
  const cfg = {
    ...config,
    webdav: { host: '127.0.0.1', port: 0, ...(config.webdav as object | undefined) },
    downloads: { host: '127.0.0.1', port: 0, ...(config.downloads as object | undefined) },
    logging: { level: 'info', ...(config.logging as object | undefined) },
  };
  const file = join(dir, 'releasedav.yaml');
  writeFileSync(file, JSON.stringify(cfg, null, 2));
  const child = spawn(process.execPath, ['--import', 'tsx', join(REPO, 'src/main.ts'), 'serve', '--config', file], {
    cwd: REPO, env: { ...process.env, ...o.env }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: DaemonLogLine[] = [];
  let out = '';
  let buf = '';
  const waiters = new Set<{ pred: (l: DaemonLogLine) => boolean; done: (l: DaemonLogLine) => void }>();
  child.stdout!.setEncoding('utf8').on('data', (d: string) => {
    out += d;
    buf += d;
    for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
      const text = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      let line: DaemonLogLine;
      try { line = JSON.parse(text) as DaemonLogLine; } catch { continue; }
      lines.push(line);
      for (const w of [...waiters]) if (w.pred(line)) { waiters.delete(w); w.done(line); }
    }
  });
  child.stderr!.setEncoding('utf8').on('data', (d: string) => { out += d; });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((res) => child.on('close', (code, signal) => res({ code, signal })));
  let gone = false;
  void exited.then(() => { gone = true; });
  const waitForLog = (pred: (l: DaemonLogLine) => boolean, timeoutMs = 20_000): Promise<DaemonLogLine> => {
    const seen = lines.find(pred);
    if (seen) return Promise.resolve(seen);
    return new Promise((res, rej) => {
      const w = { pred, done: (l: DaemonLogLine) => { clearTimeout(t); res(l); } };
      const t = setTimeout(() => { waiters.delete(w); rej(new Error(`timed out waiting for a log line; output:\n${out.slice(-4000)}`)); }, timeoutMs);
      waiters.add(w);
      void exited.then(() => { if (waiters.delete(w)) { clearTimeout(t); rej(new Error(`daemon exited; output:\n${out.slice(-4000)}`)); } });
    });
  };
  let started: DaemonLogLine;
  try {
    started = await waitForLog((l) => l.msg === 'releasedav started', 30_000);
  } catch (e) {
    child.kill('SIGKILL');
    throw e;
  }
  const origin = (u: unknown) => String(u).replace(/\/$/, '');
  const procFile = (name: string) => readFileSync(`/proc/${child.pid}/${name}`, 'utf8');
  return {
    child, pid: child.pid!, dav: origin(started.webdav), dl: origin(started.downloads), lines, exited, waitForLog,
    output: () => out,
    fdCount: () => readdirSync(`/proc/${child.pid}/fd`).length,
    rssKiB: () => Number(/VmRSS:\s+(\d+)/.exec(procFile('status'))?.[1] ?? NaN),
    async stop() {
      if (gone) return;
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(t);
    },
    async kill() {
      if (!gone) child.kill('SIGKILL');
      await exited;
    },
  };
}
