/**
 * What each kind of test S3 offers, in one place. Tests declare what they need
 * (`{ skip: skipUnlessS3Can('abortMultipart') }`) and get node:test's skip reason, naming the
 * server and what it lacks, when the server in RDAV_TEST_S3_KIND cannot honour it. No test file
 * carries its own `if s3rver` logic. test/contract/s3-capabilities.test.ts probes the running
 * server for every entry here, so a declaration that stops being true fails the run.
 */
import { s3TestEnv, skipUnlessS3, type S3TestEnv } from './s3env.ts';

/** Features of a real S3 that some S3 look-alikes lack. */
export type S3Capability =
  /** AbortMultipartUpload removes an upload and its parts. */
  | 'abortMultipart'
  /** ListMultipartUploads shows uploads in progress (leftover checks, the start-up sweep). */
  | 'listMultipartUploads'
  /** UploadPartCopy: server-side copy of objects above the single-copy limit. */
  | 'uploadPartCopy'
  /** SigV4 signatures are verified: a wrong secret, a tampered or expired presigned URL is refused. */
  | 'signatureChecks'
  /** Canned ACLs are applied: a private object refuses an unsigned GET. */
  | 'acls'
  /** If-Match / If-None-Match on PutObject and CompleteMultipartUpload are honoured. */
  | 'conditionalWrites'
  /** If-Match on GetObject is honoured (412 when the object changed): a read in segments detects an overwrite. */
  | 'conditionalReads'
  /** A cut single PutObject stores nothing (the object is written only once the body is complete). */
  | 'atomicPut'
  /** An object being replaced reads as its old version until the new one is complete. */
  | 'atomicOverwrite'
  /** Listings of thousands of keys in one folder come back without stalling the server. */
  | 'longListings'
  /** Key segments (between slashes) of up to S3's whole 1,024 bytes are stored. */
  | 'longKeySegments'
  /** A percent-encoded x-amz-copy-source is decoded in full (keys with # + ? & = and the like can be copied). */
  | 'copySourceDecoding';

/** Every capability, for the probe test. */
export const S3_CAPABILITIES: readonly S3Capability[] = [
  'abortMultipart', 'listMultipartUploads', 'uploadPartCopy', 'signatureChecks', 'acls', 'conditionalWrites', 'conditionalReads', 'atomicPut', 'atomicOverwrite', 'longListings', 'longKeySegments', 'copySourceDecoding',
];

/** What each kind lacks, with the reason a skipped test prints. A kind not listed lacks nothing. */
const GAPS: Record<S3TestEnv['kind'], Partial<Record<S3Capability, string>>> = {
  rgw: {},
  s3rver: {
    abortMultipart: 's3rver has no AbortMultipartUpload (answers 405)',
    listMultipartUploads: 's3rver has no ListMultipartUploads (answers 501)',
    uploadPartCopy: 's3rver has no UploadPartCopy (answers 501)',
    signatureChecks: 's3rver does not verify SigV4 signatures (a wrong secret or a tampered presigned URL is accepted)',
    acls: 's3rver ignores canned ACLs (a private object is served to an unsigned GET)',
    conditionalWrites: 's3rver ignores If-Match / If-None-Match on writes',
    conditionalReads: 's3rver ignores If-Match on GetObject (a changed object is served, not refused with 412)',
    atomicPut: 's3rver keeps whatever part of a cut PutObject body it received',
    atomicOverwrite: 's3rver rewrites an object file in place: a GET during an overwrite reads a truncated object',
    longKeySegments: 's3rver stores a key as a file named after it: a segment over ~230 bytes crashes it (ENAMETOOLONG, an unhandled stream error)',
    copySourceDecoding: 's3rver decodes x-amz-copy-source with decodeURI, so keys with # + ? & = , ; : @ $ / cannot be copied',
    longListings: 's3rver lists by a synchronous walk of the folder per request: thousands of keys stall it (and every test sharing it) for minutes',
  },
};

/** Why the test S3 (or `env`) cannot do `cap`, or undefined when it can. @throws never */
export function s3Gap(cap: S3Capability, env: S3TestEnv | undefined = s3TestEnv()): string | undefined {
  return env ? GAPS[env.kind][cap] : undefined;
}

/** True when a test S3 is configured and offers `cap`. @throws never */
export function s3Can(cap: S3Capability): boolean {
  const env = s3TestEnv();
  return !!env && s3Gap(cap, env) === undefined;
}

/**
 * The node:test skip value for a test that needs a test S3 offering every one of `caps`:
 * false when it may run, else the reason (no S3 configured, or the first capability it lacks).
 * @throws never
 */
export function skipUnlessS3Can(...caps: S3Capability[]): string | false {
  const env = s3TestEnv();
  if (!env) return skipUnlessS3();
  for (const cap of caps) {
    const gap = s3Gap(cap, env);
    if (gap) return gap;
  }
  return false;
}

/**
 * Runs one check of a test only when the test S3 offers `cap`; otherwise the test goes on without
 * it and its output says which check was left out and why (node:test diagnostic). For checks that
 * are a side note of a test that is otherwise about something the server does honour.
 * @throws whatever `check` throws
 */
export async function checkIfS3Can(t: { diagnostic(message: string): void }, cap: S3Capability, what: string, check: () => unknown): Promise<void> {
  const gap = s3Gap(cap);
  if (gap) return void t.diagnostic(`check left out (${what}): ${gap}`);
  await check();
}
