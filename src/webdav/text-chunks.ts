/**
 * Large streamed text (a PROPFIND multistatus) written as UTF-8 through a few reused buffers
 * instead of a new Buffer per chunk: `Buffer.from(text)` measures the text's UTF-8 length in one
 * pass and encodes it in a second, and each chunk of a listing (~190 KB) was a fresh allocation
 * above glibc's mmap threshold, freed only by a later GC (external memory piling up during a
 * 100,000-entry listing). Here the text is encoded once, straight into a buffer the socket hands
 * back when it has sent it.
 */
import type { CoreContext } from './core-context.ts';
import { writeChunk } from './stream-write.ts';

/** Bytes per reused buffer: a 256-entry allprop batch (~190 KB) fits. */
export const TEXT_BUFFER_BYTES = 256 * 1024;
/** Idle buffers kept for the next chunk or request (more may be in flight; those are dropped when back). */
const MAX_IDLE = 4;
/** An encoding that stopped this close to the end may have been cut short (a character is at most 4 bytes). */
const MAX_CHAR_BYTES = 4;

const idle: Buffer[] = [];

/** Idle buffers held right now (for tests). @throws never */
export function idleTextBuffers(): number {
  return idle.length;
}

/**
 * Writes `text` as UTF-8, encoded into a reused buffer when it fits one (otherwise as a fresh
 * Buffer), and waits for `drain` as writeChunk does.
 * @throws Error('client went away') as writeChunk
 */
export async function writeText(ctx: Pick<CoreContext, 'res' | 'signal'>, text: string): Promise<void> {
  // Longer than a buffer even at one byte per character: no use trying.
  if (text.length > TEXT_BUFFER_BYTES) return writeChunk(ctx, Buffer.from(text));
  const buf = idle.pop() ?? Buffer.allocUnsafeSlow(TEXT_BUFFER_BYTES);
  const n = buf.write(text, 0, TEXT_BUFFER_BYTES, 'utf8');
  if (n > TEXT_BUFFER_BYTES - MAX_CHAR_BYTES) {
    // Maybe cut short: encode it whole instead (rare: a batch of very long names or properties).
    release(buf);
    return writeChunk(ctx, Buffer.from(text));
  }
  let released = false;
  return writeChunk(ctx, buf.subarray(0, n), () => {
    if (!released) release(buf);
    released = true;
  });
}

function release(buf: Buffer): void {
  if (idle.length < MAX_IDLE) idle.push(buf);
}
