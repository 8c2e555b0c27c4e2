/** Writing a streamed response body with backpressure, stopping when the client is gone. */
import { once } from 'node:events';
import type { CoreContext } from './core-context.ts';

/**
 * Writes `s` and waits for `drain` when the socket buffer is full. A large body built by
 * concatenation is best passed as a Buffer (`Buffer.from(text)`): node:http measures a string
 * chunk's byte length (flattening it) before encoding it again for the socket.
 * `onWritten` is called once the socket is done with `s` (the bytes went to the kernel, or the
 * write failed); a reused buffer may be filled again from then on.
 * @throws Error('client went away') once the client disconnected (the caller stops producing)
 */
export async function writeChunk(ctx: Pick<CoreContext, 'res' | 'signal'>, s: string | Buffer, onWritten?: () => void): Promise<void> {
  if (ctx.signal.aborted || ctx.res.destroyed) throw new Error('client went away');
  if (onWritten ? ctx.res.write(s, onWritten) : ctx.res.write(s)) return;
  const ac = new AbortController();
  const onAbort = () => ac.abort();
  ctx.signal.addEventListener('abort', onAbort, { once: true });
  try {
    await once(ctx.res, 'drain', { signal: ac.signal });
  } catch {
    throw new Error('client went away');
  } finally {
    ctx.signal.removeEventListener('abort', onAbort);
  }
}
