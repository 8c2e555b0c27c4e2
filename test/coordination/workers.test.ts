/**
 * `workers: 2` with a real Redis: the real daemon as a child process (a node:cluster primary and
 * two workers on the same two listeners). Every request goes on its own connection, so the
 * primary hands them to the workers in turn; the workers' log lines (which carry their pid) say
 * who served what.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { REDIS_SKIP_REASON, startTestRedis, type TestRedis } from '../helpers/redis-server.ts';
import { startChildDaemon, type ChildDaemon, type DaemonLogLine } from '../helpers/child-daemon.ts';
import { assertLitmusPasses, LITMUS_SKIP_REASON } from '../helpers/litmus.ts';
import { s3TestEnv, skipUnlessS3, uniquePrefix } from '../helpers/s3env.ts';
import { send } from '../helpers/world.ts';
import { runCli } from '../cli/run-cli.ts';
import { eventually } from './instances.ts';

const ANYONE = { read: ['anonymous'], write: ['anonymous'] };

/** Sum of every sample of `name` whose labels contain `labels` (e.g. `method="PROPFIND"`). */
function sample(text: string, name: string, ...labels: string[]): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (labels.every((l) => line.includes(l))) sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return sum;
}

describe('workers: 2 on one machine (node:cluster, real Redis)', { skip: REDIS_SKIP_REASON || undefined }, () => {
  let redis: TestRedis;
  let dir: string;
  let d: ChildDaemon;
  let config: Record<string, unknown>;
  /** The pids of the workers serving now (from the primary's lines). */
  const serving = () => {
    const up = new Set<number>();
    for (const l of d.lines) {
      if (l.role !== 'primary') continue;
      if (l.msg === 'worker serving') up.add(Number(l.workerPid));
      if (/died|failed to start|worker stopped/.test(l.msg)) up.delete(Number(l.workerPid));
    }
    return [...up];
  };
  /** Lines from `from` on with message `msg`, grouped by pid. */
  const byPid = (from: number, pred: (l: DaemonLogLine) => boolean) => {
    const m = new Map<number, number>();
    for (const l of d.lines.slice(from)) if (l.role !== 'primary' && pred(l)) m.set(Number(l.pid), (m.get(Number(l.pid)) ?? 0) + 1);
    return m;
  };
  const writeConfig = (c: Record<string, unknown>) => writeFileSync(join(dir, 'releasedav.yaml'), JSON.stringify({
    ...c, webdav: { host: '127.0.0.1', port: Number(new URL(d.dav).port) },
    downloads: { host: '127.0.0.1', port: Number(new URL(d.dl).port) }, logging: { level: 'info' },
  }, null, 2));

  before(async () => {
    redis = await startTestRedis();
    dir = mkdtempSync(join(tmpdir(), 'rdav-workers-'));
    const e = s3TestEnv();
    config = {
      workers: 2,
      storage: {
        local: { root: join(dir, 'data') },
        ...(e ? { s3: { bucket: e.bucket, region: 'default', endpoint: e.endpoint, forcePathStyle: true, accessKeyId: e.accessKeyId, secretAccessKey: e.secretAccessKey } } : {}),
      },
      // Files put beside the daemon (the hasher case) show within this; our own writes at once.
      cache: { ttlSeconds: 2 },
      lifecycle: { drainSeconds: 2 },
      coordination: { redis: { url: redis.url, keyPrefix: `${uniquePrefix('workers')}:`, timeoutMs: 1000 } },
      categories: [
        { slug: 'files', directory: 'files', access: ANYONE },
        ...(e ? [{ slug: 's3', directory: `s3://${uniquePrefix('workers')}`, access: ANYONE }] : []),
      ],
    };
    d = await startChildDaemon(dir, config);
    await d.waitForLog((l) => l.msg === 'all workers up', 60_000);
  });
  after(async () => {
    await d?.stop();
    await redis?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('forks two workers on the same listeners; /healthz and /readyz say how many serve', async () => {
    assert.equal(serving().length, 2);
    assert.ok(!serving().includes(d.pid), 'the primary serves nothing itself');
    const h = await send('GET', d.dl, '/healthz');
    assert.equal(h.status, 200);
    assert.equal(h.text, 'ok\nworkers 2/2 up\n');
    const r = await send('GET', d.dl, '/readyz');
    assert.equal(r.status, 200);
    assert.deepEqual(JSON.parse(r.text).workers, { up: 2, configured: 2 });
  });

  it('requests are served by both workers, and /metrics counts every one whichever worker served it', async () => {
    const before = (await send('GET', d.dl, '/metrics')).text;
    const mark = d.lines.length;
    const N = 40;
    for (let i = 0; i < N; i++) assert.equal((await send('PROPFIND', d.dav, '/files/', { headers: { Depth: '0' } })).status, 207);
    await send('PUT', d.dav, '/files/metrics.bin', { body: Buffer.alloc(1000, 7) });
    const GETS = 6;
    for (let i = 0; i < GETS; i++) assert.equal((await send('GET', d.dav, '/files/metrics.bin')).status, 200);
    const served = await eventually(async () => {
      const m = byPid(mark, (l) => l.msg === 'webdav request' && l.method === 'PROPFIND');
      return [...m.values()].reduce((a, b) => a + b, 0) === N ? m : undefined;
    }, 10_000, 'the request log lines');
    assert.equal(served.size, 2, `both workers served: ${JSON.stringify([...served])}`);
    for (const n of served.values()) assert.ok(n > 0);

    const afterText = (await send('GET', d.dl, '/metrics')).text;
    const propfinds = (t: string) => sample(t, 'releasedav_webdav_requests_total', 'method="PROPFIND"', 'status="207"');
    assert.equal(propfinds(afterText) - propfinds(before), N, 'the counter sums both workers');
    const gets = (t: string) => sample(t, 'releasedav_transfer_seconds_count', 'direction="download"');
    assert.equal(gets(afterText) - gets(before), GETS, 'histograms are summed too');
    const buckets = (t: string) => sample(t, 'releasedav_transfer_seconds_bucket', 'direction="download"', 'le="+Inf"');
    assert.equal(buckets(afterText) - buckets(before), GETS, 'bucket by bucket');
    assert.equal(sample(afterText, 'releasedav_workers', 'state="configured"'), 2);
    assert.equal(sample(afterText, 'releasedav_workers', 'state="up"'), 2);
    assert.equal(sample(afterText, 'releasedav_workers', 'state="reporting"'), 2);
    assert.match(afterText, /# TYPE releasedav_webdav_requests_total counter/);
  });

  it('the bleeding-edge scanner and the hasher run on one worker each, and each file is hashed by one worker', async () => {
    for (const job of ['bleeding-edge-scanner', 'hasher']) {
      const holders = byPid(0, (l) => l.msg === 'lease taken: this instance runs the job' && l.job === job);
      assert.deepEqual([...holders.values()], [1], `${job}: one worker holds the lease: ${JSON.stringify([...holders])}`);
    }
    // The release folder made over WebDAV (every worker sees it), files put beside the daemon (no
    // sidecar), then one file over WebDAV: its change reaches every worker, which re-lists the
    // release and sees six unhashed files it wants hashed. (Without that last write, a worker that
    // built the empty release in between would see the files only after cache.ttlSeconds: they
    // were written outside every instance.)
    assert.equal((await send('MKCOL', d.dav, '/files/2.0/')).status, 201);
    const rel = join(dir, 'data', 'files', '2.0');
    const names = ['a', 'b', 'c', 'd', 'e', 'f'].map((n) => `app-${n}.bin`);
    for (const n of names) writeFileSync(join(rel, n), Buffer.alloc(8 << 20, n));
    assert.equal((await send('PUT', d.dav, '/files/2.0/NOTES.txt', { body: 'notes' })).status, 201);
    const mark = d.lines.length;
    // At once, on both workers (one connection each request).
    const pages = await Promise.all(Array.from({ length: 10 }, () => send('GET', d.dl, '/files/2.0/')));
    assert.deepEqual(pages.map((p) => p.status), Array(10).fill(200));
    // Log lines reach us through each worker's pipe: wait for both workers' lines to arrive.
    await eventually(async () => byPid(mark, (l) => l.msg === 'http request' && l.path === '/files/2.0/').size === 2, 10_000, 'both workers built the release');
    const recorded = (from: number) => d.lines.slice(from).filter((l) => l.msg === 'hasher: recorded SHA-256/384/512');
    await eventually(async () => names.every((n) => recorded(mark).some((l) => String(l.path).endsWith(n))), 30_000, 'every file hashed');
    for (let i = 0; i < 6; i++) await send('GET', d.dl, '/files/2.0/');
    for (const n of names) assert.equal(recorded(mark).filter((l) => String(l.path).endsWith(n)).length, 1, `${n} hashed once`);
  });

  it('SIGHUP reloads both workers; an invalid config is rejected once by the primary and reaches no worker', async () => {
    mkdirSync(join(dir, 'data', 'added'), { recursive: true });
    const next = { ...config, categories: [...(config.categories as object[]), { slug: 'added', directory: 'added', access: ANYONE }] };
    // A config the schema refuses: the primary must not forward it.
    writeConfig({ ...next, categories: [...next.categories, { slug: 'added', directory: 'again' }] });
    let mark = d.lines.length;
    process.kill(d.pid, 'SIGHUP');
    await d.waitForLog((l) => l.role === 'primary' && /config reload rejected/.test(l.msg));
    const rejected = d.lines.slice(mark).filter((l) => /config reload rejected/.test(l.msg));
    writeConfig(next);
    process.kill(d.pid, 'SIGHUP');
    const reloaded = await eventually(async () => {
      const m = byPid(mark, (l) => l.msg === 'config reloaded');
      return m.size === 2 ? m : undefined;
    }, 20_000, 'both workers reloaded');
    assert.deepEqual([...reloaded.keys()].sort(), serving().sort());
    assert.deepEqual([...reloaded.values()], [1, 1], 'the rejected file never reached a worker');
    assert.equal(rejected.length, 1);
    assert.equal(d.lines.slice(mark).filter((l) => /config reload rejected/.test(l.msg)).length, 1, 'logged once, by the primary');
    mark = d.lines.length;
    for (let i = 0; i < 10; i++) assert.equal((await send('PROPFIND', d.dav, '/added/', { headers: { Depth: '0' } })).status, 207, 'every worker has the new category');
    const served = await eventually(async () => {
      const m = byPid(mark, (l) => l.msg === 'webdav request' && l.path === '/added/');
      return [...m.values()].reduce((a, b) => a + b, 0) === 10 ? m : undefined;
    }, 10_000, 'the request log lines');
    assert.equal(served.size, 2);
  });

  for (const c of ['files', 's3']) {
    it(`litmus passes every test of basic, copymove, props, locks and http (${c === 'files' ? 'local' : 'S3'} category)`, { timeout: 300_000, skip: LITMUS_SKIP_REASON || (c === 's3' ? skipUnlessS3() : false) }, async () => {
      console.log(`# litmus with workers: 2 (${c}): ${await assertLitmusPasses(`${d.dav}/${c}/`)}`);
    });
  }

  it('a worker killed with SIGKILL is logged and replaced; the other serves meanwhile', async () => {
    const [victim, survivor] = serving();
    process.kill(victim!, 'SIGKILL');
    const died = await d.waitForLog((l) => l.role === 'primary' && l.workerPid === victim && /died/.test(l.msg));
    assert.equal(died.signal, 'SIGKILL');
    assert.match(died.msg, new RegExp(`worker ${victim} died \\(signal SIGKILL\\); starting a replacement`));
    for (let i = 0; i < 6; i++) assert.equal((await send('PROPFIND', d.dav, '/files/', { headers: { Depth: '0' } })).status, 207);
    const fresh = await d.waitForLog((l) => l.role === 'primary' && l.msg === 'worker serving' && l.workerPid !== victim && l.workerPid !== survivor, 30_000);
    assert.deepEqual(serving().sort(), [survivor, fresh.workerPid].sort());
    assert.equal((await send('GET', d.dl, '/healthz')).text, 'ok\nworkers 2/2 up\n');
    const mark = d.lines.length;
    for (let i = 0; i < 10; i++) assert.equal((await send('PROPFIND', d.dav, '/files/', { headers: { Depth: '0' } })).status, 207);
    const served = await eventually(async () => {
      const m = byPid(mark, (l) => l.msg === 'webdav request' && l.method === 'PROPFIND');
      return [...m.values()].reduce((a, b) => a + b, 0) === 10 ? m : undefined;
    }, 10_000, 'the request log lines');
    assert.deepEqual([...served.keys()].sort(), serving().sort(), 'the replacement serves too');
  });

  it('SIGTERM drains every worker and the primary exits 0', async () => {
    const workers = serving();
    const mark = d.lines.length;
    process.kill(d.pid, 'SIGTERM');
    const { code, signal } = await d.exited;
    assert.equal(signal, null);
    assert.equal(code, 0, d.output().slice(-2000));
    assert.deepEqual([...byPid(mark, (l) => l.msg === 'stopped').keys()].sort(), workers.sort(), 'each worker drained and stopped');
    assert.ok(d.lines.slice(mark).some((l) => l.role === 'primary' && l.msg === 'all workers stopped'));
  });
});

describe('workers without coordination', () => {
  it('is a config error naming the key, exit 2, before any worker starts', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rdav-workers-cfg-'));
    const file = join(dir, 'c.yaml');
    writeFileSync(file, 'workers: 2\ncategories:\n  - slug: files\n    directory: files\n');
    for (const cmd of ['check-config', 'serve']) {
      const r = await runCli([cmd, '--config', file]);
      assert.equal(r.code, 2, r.stderr);
      assert.equal(r.stderr, `releasedav: ${file}:1: workers: 2 worker processes need shared locks and caches: set coordination.redis.url, or workers: 1\n`);
    }
    rmSync(dir, { recursive: true, force: true });
  });
});
