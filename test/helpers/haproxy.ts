/**
 * A real HAProxy (Debian package `haproxy`) for tests: HTTP mode, round robin per request, no
 * stickiness, in front of the given backends, on a free loopback port. Skip with
 * {@link HAPROXY_SKIP_REASON} when it is not installed.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './redis-server.ts';

const BIN = process.env.RDAV_TEST_HAPROXY ?? 'haproxy';

/** Why HAProxy tests are skipped, or false. */
export const HAPROXY_SKIP_REASON: string | false =
  spawnSync(BIN, ['-v'], { stdio: 'ignore' }).status === 0 ? false : `${BIN} is not installed (Debian package haproxy)`;

/** A running balancer. */
export interface TestHaproxy { url: string; stop(): Promise<void> }

/**
 * Starts HAProxy balancing over `backends` ("127.0.0.1:port" each), one request to the next.
 * @throws Error when it does not accept connections within 10 s
 */
export async function startHaproxy(backends: string[]): Promise<TestHaproxy> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'rdav-haproxy-'));
  const cfg = [
    'global', '  maxconn 512',
    'defaults', '  mode http', '  timeout connect 5s', '  timeout client 300s', '  timeout server 300s', '  option http-server-close',
    'frontend fe', `  bind 127.0.0.1:${port}`, '  default_backend be',
    'backend be', '  balance roundrobin',
    ...backends.map((b, i) => `  server s${i} ${b}`),
    '',
  ].join('\n');
  writeFileSync(join(dir, 'haproxy.cfg'), cfg);
  const child = spawn(BIN, ['-db', '-f', join(dir, 'haproxy.cfg')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (d) => { err = (err + d).slice(-4000); });
  const url = `http://127.0.0.1:${port}`;
  const until = Date.now() + 10_000;
  for (;;) {
    try { await fetch(`${url}/`, { method: 'OPTIONS' }); break; } catch { /* not yet */ }
    if (child.exitCode !== null || Date.now() > until) { child.kill('SIGKILL'); throw new Error(`haproxy did not start: ${err}`); }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    url,
    async stop() {
      if (child.exitCode === null) {
        const done = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await done;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
