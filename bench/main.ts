/**
 * `npm run bench` (via bench/run.sh): starts ReleaseDAV and its peers on loopback, runs every measure
 * in one go, prints the table and writes the report (BENCHMARKS.md for a full-size run).
 * Exit codes: 0 ran (targets missed or not), 2 could not run (daemon or S3 missing, no peer).
 */
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadSettings, selected } from './lib/settings.ts';
import { Results } from './lib/results.ts';
import { run, stopAll, type Service } from './lib/proc.ts';
import type { Ctx, Peers } from './lib/context.ts';
import { startNginx } from './peers/nginx.ts';
import { startRclone } from './peers/rclone.ts';
import { startBareNode } from './peers/bare-node.ts';
import { startReleaseDav } from './peers/releasedav.ts';
import { sdk } from './peers/sdk.ts';
import { transferDisk } from './measures/transfer-disk.ts';
import { transferS3 } from './measures/transfer-s3.ts';
import { rssChunked } from './measures/rss-chunked.ts';
import { propfindDisk, makeListFolder } from './measures/propfind-disk.ts';
import { propfindS3 } from './measures/propfind-s3.ts';
import { depth0 } from './measures/depth0.ts';
import { dlRedirect } from './measures/dl-redirect.ts';
import { feeds } from './measures/feeds.ts';
import { concurrentUploads } from './measures/concurrent-uploads.ts';
import { listingScale, makeScaleFolders } from './measures/listing-scale.ts';
import { manyDownloads } from './measures/many-downloads.ts';
import { workers } from './measures/workers.ts';
import { renderMarkdown, renderText } from './report/render.ts';
import { machineFacts, versionFacts, loadNow } from './report/machine.ts';

const started = new Date();
const loadAtStart = loadNow();
const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const s = loadSettings(repoRoot);
const r = new Results();
const say = (m: string) => console.log(`\n[bench ${((Date.now() - started.getTime()) / 1000).toFixed(0)}s] ${m}`);

/** A random file of the transfer size, reused across runs. */
async function bigFile(): Promise<string> {
  const f = join(s.workDir, `random-${s.sizeMiB}MiB.bin`);
  if (!existsSync(f) || statSync(f).size !== s.sizeMiB * 1048576) {
    const x = await run('bash', ['-c', `head -c ${s.sizeMiB * 1048576} /dev/urandom > '${f}'`]);
    if (x.code !== 0) throw new Error(`cannot write ${f}: ${x.stderr}`);
  }
  return f;
}

/** Runs `start`, turning a failure into a recorded problem and null. */
async function tryStart<T>(name: string, start: () => Promise<T>): Promise<T | null> {
  try { return await start(); } catch (e) { r.problem(`${name} did not start: ${(e as Error).message}`); return null; }
}

/** Frees deleted RGW objects at once (the bench RGW's gc waits 60 s otherwise). */
async function rgwGc(): Promise<void> {
  const conf = process.env.BENCH_RGW_CONF;
  if (conf) await run('radosgw-admin', ['-c', conf, 'gc', 'process', '--include-all']);
}

async function main(): Promise<number> {
  say(`work dir ${s.workDir}; sizes ${s.sizeMiB}/${s.bigMiB} MiB, ${s.reps} reps, ${s.files} files; S3 ${s.s3 ? s.s3.endpoint : 'none'}`);
  const tree = join(s.workDir, 'tree');
  rmSync(tree, { recursive: true, force: true });
  mkdirSync(tree, { recursive: true });
  const file = await bigFile();
  makeListFolder(tree, s.files);
  if (selected(s, 'listing-scale')) makeScaleFolders(tree);

  say('starting peers');
  const startDaemon = () => startReleaseDav({ repoRoot, workDir: s.workDir, diskRoot: tree, user: s.user, pass: s.password, s3: s.s3, runId: s.runId,
    nodeFlags: process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${join(s.workDir, 'profiles')}`] : [] });
  const peers: Peers = {
    nginx: await tryStart('nginx', () => startNginx(s.workDir, tree, s.user, s.password)),
    rcloneDisk: await tryStart('rclone (disk)', () => startRclone('rclone-disk', tree, s.workDir, s.user, s.password)),
    rcloneS3: s.s3 ? await tryStart('rclone (S3)', () => startRclone('rclone-s3', `rgw:${s.s3!.bucket}`, s.workDir, s.user, s.password, s.s3!)) : null,
    bare: await tryStart('bare Node', () => startBareNode(s.workDir)),
    rdav: await tryStart('ReleaseDAV', startDaemon),
  };
  if (!s.s3) r.problem('no S3 endpoint (BENCH_S3_*): the S3 measures are skipped');
  const ctx: Ctx = {
    s, r, peers, tree, bigFile: file, commands: new Map(),
    rgwGc,
    async restartReleaseDav() {
      await peers.rdav?.service.stop();
      peers.rdav = await tryStart('ReleaseDAV (restart)', startDaemon);
      return peers.rdav;
    },
    async restartRcloneS3() {
      await peers.rcloneS3?.service.stop();
      peers.rcloneS3 = await tryStart('rclone (S3)', () => startRclone('rclone-s3', `rgw:${s.s3!.bucket}`, s.workDir, s.user, s.password, s.s3!));
      return peers.rcloneS3;
    },
  };
  if (peers.rdav) ctx.commands.set('ReleaseDAV daemon', peers.rdav.command);
  if (peers.nginx) ctx.commands.set('nginx', `nginx -p $WORK/nginx -c $WORK/nginx/nginx.conf -g 'daemon off;'   # dav_methods PUT DELETE MKCOL COPY MOVE; dav_ext_methods PROPFIND OPTIONS LOCK UNLOCK; auth_basic with a {PLAIN} password file; worker_processes auto`);
  if (peers.rcloneDisk) ctx.commands.set('rclone (disk)', `rclone ${peers.rcloneDisk.args.join(' ').replaceAll(s.workDir, '$WORK')}`);
  if (peers.rcloneS3) ctx.commands.set('rclone (S3)', `rclone ${peers.rcloneS3.args.join(' ')}   # remote from env: RCLONE_CONFIG_RGW_TYPE=s3 PROVIDER=Ceph ENDPOINT=${s.s3!.endpoint} FORCE_PATH_STYLE=true`);
  if (peers.bare) ctx.commands.set('bare Node', 'node --import tsx bench/peers/bare-node-server.ts PORT DIR   # PUT streams to a file, GET streams it back, anything else: fixed 302');

  const measures: [string, (c: Ctx) => Promise<void>, boolean][] = [
    ['disk', transferDisk, false],
    ['propfind-disk', propfindDisk, false],
    ['s3', transferS3, true],
    ['propfind-s3', propfindS3, true],
    ['depth0', depth0, false],
    ['dl', dlRedirect, true],
    ['feeds', feeds, true],
    ['rss', rssChunked, true],
    ['concurrent', concurrentUploads, true],
    ['listing-scale', listingScale, false],
    ['many-downloads', manyDownloads, false],
    ['workers', workers, false],
  ];
  for (const [name, m, needsS3] of measures) {
    if (!selected(s, name) || (needsS3 && !s.s3)) continue;
    say(`measure: ${name}`);
    try { await m(ctx); } catch (e) { r.problem(`measure ${name} failed: ${(e as Error).stack ?? e}`); }
    if (needsS3) await rgwGc();
  }

  say('stopping');
  const services = [peers.nginx, peers.rcloneDisk, peers.rcloneS3, peers.bare, peers.rdav].filter((p) => p !== null).map((p) => p!.service as Service);
  await Promise.all(services.map((x) => x.stop()));
  if (s.s3) for (const p of [`${s.runId}-`]) { try { await sdk(s.s3, 'delete', p); } catch { /* best effort */ } }
  rmSync(tree, { recursive: true, force: true });

  const minutes = (Date.now() - started.getTime()) / 60000;
  console.log(renderText(r));
  const files: [string, string][] = [];
  const show = (name: string, f: string) => { try { files.push([name, readFileSync(f, 'utf8').replace(/"scrypt\$[^"]*"/g, '"scrypt$…"').replaceAll(s.workDir, '$WORK')]); } catch { /* not there */ } };
  show('ReleaseDAV config (bench.yaml)', join(s.workDir, 'releasedav.yaml'));
  show('nginx.conf', join(s.workDir, 'nginx', 'nginx.conf'));
  const md = renderMarkdown(r, s, machineFacts(loadAtStart), await versionFacts(repoRoot), ctx.commands, files, started, minutes);
  // Everything the report needs, so `bench/report/rerender.ts` can rewrite it (e.g. after notes change) without a new run.
  const { s3: _secret, ...settings } = s;
  writeFileSync(join(s.workDir, 'results.json'), JSON.stringify({ settings: { ...settings, only: null }, figures: r.figures, targets: r.targets, problems: r.problems,
    machine: machineFacts(loadAtStart), versions: await versionFacts(repoRoot), commands: [...ctx.commands], files, started: started.toISOString(), minutes,
    writeRepoReport: s.full && peers.rdav !== null }, null, 1));
  const out = join(s.workDir, 'BENCHMARKS.md');
  writeFileSync(out, md);
  if (s.full && peers.rdav) writeFileSync(join(repoRoot, 'BENCHMARKS.md'), md);
  say(`done in ${minutes.toFixed(1)} min; report: ${s.full && peers.rdav ? 'BENCHMARKS.md and ' : ''}${out}`);
  if (!peers.rdav) { console.error('bench: ReleaseDAV did not start, nothing to compare'); return 2; }
  if (!s.s3) { console.error('bench: no S3 endpoint, half the measures could not run'); return 2; }
  return 0;
}

main().then((code) => { process.exitCode = code; }, async (e) => {
  console.error('bench: could not run:', e);
  await stopAll();
  process.exitCode = 2;
});
