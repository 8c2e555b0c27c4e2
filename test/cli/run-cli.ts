/**
 * Test helpers: run the real `releasedav` command as a child process; write temp configs;
 * pick free ports (a child cannot be told "port 0", so bind 0, read the port, release it).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const REPO_ROOT = resolve(import.meta.dirname, '../..');
export const MAIN = join(REPO_ROOT, 'src/main.ts');

export interface CliResult { code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }

/** Runs `releasedav <args>` to completion with optional stdin text. */
export function runCli(args: string[], o: { stdin?: string; cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<CliResult> {
  return new Promise((res, rej) => {
    const child = spawnCli(args, o);
    let stdout = '';
    let stderr = '';
    child.stdout!.setEncoding('utf8').on('data', (d: string) => { stdout += d; });
    child.stderr!.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
    const timer = setTimeout(() => { child.kill('SIGKILL'); rej(new Error(`releasedav ${args.join(' ')} timed out\n${stderr}`)); }, o.timeoutMs ?? 30_000);
    child.on('error', rej);
    child.on('close', (code, signal) => { clearTimeout(timer); res({ code, signal, stdout, stderr }); });
    if (o.stdin !== undefined) child.stdin!.end(o.stdin); else child.stdin!.end();
  });
}

/** Starts `node --import tsx src/main.ts <args>` (cwd = repo root unless given). */
export function spawnCli(args: string[], o: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', MAIN, ...args], {
    cwd: o.cwd ?? REPO_ROOT,
    env: { ...process.env, ...o.env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
}

/** A fresh temp folder for one test. */
export function tempDir(label: string): string {
  return mkdtempSync(join(tmpdir(), `rdav-${label}-`));
}

/** Writes `text` to `<dir>/<name>` and returns the path. */
export function writeFile(dir: string, name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

/** A port that was free a moment ago. */
export async function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', rej);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => res(port));
    });
  });
}
