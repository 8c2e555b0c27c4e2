/**
 * The cluster primary with stand-in workers (fixtures/fake-worker.mjs): the exit code of a
 * start-up failure, the crash-loop guard, and /metrics aggregation when one worker stays silent.
 * The real daemon with two workers is test/coordination/workers.test.ts.
 */
import assert from 'node:assert/strict';
import cluster from 'node:cluster';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { configSchema } from '../../src/config/schema.ts';
import { createLogger } from '../../src/log.ts';
import { runClusterPrimary } from '../../src/lifecycle/cluster-primary.ts';

cluster.setupPrimary({ exec: join(import.meta.dirname, 'fixtures/fake-worker.mjs'), execArgv: [], args: [], silent: true });
const config = configSchema.parse({ workers: 2, coordination: { redis: { url: 'redis://127.0.0.1:1' } }, categories: [{ slug: 'files', directory: 'files' }] });

function logSink() {
  const lines: { msg: string; [k: string]: unknown }[] = [];
  const destination = new Writable({ write(c, _e, cb) { for (const t of String(c).split('\n')) if (t) lines.push(JSON.parse(t)); cb(); } });
  return { lines, log: createLogger({ level: 'info', destination }) };
}

describe('cluster primary', () => {
  it('returns the exit code of workers that cannot start, without retrying', async () => {
    process.env.RDAV_FAKE_WORKER = 'fail-start';
    const { lines, log } = logSink();
    assert.equal(await runClusterPrimary(config, 'c.yaml', { log }), 3);
    assert.ok(lines.some((l) => /failed to start \(exit code 3\); stopping/.test(l.msg)));
    assert.equal(lines.filter((l) => /starting a replacement/.test(l.msg)).length, 0);
  });

  it('replaces dying workers, then gives up after maxDeaths within the window and exits 1', async () => {
    process.env.RDAV_FAKE_WORKER = 'crash';
    const { lines, log } = logSink();
    const code = await runClusterPrimary(config, 'c.yaml', { log, limits: { maxDeaths: 4, baseDelayMs: 10 } });
    assert.equal(code, 1);
    const replaced = lines.filter((l) => /died \(exit code 1\); starting a replacement/.test(l.msg));
    assert.equal(replaced.length, 3);
    assert.ok(replaced.every((l) => typeof l.workerPid === 'number' && l.code === 1));
    assert.deepEqual(replaced.map((l) => l.restartInMs), [10, 20, 40], 'the delay doubles');
    const gaveUp = lines.find((l) => /giving up/.test(l.msg));
    assert.equal(gaveUp?.deaths, 4);
  });

  it('aggregates the workers that answer; a silent one is left out after collectTimeoutMs instead of hanging /metrics', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rdav-primary-'));
    process.env.RDAV_FAKE_WORKER = 'metrics';
    process.env.RDAV_FAKE_OUT = join(dir, 'metrics.txt');
    const { log } = logSink();
    const done = runClusterPrimary(config, 'c.yaml', { log, limits: { collectTimeoutMs: 300 } });
    while (!existsSync(process.env.RDAV_FAKE_OUT)) await new Promise((r) => setTimeout(r, 50));
    const text = readFileSync(process.env.RDAV_FAKE_OUT, 'utf8');
    process.kill(process.pid, 'SIGTERM');
    assert.equal(await done, 0);
    rmSync(dir, { recursive: true, force: true });
    assert.match(text, /^fake_requests_total\{route="x"\} 3$/m);
    assert.match(text, /^releasedav_workers\{state="configured"\} 2$/m);
    assert.match(text, /^releasedav_workers\{state="up"\} 2$/m);
    assert.match(text, /^releasedav_workers\{state="reporting"\} 1$/m);
  });
});
