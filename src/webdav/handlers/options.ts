/** OPTIONS: class 1 and 2 compliance, MS-Author-Via for Windows, on every path including "/". */
import type { CoreHandler } from '../core-context.ts';
import { sendStatus } from '../respond.ts';

/** Methods we answer (Allow header). */
export const ALLOWED_METHODS = 'OPTIONS, GET, HEAD, PUT, DELETE, MKCOL, PROPFIND, PROPPATCH, COPY, MOVE, LOCK, UNLOCK';

/** @throws never */
export const handleOptions: CoreHandler = async (ctx) => {
  sendStatus(ctx.res, 200, {
    DAV: '1, 2',
    'MS-Author-Via': 'DAV',
    Allow: ALLOWED_METHODS,
    'Accept-Ranges': 'bytes',
  });
};
