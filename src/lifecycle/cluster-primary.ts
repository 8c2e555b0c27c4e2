/**
 * `workers: N` (N > 1): this process becomes a node:cluster primary that serves nothing itself.
 * It forks N workers (each runs the normal `serve` on the shared listeners), forwards SIGHUP
 * (after checking the config once) and SIGTERM/SIGINT to them, replaces a worker that dies (with
 * a backoff, giving up on a crash loop), sums the workers' metrics for /metrics and tells every
 * worker how many are up. Returns an exit code; never exits the process (src/main.ts does).
 */
import cluster, { type Worker } from 'node:cluster';
import { AggregatorRegistry, Gauge } from 'prom-client';
import { ConfigError, loadConfigFile } from '../config/load.ts';
import { workerCount, type Config } from '../config/schema.ts';
import { createLogger, type Logger } from '../log.ts';
import { EXIT, type ExitCode } from '../cli/exit-codes.ts';
import { listenEnv, type ToPrimary, type ToWorker, type WorkerMetrics } from './cluster-worker.ts';

/** Crash-loop guard and metrics collection limits. */
export interface PrimaryLimits {
  /** Give up after this many unexpected worker deaths within {@link PrimaryLimits.windowMs}. */
  maxDeaths: number;
  windowMs: number;
  /** First replacement delay; doubles with each recent death up to maxDelayMs. */
  baseDelayMs: number;
  maxDelayMs: number;
  /** How long the primary waits for each worker's metrics before answering without it. */
  collectTimeoutMs: number;
}

export const DEFAULT_LIMITS: PrimaryLimits = { maxDeaths: 5, windowMs: 60_000, baseDelayMs: 250, maxDelayMs: 5_000, collectTimeoutMs: 2_000 };

interface Entry { worker: Worker; pid: number; ready: boolean; pendingHup: boolean }
interface Collection { waiting: Set<number>; got: WorkerMetrics[]; finish: () => void }

const EXIT_CODES = new Set<number>(Object.values(EXIT));

/**
 * Runs the cluster until every worker has stopped after SIGTERM/SIGINT (exit 0), the first
 * workers fail to start (their exit code), or workers keep dying (exit 1).
 * @throws never (fork failures surface as worker exits)
 */
export function runClusterPrimary(config: Config, file: string, o: { log?: Logger; limits?: Partial<PrimaryLimits> } = {}): Promise<ExitCode> {
  const limits = { ...DEFAULT_LIMITS, ...o.limits };
  const configured = workerCount(config);
  const log = o.log ?? createLogger({ level: config.logging.level, pretty: config.logging.pretty, fields: { role: 'primary', pid: process.pid } });
  const live = new Map<number, Entry>();
  const restartTimers = new Set<NodeJS.Timeout>();
  const collections = new Map<number, Collection>();
  const deaths: number[] = [];
  let everReady = false;
  let allUpLogged = false;
  let stopping = false;
  let exitCode: ExitCode = EXIT.OK;
  let nextCollection = 1;
  let finish!: (code: ExitCode) => void;
  const done = new Promise<ExitCode>((resolve) => { finish = resolve; });

  const upCount = () => [...live.values()].filter((e) => e.ready).length;
  // A worker may be exiting: the failed send (EPIPE) goes to the callback, never to an unhandled 'error'.
  const send = (e: Entry, m: ToWorker) => { if (e.worker.isConnected()) { try { e.worker.send(m, undefined, () => {}); } catch { /* exiting */ } } };
  const broadcastCount = () => {
    const m: ToWorker = { rdav: 'workers', up: upCount(), configured };
    for (const e of live.values()) send(e, m);
  };

  const fork = () => {
    const worker = cluster.fork(listenEnv(config));
    const entry: Entry = { worker, pid: worker.process.pid ?? 0, ready: false, pendingHup: false };
    live.set(worker.id, entry);
    worker.on('message', (m: ToPrimary) => onMessage(entry, m));
    // IPC errors of a dying worker: its 'exit' follows and is what counts.
    worker.on('error', (err) => log.debug({ worker: worker.id, err: err.message }, 'worker IPC error'));
    worker.on('exit', (code, signal) => onExit(entry, code, signal as NodeJS.Signals | null));
  };

  const onMessage = (e: Entry, m: ToPrimary) => {
    if (typeof m !== 'object' || m === null) return;
    if (m.rdav === 'ready') {
      e.ready = true;
      everReady = true;
      log.info({ worker: e.worker.id, workerPid: e.pid }, 'worker serving');
      if (e.pendingHup) { e.pendingHup = false; e.worker.process.kill('SIGHUP'); }
      broadcastCount();
      if (!allUpLogged && upCount() === configured) { allUpLogged = true; log.info({ workers: configured }, 'all workers up'); }
    } else if (m.rdav === 'collected') {
      const c = collections.get(m.id);
      if (!c || !c.waiting.delete(e.worker.id)) return;
      if (m.metrics) c.got.push(m.metrics);
      if (c.waiting.size === 0) c.finish();
    } else if (m.rdav === 'metrics?') {
      void aggregate().then(
        (text) => send(e, { rdav: 'metrics', id: m.id, text }),
        (err: Error) => send(e, { rdav: 'metrics', id: m.id, error: err.message }),
      );
    }
  };

  /** Asks every serving worker for its metrics (a silent one is left out after collectTimeoutMs) and sums them. */
  const aggregate = async (): Promise<string> => {
    const id = nextCollection++;
    const serving = [...live.values()].filter((e) => e.ready && e.worker.isConnected());
    const got = await new Promise<WorkerMetrics[]>((resolve) => {
      const c: Collection = { waiting: new Set(serving.map((e) => e.worker.id)), got: [], finish: () => { clearTimeout(timer); collections.delete(id); resolve(c.got); } };
      const timer = setTimeout(c.finish, limits.collectTimeoutMs);
      collections.set(id, c);
      for (const e of serving) send(e, { rdav: 'collect', id });
      if (c.waiting.size === 0) c.finish();
    });
    const registry = AggregatorRegistry.aggregate(got);
    const g = new Gauge({ name: 'releasedav_workers', help: 'Worker processes: configured, serving (up), and reporting to this scrape', labelNames: ['state'], registers: [registry] });
    g.set({ state: 'configured' }, configured);
    g.set({ state: 'up' }, upCount());
    g.set({ state: 'reporting' }, got.length);
    return registry.metrics();
  };

  const onExit = (e: Entry, code: number | null, signal: NodeJS.Signals | null) => {
    live.delete(e.worker.id);
    for (const c of collections.values()) if (c.waiting.delete(e.worker.id) && c.waiting.size === 0) c.finish();
    broadcastCount();
    const how = signal ? `signal ${signal}` : `exit code ${code}`;
    if (stopping) {
      log.info({ worker: e.worker.id, workerPid: e.pid, code, signal }, 'worker stopped');
      if (live.size === 0) stopped();
      return;
    }
    if (!everReady) {
      // The first workers cannot start (config, S3, port): no use retrying; each said why on stderr.
      log.error({ worker: e.worker.id, workerPid: e.pid, code, signal }, `worker ${e.pid} failed to start (${how}); stopping`);
      stop(code !== null && code !== 0 && EXIT_CODES.has(code) ? (code as ExitCode) : EXIT.RUNTIME);
      return;
    }
    const now = Date.now();
    deaths.push(now);
    while (deaths.length > 0 && deaths[0]! <= now - limits.windowMs) deaths.shift();
    if (deaths.length >= limits.maxDeaths) {
      log.error({ worker: e.worker.id, workerPid: e.pid, code, signal, deaths: deaths.length, windowSeconds: limits.windowMs / 1000 },
        `worker ${e.pid} died (${how}): ${deaths.length} deaths within ${limits.windowMs / 1000} s, giving up; stopping the other workers`);
      stop(EXIT.RUNTIME);
      return;
    }
    const delay = Math.min(limits.maxDelayMs, limits.baseDelayMs * 2 ** (deaths.length - 1));
    log.warn({ worker: e.worker.id, workerPid: e.pid, code, signal, restartInMs: delay }, `worker ${e.pid} died (${how}); starting a replacement`);
    const t = setTimeout(() => { restartTimers.delete(t); if (!stopping) fork(); }, delay);
    restartTimers.add(t);
  };

  const stop = (code: ExitCode, signal: NodeJS.Signals = 'SIGTERM') => {
    stopping = true;
    exitCode = code;
    for (const t of restartTimers) clearTimeout(t);
    restartTimers.clear();
    for (const e of live.values()) { try { e.worker.process.kill(signal); } catch { /* already gone */ } }
    if (live.size === 0) stopped();
  };

  const onHup = () => {
    if (stopping) return;
    let next: Config;
    try {
      next = loadConfigFile(file).config;
    } catch (e) {
      const message = e instanceof ConfigError ? e.message : (e as Error).message;
      log.error({ file }, `config reload rejected, every worker keeps the previous config: ${message}`);
      return;
    }
    log.level = next.logging.level;
    if (workerCount(next) !== configured) log.warn({ settings: ['workers'] }, 'these settings take effect only after a restart');
    for (const e of live.values()) {
      if (e.ready) e.worker.process.kill('SIGHUP');
      else e.pendingHup = true;
    }
    log.info({ file, workers: live.size }, 'reloading config (SIGHUP): forwarded to every worker');
  };
  const onStop = (signal: NodeJS.Signals) => {
    if (stopping) { log.warn({ signal }, 'already stopping; waiting for the workers to drain'); return; }
    log.info({ signal, workers: live.size }, 'stop requested: every worker drains');
    stop(EXIT.OK, signal);
  };
  // Signal listeners alone do not keep Node running; workers' IPC channels do, but not between forks.
  const keepAlive = setInterval(() => {}, 1 << 30);
  const stopped = () => {
    clearInterval(keepAlive);
    process.off('SIGHUP', onHup);
    process.off('SIGTERM', onStop);
    process.off('SIGINT', onStop);
    log.info({ exitCode }, exitCode === EXIT.OK ? 'all workers stopped' : 'all workers stopped after a failure');
    finish(exitCode);
  };

  process.on('SIGHUP', onHup);
  process.on('SIGTERM', onStop);
  process.on('SIGINT', onStop);
  log.info({ workers: configured, config: file }, 'cluster primary: starting workers; SIGHUP reloads them, SIGTERM stops them');
  for (let i = 0; i < configured; i++) fork();
  return done;
}
