import { s3Env, s3Store, S3_SKIP } from './fixtures.ts';
import { scannerSuite } from './scanner-suite.ts';

const env = s3Env();
if (!env) console.log(`# ${S3_SKIP}`);
scannerSuite(`s3 (${env?.kind ?? 'none'})`, () => s3Store(env!), env ? undefined : S3_SKIP);
