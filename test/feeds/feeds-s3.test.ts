/** The feeds end to end on an S3 category (RGW or s3rver; see feeds-suite.ts). */
import { skipUnlessS3 } from '../helpers/s3env.ts';
import { feedSuite } from './feeds-suite.ts';

feedSuite('s3', skipUnlessS3());
