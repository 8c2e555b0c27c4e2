/**
 * Bench settings: sizes, repetitions and the S3 endpoint, from the environment with full-run defaults.
 * Smaller sizes (e.g. BENCH_SIZE_MIB=64) make a smoke run; only a full-size run writes BENCHMARKS.md.
 */
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';

/** S3 endpoint and credentials the bench and every S3 peer use (the RGW started by bench/run.sh). */
export interface S3Settings { endpoint: string; bucket: string; region: string; accessKeyId: string; secretAccessKey: string }

/** Everything a measure needs to know about the run. */
export interface Settings {
  repoRoot: string;
  workDir: string;
  /** Size of the large transfers, MiB (1024 for the full run). */
  sizeMiB: number;
  /** Size of the big chunked PUT for the RSS measure, MiB (5120). */
  bigMiB: number;
  reps: number;
  /** Files/objects in the PROPFIND listing. */
  files: number;
  wrkSeconds: number;
  concurrentUploads: number;
  concurrentMiB: number;
  /** Only these measures (comma list of names), or all. */
  only: Set<string> | null;
  /** A run with the default (full) sizes, whose report may replace BENCHMARKS.md. */
  full: boolean;
  s3: S3Settings | null;
  user: string;
  password: string;
  /** Unique per run: key prefixes and folder names. */
  runId: string;
}

const num = (name: string, def: number): number => {
  const v = process.env[name];
  if (v === undefined || v === '') return def;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${name} must be a positive number, got "${v}"`);
  return n;
};

/**
 * Reads the settings from the environment and creates the work dir.
 * @throws Error for a malformed number.
 */
export function loadSettings(repoRoot: string): Settings {
  const runId = `b${Date.now().toString(36)}`;
  const workDir = resolve(process.env.BENCH_WORK_DIR ?? resolve(repoRoot, '.tmp/bench'));
  mkdirSync(workDir, { recursive: true });
  const defaults = { sizeMiB: 1024, bigMiB: 5120, reps: 3, files: 10000, wrkSeconds: 10, concurrentUploads: 16, concurrentMiB: 256 };
  const s = {
    sizeMiB: num('BENCH_SIZE_MIB', defaults.sizeMiB),
    bigMiB: num('BENCH_BIG_MIB', defaults.bigMiB),
    reps: num('BENCH_REPS', defaults.reps),
    files: num('BENCH_FILES', defaults.files),
    wrkSeconds: num('BENCH_WRK_SECONDS', defaults.wrkSeconds),
    concurrentUploads: num('BENCH_CONC', defaults.concurrentUploads),
    concurrentMiB: num('BENCH_CONC_MIB', defaults.concurrentMiB),
  };
  const only = process.env.BENCH_ONLY ? new Set(process.env.BENCH_ONLY.split(',').map((x) => x.trim())) : null;
  const full = only === null && (Object.keys(defaults) as (keyof typeof defaults)[]).every((k) => s[k] === defaults[k]);
  const e = process.env;
  const s3 = e.BENCH_S3_ENDPOINT && e.BENCH_S3_BUCKET && e.BENCH_S3_ACCESS_KEY && e.BENCH_S3_SECRET_KEY
    ? { endpoint: e.BENCH_S3_ENDPOINT, bucket: e.BENCH_S3_BUCKET, region: e.BENCH_S3_REGION ?? 'default',
        accessKeyId: e.BENCH_S3_ACCESS_KEY, secretAccessKey: e.BENCH_S3_SECRET_KEY }
    : null;
  return { repoRoot, workDir, ...s, only, full, s3, user: 'bench', password: 'bench-pass-1', runId };
}

/** True when the measure `name` is selected by BENCH_ONLY (or BENCH_ONLY is unset). */
export function selected(s: Settings, name: string): boolean {
  return s.only === null || s.only.has(name);
}
