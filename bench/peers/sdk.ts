/** Runs one job of the SDK peer process (sdk-direct.ts) and returns its JSON answer. */
import { fileURLToPath } from 'node:url';
import { run } from '../lib/proc.ts';
import type { S3Settings } from '../lib/settings.ts';

const script = fileURLToPath(new URL('./sdk-direct.ts', import.meta.url));

/** The child's environment carrying the S3 settings. */
export function s3Env(s3: S3Settings): NodeJS.ProcessEnv {
  return { ...process.env, BENCH_S3_ENDPOINT: s3.endpoint, BENCH_S3_BUCKET: s3.bucket, BENCH_S3_REGION: s3.region,
    BENCH_S3_ACCESS_KEY: s3.accessKeyId, BENCH_S3_SECRET_KEY: s3.secretAccessKey };
}

/** Answer of a job: seconds/bytes for transfers, url for presigns, count/requests for lists; peakMiB always. */
export interface SdkAnswer { seconds?: number; bytes?: number; url?: string; count?: number; requests?: number; peakMiB: number }

/** @throws Error when the job fails (with its stderr). */
export async function sdk(s3: S3Settings, job: string, ...args: string[]): Promise<SdkAnswer> {
  const r = await run(process.execPath, ['--import', 'tsx', script, job, ...args], { env: s3Env(s3) });
  const line = r.stdout.trim().split('\n').pop() ?? '';
  if (r.code !== 0 || !line.startsWith('{')) throw new Error(`sdk ${job} failed (exit ${r.code}): ${r.stderr.trim().split('\n').slice(-3).join(' | ')}`);
  return JSON.parse(line) as SdkAnswer;
}
