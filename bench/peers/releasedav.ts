/**
 * The subject: ReleaseDAV itself, started as users start it (`node dist/main.js serve
 * --config FILE`) with one disk category and, when S3 is there, one S3 category on the same RGW.
 */
import { mkdirSync, writeFileSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startService, waitForPort, freePort, logTail, type Service } from '../lib/proc.ts';
import type { S3Settings } from '../lib/settings.ts';
import { hashPassword } from '../../src/auth/passwords.ts';
import { loadConfigFile } from '../../src/config/load.ts';

/** Metadata cache lifetime configured for the bench: a listing is cold again after this. */
export const CACHE_TTL_SECONDS = 5;

/** A running daemon and its two listeners. */
export interface ReleaseDavPeer {
  service: Service; davUrl: string; dlUrl: string;
  /** Disk folder behind the `disk` category. */
  diskRoot: string;
  /** Key prefix (with trailing slash) behind the `s3` category, or null without S3. */
  s3Prefix: string | null;
  configFile: string;
  command: string;
  /** The S3 upload buffers in force (schema defaults), as the daemon reads them; null without S3. */
  upload: { queueSize: number; minPartSizeMiB: number; unknownSizePartSizeMiB: number } | null;
}

/** Options for one daemon start. */
export interface ReleaseDavOptions {
  repoRoot: string; workDir: string; diskRoot: string; user: string; pass: string; s3: S3Settings | null; runId: string;
  /** Extra node flags, e.g. ['--cpu-prof', '--cpu-prof-dir=...']. */
  nodeFlags?: string[];
  /** Name for the log and config files (several daemons in one run); default `releasedav`. */
  name?: string;
  /** `workers:` in the config (default 1). Above 1 needs `redisUrl`. */
  workers?: number;
  /** `coordination.redis.url`: shared state in this Redis instead of memory. */
  redisUrl?: string;
  /** `coordination.redis.keyPrefix`, so daemons on one Redis stay separate deployments. */
  redisKeyPrefix?: string;
}

/**
 * Writes the bench config and starts the daemon; resolves once the WebDAV port accepts connections.
 * @throws Error when dist/main.js is missing, the daemon exits, or it does not listen within 60 s.
 */
export async function startReleaseDav(o: ReleaseDavOptions): Promise<ReleaseDavPeer> {
  // Users run the compiled daemon (`npm start` builds dist/ first); measure that, not tsx.
  const main = join(o.repoRoot, 'dist/main.js');
  if (!existsSync(main)) throw new Error('dist/main.js does not exist: run `npm run build` first');
  const diskRoot = o.diskRoot;
  mkdirSync(diskRoot, { recursive: true });
  const [davPort, dlPort] = [await freePort(), await freePort()];
  const s3Prefix = o.s3 ? `${o.runId}-rdav/` : null;
  const access = `      read: [${o.user}]\n      write: [${o.user}]\n      download: public\n`;
  const yaml = [
    `webdav: { host: 127.0.0.1, port: ${davPort} }`,
    `downloads: { host: 127.0.0.1, port: ${dlPort} }`,
    'logging: { level: warn }',
    'storage:',
    `  local: { root: ${JSON.stringify(o.workDir)} }`,
    ...(o.s3 ? [
      '  s3:',
      `    bucket: ${o.s3.bucket}`,
      `    endpoint: ${o.s3.endpoint}`,
      `    region: ${o.s3.region}`,
      '    forcePathStyle: true',
      '    accessKeyId: ${BENCH_S3_ACCESS_KEY}',
      '    secretAccessKey: ${BENCH_S3_SECRET_KEY}',
    ] : []),
    `cache: { ttlSeconds: ${CACHE_TTL_SECONDS} }`,
    ...(o.workers && o.workers !== 1 ? [`workers: ${o.workers}`] : []),
    ...(o.redisUrl ? ['coordination:', '  redis:', `    url: ${o.redisUrl}`, `    keyPrefix: "${o.redisKeyPrefix ?? 'releasedav:'}"`] : []),
    'auth:',
    '  users:',
    `    ${o.user}: { password: "${await hashPassword(o.pass)}" }`,
    'categories:',
    '  - slug: disk',
    `    directory: ${JSON.stringify(diskRoot)}`,
    '    access:',
    access,
    ...(o.s3 ? ['  - slug: s3', `    directory: "s3://${s3Prefix!.slice(0, -1)}"`, '    access:', access] : []),
  ].join('\n');
  const configFile = join(o.workDir, `${o.name ?? 'releasedav'}.yaml`);
  writeFileSync(configFile, yaml);
  const env = { ...process.env, ...unitMallocEnv(o.repoRoot), BENCH_S3_ACCESS_KEY: o.s3?.accessKeyId ?? '', BENCH_S3_SECRET_KEY: o.s3?.secretAccessKey ?? '' };
  // Validate with the daemon's own loader first: a schema change shows as a clear message here.
  let upload: ReleaseDavPeer['upload'] = null;
  try {
    upload = loadConfigFile(configFile, env).config.storage.s3?.upload ?? null;
  } catch (e) { throw new Error(`the bench config no longer matches the schema: ${(e as Error).message}`); }
  const args = [...startFlags(o.repoRoot), ...(o.nodeFlags ?? []), 'dist/main.js', 'serve', '--config', configFile];
  const service = startService(o.name ?? 'releasedav', process.execPath, args, o.workDir, { cwd: o.repoRoot, env });
  await waitForPort(davPort, 60000, service);
  if (o.workers && o.workers > 1) await waitForWorkers(`http://127.0.0.1:${dlPort}/healthz`, o.workers, service);
  return {
    service, davUrl: `http://127.0.0.1:${davPort}`, dlUrl: `http://127.0.0.1:${dlPort}`, diskRoot, s3Prefix, configFile,
    command: `${Object.entries(unitMallocEnv(o.repoRoot)).map(([k, v]) => `${k}=${v} `).join('')}node ${args.join(' ').replace(configFile, 'bench.yaml')}`, upload,
  };
}

/**
 * Waits until /healthz says every worker is up (the first worker listening opens the port already).
 * @throws Error after 60 s, or when the daemon exited.
 */
async function waitForWorkers(healthz: string, n: number, service: Service): Promise<void> {
  const end = Date.now() + 60000;
  let last = '';
  while (Date.now() < end) {
    if (service.proc.exitCode !== null || service.proc.signalCode !== null) throw new Error(`${service.name} exited: ${logTail(service.logFile)}`);
    try { last = await (await fetch(healthz)).text(); } catch (e) { last = String(e); }
    if (last.includes(`workers ${n}/${n} up`)) return;
    await sleep(100);
  }
  throw new Error(`${service.name}: not all ${n} workers up after 60 s (/healthz: ${last.trim()})`);
}

/**
 * The glibc malloc settings of the systemd unit (`Environment=MALLOC_…=` lines of
 * systemd/releasedav.service), so the bench measures the daemon as the unit runs it.
 */
function unitMallocEnv(repoRoot: string): Record<string, string> {
  const unit = readFileSync(join(repoRoot, 'systemd/releasedav.service'), 'utf8');
  return Object.fromEntries([...unit.matchAll(/^Environment=(MALLOC_[A-Z_]+)=(\S+)$/gm)].map((m) => [m[1]!, m[2]!]));
}

/** The node flags `npm start` runs the daemon with (package.json scripts.start), so the bench runs it the same way. */
function startFlags(repoRoot: string): string[] {
  const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { scripts?: { start?: string } };
  return (pkg.scripts?.start ?? '').split(/\s+/).filter((a) => a.startsWith('--'));
}
