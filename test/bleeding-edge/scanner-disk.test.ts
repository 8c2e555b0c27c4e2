import { diskStore } from './fixtures.ts';
import { scannerSuite } from './scanner-suite.ts';

scannerSuite('disk', diskStore);
