/**
 * A faster way out for file reads that go straight to a socket (WebDAV GET): instead of a read
 * stream that allocates a fresh buffer per chunk (for 1 MiB chunks: fresh pages, page faults and a
 * GC-driven free each time), the range is read with `pread` into two reused buffers that take
 * turns — one being written to the socket while the next is read.
 *
 * The buffers' size comes from the transfer budget (../vfs/transfer-budget.ts) before every read:
 * up to {@link SEND_BUFFER_BYTES} for a transfer alone, smaller when many share the budget or the
 * client drains slowly; a buffer is replaced only once the socket is done with it.
 *
 * The stream stays an ordinary Readable for every other consumer (COPY, hashing, downloads);
 * `sendTo` is only for a fresh stream nobody read yet.
 */
import type { FileHandle } from 'node:fs/promises';
import type { ReadStream } from 'node:fs';
import type { Writable } from 'node:stream';
import type { TransferLease } from '../vfs/transfer-budget.ts';

/**
 * Largest size of each of the two buffers. Measured on loopback (1 GiB, quiet machine): 64 KiB 0.2×,
 * 256 KiB 0.5×, 1 MiB 0.85×, 2 and 4 MiB no better than 1 MiB, of nginx's sendfile; daemon CPU per
 * GiB 1.4 s, 0.65 s, 0.37 s. A GET alone holds these 2 MiB while it runs.
 */
export const SEND_BUFFER_BYTES = 1024 * 1024;

/** A file read stream that can also write its range straight into a socket. */
export interface SendableFileStream extends ReadStream {
  /**
   * Writes the stream's byte range into `out` (not ended afterwards) and closes the file.
   * @throws Error when the file ends early or cannot be read, `out` fails or closes first, or the
   *   stream was already read, destroyed or aborted
   */
  sendTo(out: Writable): Promise<void>;
}

const codedError = (message: string, code: string) => Object.assign(new Error(message), { code });

/**
 * Adds `sendTo` to `stream`, a fresh `fh.createReadStream({ start, end })` that owns `fh`.
 * `length` is the number of bytes of the range; `lease` sizes the buffers (closed with the stream).
 * @throws never
 */
export function makeSendable(stream: ReadStream, fh: FileHandle, start: number, length: number, lease: TransferLease): SendableFileStream {
  const s = stream as SendableFileStream;
  s.once('close', () => lease.close());
  s.sendTo = async (out: Writable) => {
    if (s.destroyed || s.bytesRead > 0 || s.readableFlowing !== null) throw codedError('the file stream was already used', 'EPIPE');
    s.pause(); // nothing may read through the stream meanwhile
    // Each write's promise also rejects when the socket closes first (a write callback may never
    // come then). Not a Promise.race against one long-lived "closed" promise: every race leaves a
    // reaction on that promise until it settles — ~600 bytes of heap per chunk for the whole
    // transfer, which under 1,000 slow downloads grew V8's heap by ~12 MB a second.
    let closed: Error | undefined;
    const failWrite: ((e: Error) => void)[] = [];
    const onClose = () => {
      closed ??= codedError('the receiving socket closed', 'EPIPE');
      for (const fail of failWrite) fail(closed);
    };
    out.once('close', onClose);
    if (out.destroyed) onClose();
    const buffers: (Buffer | undefined)[] = [undefined, undefined];
    const writing: (Promise<void> | undefined)[] = [undefined, undefined];
    try {
      let pos = start;
      let left = length;
      for (let i = 0; left > 0; i ^= 1) {
        await writing[i]; // this buffer is free again once the socket took it
        if (closed) throw closed;
        if (s.destroyed) throw codedError('the read was aborted', 'ABORT_ERR');
        const size = Math.min(lease.chunkSize(), left);
        let buf = buffers[i];
        if (!buf || (buf.length !== size && (buf.length < size || size < left))) buf = buffers[i] = Buffer.allocUnsafeSlow(size);
        const { bytesRead } = await fh.read(buf, 0, Math.min(buf.length, left), pos);
        if (bytesRead === 0) throw codedError('the file ended before its declared size', 'EIO');
        if (closed) throw closed;
        pos += bytesRead;
        left -= bytesRead;
        const sent = Date.now();
        const p = new Promise<void>((resolve, reject) => {
          failWrite[i] = reject;
          out.write(bytesRead === buf.length ? buf : buf.subarray(0, bytesRead), (err) => {
            if (err) return reject(err);
            lease.drained(bytesRead, Date.now() - sent);
            resolve();
          });
        });
        p.catch(() => undefined); // awaited below or on the next turn
        writing[i] = p;
      }
      await Promise.all(writing);
    } finally {
      out.off('close', onClose);
      s.destroy(); // closes the file handle (autoClose)
    }
  };
  return s;
}
