/**
 * Child processes for the bench: long-running services (with logs to files), one-shot commands,
 * free ports, waiting for a port, and the resident memory of a process.
 */
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { createWriteStream, readFileSync, writeFileSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/** A service started by the bench; `stop()` ends it (and only it). */
export interface Service {
  name: string;
  proc: ChildProcess;
  pid: number;
  logFile: string;
  stop(): Promise<void>;
}

const running = new Set<Service>();

/** Stops every service still running (cleanup after a crash of the bench itself). @throws never */
export async function stopAll(): Promise<void> {
  await Promise.all([...running].map((s) => s.stop().catch(() => undefined)));
}

/**
 * Starts a long-running command with stdout/stderr into `<logDir>/<name>.log`.
 * @throws Error when the process cannot be spawned.
 */
export function startService(name: string, cmd: string, args: string[], logDir: string, opts: SpawnOptions = {}): Service {
  const logFile = join(logDir, `${name}.log`);
  const log = createWriteStream(logFile);
  const proc = spawn(cmd, args, { ...opts, stdio: ['ignore', 'pipe', 'pipe'] });
  proc.stdout!.pipe(log, { end: false });
  proc.stderr!.pipe(log, { end: false });
  if (proc.pid === undefined) throw new Error(`cannot start ${name} (${cmd})`);
  const exited = new Promise<void>((res) => proc.once('exit', () => res()));
  const svc: Service = {
    name, proc, pid: proc.pid, logFile,
    async stop() {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      proc.kill('SIGTERM');
      const t = await Promise.race([exited.then(() => 'exited'), sleep(5000).then(() => 'timeout')]);
      if (t === 'timeout') { proc.kill('SIGKILL'); await exited; }
      log.end();
      running.delete(svc);
    },
  };
  running.add(svc);
  return svc;
}

/** Result of a one-shot command. */
export interface RunResult { code: number; stdout: string; stderr: string }

/**
 * Runs a command to completion and captures its output (optionally feeding stdin text).
 * @throws never: a spawn failure is code 127 with the message in stderr.
 */
export function run(cmd: string, args: string[], opts: SpawnOptions & { input?: string } = {}): Promise<RunResult> {
  return new Promise((resolve) => {
    let stdout = '', stderr = '';
    const p = spawn(cmd, args, { ...opts, stdio: [opts.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
    p.stdout!.on('data', (d) => (stdout += d));
    p.stderr!.on('data', (d) => (stderr += d));
    p.on('error', (e) => resolve({ code: 127, stdout, stderr: stderr + String(e) }));
    p.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
    if (opts.input !== undefined) {
      p.stdin!.on('error', () => { /* the command stopped reading: its exit code tells */ });
      p.stdin!.end(opts.input);
    }
  });
}

/** A TCP port free on 127.0.0.1 right now. @throws Error if none can be bound */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
}

/**
 * Waits until 127.0.0.1:port accepts connections.
 * @throws Error after `timeoutMs`, or at once when `svc` exited (with the tail of its log).
 */
export async function waitForPort(port: number, timeoutMs: number, svc?: Service): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (svc && (svc.proc.exitCode !== null || svc.proc.signalCode !== null)) {
      throw new Error(`${svc.name} exited (${svc.proc.exitCode ?? svc.proc.signalCode}) before listening: ${logTail(svc.logFile)}`);
    }
    const ok = await new Promise<boolean>((res) => {
      const c = connect(port, '127.0.0.1');
      c.once('connect', () => { c.destroy(); res(true); });
      c.once('error', () => res(false));
    });
    if (ok) return;
    await sleep(100);
  }
  throw new Error(`nothing listens on 127.0.0.1:${port} after ${timeoutMs} ms${svc ? `: ${logTail(svc.logFile)}` : ''}`);
}

/** The last lines of a log file, for error messages. */
export function logTail(file: string, lines = 8): string {
  try { return readFileSync(file, 'utf8').trim().split('\n').slice(-lines).join(' | '); } catch { return '(no log)'; }
}

/** A field of /proc/<pid>/status in KiB (VmRSS, VmHWM), or null when the process is gone. */
export function procStatusKiB(pid: number, field: 'VmRSS' | 'VmHWM'): number | null {
  try {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : null;
  } catch { return null; }
}

/**
 * Samples a process's resident memory while `work` runs: resets the kernel's high-water mark first
 * (clear_refs 5), polls VmRSS every 50 ms, and returns the larger of the poll maximum and VmHWM, in MiB.
 * @throws whatever `work` throws.
 */
export async function peakRssDuring<T>(pid: number, work: () => Promise<T>): Promise<{ result: T; peakMiB: number | null; startMiB: number | null }> {
  try { writeFileSync(`/proc/${pid}/clear_refs`, '5'); } catch { /* older kernels: poll only */ }
  const startKiB = procStatusKiB(pid, 'VmRSS');
  let max = startKiB ?? 0;
  const timer = setInterval(() => { const v = procStatusKiB(pid, 'VmRSS'); if (v !== null && v > max) max = v; }, 50);
  try {
    const result = await work();
    const hwm = procStatusKiB(pid, 'VmHWM');
    const peak = Math.max(max, hwm ?? 0);
    return { result, peakMiB: peak > 0 ? peak / 1024 : null, startMiB: startKiB === null ? null : startKiB / 1024 };
  } finally {
    clearInterval(timer);
  }
}
