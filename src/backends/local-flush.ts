/**
 * Makes an upload durable while it streams instead of all at the end. Linux keeps written pages
 * dirty until ~10 % of RAM is dirty, so a plain write-then-fsync of 1 GiB first fills the page
 * cache at memory speed and then waits for the whole GiB to reach the disk (≈ 0.4 s here, a
 * quarter of the upload). Starting an `fdatasync` every FLUSH_EVERY_BYTES (never two at once)
 * writes the data back beside the transfer, so the final fsync only covers the last stretch.
 *
 * The flushes use their own read-only descriptor of the temp file (fsync is per inode), so the
 * write stream may close its descriptor whenever it likes.
 */
import { constants as fsc } from 'node:fs';
import * as fs from 'node:fs/promises';

/** Bytes between background flushes. */
const FLUSH_EVERY_BYTES = 32 * 1024 * 1024;

/** Flushes one file being written. */
export interface StreamingFlusher {
  /** Reports bytes handed to the writer; may start a background flush. @throws never */
  wrote(bytes: number): void;
  /**
   * Waits for a running flush, then fsyncs the file (data and metadata) and closes the descriptor.
   * @throws Error (fs) when the file cannot be opened or synced — the write is not durable
   */
  finish(): Promise<void>;
  /** Waits for a running flush and closes the descriptor, ignoring errors. @throws never */
  abandon(): Promise<void>;
}

/**
 * Creates a flusher for `file` (opened on the first flush, which needs the file to exist).
 * @throws never
 */
export function createStreamingFlusher(file: string): StreamingFlusher {
  let fh: fs.FileHandle | undefined;
  let opening: Promise<fs.FileHandle> | undefined;
  let running: Promise<void> | undefined;
  let sinceFlush = 0;
  let flushError: unknown;

  const handle = (): Promise<fs.FileHandle> => {
    opening ??= fs.open(file, fsc.O_RDONLY).then((h) => (fh = h));
    return opening;
  };

  const startFlush = () => {
    sinceFlush = 0;
    running = handle()
      .then((h) => h.datasync())
      .catch((err: unknown) => { flushError ??= err; })
      .finally(() => { running = undefined; });
  };

  return {
    wrote(bytes) {
      sinceFlush += bytes;
      if (sinceFlush >= FLUSH_EVERY_BYTES && !running && flushError === undefined) startFlush();
    },
    async finish() {
      await running;
      const h = await handle();
      try {
        // A failed flush is reported once per descriptor: the final sync would not see it again.
        if (flushError !== undefined) throw flushError;
        await h.sync();
      } finally {
        await h.close().catch(() => undefined);
      }
    },
    async abandon() {
      await running;
      await (fh ?? (opening ? await opening.catch(() => undefined) : undefined))?.close().catch(() => undefined);
    },
  };
}
