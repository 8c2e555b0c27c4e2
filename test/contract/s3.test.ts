/** The backend contract suite against the S3 backend (Ceph RGW, or s3rver with visible skips). */
import { ListMultipartUploadsCommand } from '@aws-sdk/client-s3';
import { describe, it } from 'node:test';
import { createS3Client } from '../../src/backends/s3-client.ts';
import { createS3Backend } from '../../src/backends/s3.ts';
import { createLogger } from '../../src/log.ts';
import { s3Can, s3Gap } from '../helpers/s3-capabilities.ts';
import { s3TestConfig, s3TestEnv, skipUnlessS3, uniquePrefix } from '../helpers/s3env.ts';
import { runBackendContract } from './backend-contract.ts';

const env = s3TestEnv();

if (!env) {
  describe('backend contract: s3', () => { it('runs against a test S3', { skip: skipUnlessS3() }, () => {}); });
} else {
  const gaps = {
    conditionalWrite: s3Gap('conditionalWrites'),
    multipartLeftovers: s3Gap('listMultipartUploads') ?? s3Gap('abortMultipart'),
    largeListing: s3Gap('longListings'),
  };
  runBackendContract({
    name: `s3 (${env.kind})`,
    skip: Object.fromEntries(Object.entries(gaps).filter(([, why]) => why !== undefined)),
    async create() {
      const s3 = s3TestConfig();
      const client = createS3Client(s3);
      const prefix = uniquePrefix('contract');
      // A store that keeps part of a cut single PUT gets every write as a multipart upload, which
      // it completes only on success (the contract's cut-body cases check the backend, not the store).
      const limits = s3Can('atomicPut') ? {} : { singlePutMaxBytes: -1 };
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
