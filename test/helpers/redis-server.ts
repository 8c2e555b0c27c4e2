/**
 * A real, throwaway redis-server (Debian package `redis-server`) for tests: loopback only, a free
 * random port, no persistence, its own temp dir. Tests that need it skip with
 * {@link REDIS_SKIP_REASON} when the binary is not installed.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const BIN = process.env.RDAV_TEST_REDIS_SERVER ?? 'redis-server';

/** Why Redis tests are skipped, or false when redis-server is installed. */
export const REDIS_SKIP_REASON: string | false =
  spawnSync(BIN, ['--version'], { stdio: 'ignore' }).status === 0 ? false : `${BIN} is not installed (Debian package redis-server)`;

/** A running test Redis. */
export interface TestRedis {
  port: number;
  /** `redis://127.0.0.1:<port>`. */
  url: string;
  /** Stops the server (SIGTERM, then waits). Idempotent. @throws never */
  stop(): Promise<void>;
  /** Starts it again on the same port (after {@link stop}). @throws Error when it does not answer PING in 10 s */
  restart(): Promise<void>;
}

/** A free loopback TCP port. @throws never in practice */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

/** Sends PING over a raw socket; true on +PONG. */
function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createConnection({ host: '127.0.0.1', port });
    const done = (ok: boolean) => { s.destroy(); resolve(ok); };
    s.setTimeout(500, () => done(false));
    s.once('error', () => done(false));
    s.once('connect', () => s.write('PING\r\n'));
    s.once('data', (d) => done(d.toString().startsWith('+PONG')));
  });
}

/**
 * Starts redis-server on a random loopback port and waits until it answers PING.
 * @throws Error when redis-server is missing or does not come up within 10 s
 */
export async function startTestRedis(): Promise<TestRedis> {
  if (REDIS_SKIP_REASON) throw new Error(REDIS_SKIP_REASON);
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'rdav-redis-'));
  let child: ChildProcess | undefined;
  let log = '';
  const start = async () => {
    log = '';
    mkdirSync(dir, { recursive: true });
    const c = spawn(BIN, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], { stdio: ['ignore', 'pipe', 'pipe'] });
    c.stdout!.on('data', (d) => { log = (log + d).slice(-4000); });
    c.stderr!.on('data', (d) => { log = (log + d).slice(-4000); });
    child = c;
    const until = Date.now() + 10_000;
    while (Date.now() < until) {
      if (c.exitCode !== null) break;
      if (await ping(port)) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    c.kill('SIGKILL');
    throw new Error(`redis-server did not answer on port ${port}: ${log}`);
  };
  const stop = async () => {
    const c = child;
    child = undefined;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    const exited = new Promise((r) => c.once('exit', r));
    c.kill('SIGTERM');
    const t = setTimeout(() => c.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(t);
  };
  await start();
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    async stop() {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
    async restart() {
      await stop();
      await start();
    },
  };
}
