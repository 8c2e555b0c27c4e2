/** The feeds end to end on a local-disk category (see feeds-suite.ts). */
import { feedSuite } from './feeds-suite.ts';

feedSuite('disk', false);
