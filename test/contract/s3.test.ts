/** The backend contract suite against the S3 backend (Ceph RGW, or s3rver with visible skips). */
import { ListMultipartUploadsCommand } from '@aws-sdk/client-s3';
import { describe, it } from 'node:test';
import { createS3Client } from '../../src/backends/s3-client.ts';
import { createS3Backend } from '../../src/backends/s3.ts';
import { createLogger } from '../../src/log.ts';
import { s3TestConfig, s3TestEnv, skipUnlessS3, uniquePrefix } from '../helpers/s3env.ts';
import { runBackendContract } from './backend-contract.ts';

const env = s3TestEnv();

if (!env) {
  describe('backend contract: s3', () => { it('runs against a test S3', { skip: skipUnlessS3() }, () => {}); });
} else {
  const onS3rver = env.kind === 's3rver' ? 's3rver ignores' : undefined;
  runBackendContract({
    name: `s3 (${env.kind})`,
    skip: {
      ...(onS3rver ? {
        conditionalWrite: `${onS3rver} If-Match / If-None-Match on PUT`,
        multipartLeftovers: 's3rver has no ListMultipartUploads (501) or AbortMultipartUpload (405)',
      } : {}),
    },
    async create() {
      const s3 = s3TestConfig();
      const client = createS3Client(s3);
      const prefix = uniquePrefix('contract');
      // s3rver stores whatever part of a cut single PUT it received (real S3 stores nothing), so on
      // s3rver every write goes through a multipart upload, which it completes only on success.
      const limits = env!.kind === 's3rver' ? { singlePutMaxBytes: -1 } : {};
      const backend = createS3Backend({ client, bucket: s3.bucket, prefix, s3, log: createLogger({ level: 'silent' }), limits });
      return {
        backend,
        async cleanup() {
          try { await backend.remove('', { recursive: true }); } catch { /* root removal is refused; remove children */ }
          for await (const e of backend.list('')) await backend.remove(e.path, { recursive: true });
          client.destroy();
        },
        async leftovers() {
          const res = await client.send(new ListMultipartUploadsCommand({ Bucket: s3.bucket, Prefix: prefix }));
          return (res.Uploads ?? []).map((u) => u.Key!);
        },
      };
    },
  });
}
