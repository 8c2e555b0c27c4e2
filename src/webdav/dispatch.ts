/** The method table: every WebDAV method to the handler that answers it. Unknown methods → 501. */
import type { CoreHandler } from './core-context.ts';
import { handleOptions } from './handlers/options.ts';
import { handleGetHead } from './handlers/get-head.ts';
import { handlePut } from './handlers/put.ts';
import { handleDelete } from './handlers/delete.ts';
import { handleMkcol } from './handlers/mkcol.ts';
import { handlePropfind } from './handlers/propfind.ts';
import { handleLock } from './handlers/lock.ts';
import { handleUnlock } from './handlers/unlock.ts';
import { handleProppatch } from './handlers/proppatch.ts';
import { handleCopy, handleMove } from './handlers/copy-move.ts';

/** Method → handler (the locks engineer's DavHandlers accept the richer CoreContext unchanged). */
export const METHODS: ReadonlyMap<string, CoreHandler> = new Map<string, CoreHandler>([
  ['OPTIONS', handleOptions],
  ['GET', handleGetHead],
  ['HEAD', handleGetHead],
  ['PUT', handlePut],
  ['DELETE', handleDelete],
  ['MKCOL', handleMkcol],
  ['PROPFIND', handlePropfind],
  ['PROPPATCH', handleProppatch],
  ['LOCK', handleLock],
  ['UNLOCK', handleUnlock],
  ['COPY', handleCopy],
  ['MOVE', handleMove],
]);
