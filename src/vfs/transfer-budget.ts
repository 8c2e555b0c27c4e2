/**
 * The memory budget of transfers: every disk and S3 read (and disk upload) sizes its buffers from
 * one shared cap (`limits.transferBufferMiB`) instead of a per-connection constant. A transfer
 * alone gets the large chunks that make a single GET fast; N transfers share the cap (each chunk
 * about cap / (N × chunks in flight)); a transfer whose client drains slowly gets chunks no larger
 * than what its socket takes in {@link SLOW_CLIENT_WINDOW_MS}. Chunks never go below
 * {@link MIN_CHUNK}: past cap / MIN_CHUNK concurrent transfers the cap is exceeded by that floor
 * (a thousand transfers × 2 × 16 KiB = 32 MiB), rather than stalling anyone.
 *
 * A lease is asked for its chunk size before each read, so a transfer that started alone shrinks
 * its buffers as soon as others arrive, and grows them again when they leave.
 */

/** Smallest chunk a transfer is given. */
export const MIN_CHUNK = 16 * 1024;
/** A slow client's chunk is what its socket drains in this long. */
export const SLOW_CLIENT_WINDOW_MS = 50;
/** Default of `limits.transferBufferMiB`. */
export const DEFAULT_TRANSFER_BUFFER_MIB = 64;

/** One transfer's share of the budget. */
export interface TransferLease {
  /** Size for the next chunk (a power of two between MIN_CHUNK and the lease's maximum, or that maximum). @throws never */
  chunkSize(): number;
  /** Reports that `bytes` took `ms` to leave through the client's socket (the slow-client limit learns from it). @throws never */
  drained(bytes: number, ms: number): void;
  /** Ends the lease (idempotent). @throws never */
  close(): void;
}

/** What the budget holds right now (for tests and metrics). */
export interface BudgetStats { capBytes: number; active: number; heldBytes: number }

/** The process-wide transfer memory budget. */
export interface TransferBudget {
  /**
   * Starts a transfer that reads chunks of at most `maxChunk` bytes and keeps `inFlight` of them
   * at a time (e.g. 2: one being sent while the next is read).
   * @throws never
   */
  open(maxChunk: number, inFlight?: number): TransferLease;
  /** Changes the cap (config reload); leases adapt at their next chunk. @throws RangeError for a cap below one MIN_CHUNK */
  setCap(capBytes: number): void;
  /** @throws never */
  stats(): BudgetStats;
}

const floorPow2 = (n: number) => 2 ** Math.floor(Math.log2(n));

/** Options of {@link createTransferBudget}. */
export interface BudgetOptions {
  /**
   * Called once the budget has been idle (no lease) for {@link IDLE_AFTER_MS} after a busy
   * period (at least {@link BUSY_HELD_BYTES} held at once): the moment to give memory back.
   */
  onIdle?: () => void;
}

/** Quiet time after which a busy budget reports itself idle. */
export const IDLE_AFTER_MS = 3000;
/** Held bytes that make a period "busy" (worth reporting its end). */
export const BUSY_HELD_BYTES = 32 * 1024 * 1024;

/**
 * Creates a budget of `capBytes`.
 * @throws RangeError for a cap below one MIN_CHUNK
 */
export function createTransferBudget(capBytes: number, bo: BudgetOptions = {}): TransferBudget {
  const check = (c: number) => {
    if (!(c >= MIN_CHUNK)) throw new RangeError(`a transfer budget needs at least ${MIN_CHUNK} bytes`);
  };
  check(capBytes);
  let cap = capBytes;
  /** Sum of inFlight over open leases. */
  let weight = 0;
  let active = 0;
  let held = 0;
  let busy = false;
  let idleTimer: NodeJS.Timeout | undefined;

  return {
    open(maxChunk, inFlight = 2) {
      active++;
      clearTimeout(idleTimer);
      weight += inFlight;
      let closed = false;
      let last = 0;
      /** Bytes per ms the client drained recently (undefined until known). */
      let rate: number | undefined;
      return {
        chunkSize() {
          if (closed) return Math.min(maxChunk, MIN_CHUNK);
          let limit = Math.min(maxChunk, cap / weight);
          if (rate !== undefined) limit = Math.min(limit, rate * SLOW_CLIENT_WINDOW_MS);
          const size = maxChunk <= MIN_CHUNK ? maxChunk : Math.min(maxChunk, Math.max(MIN_CHUNK, floorPow2(limit)));
          held += (size - last) * inFlight;
          last = size;
          if (held >= BUSY_HELD_BYTES) busy = true;
          return size;
        },
        drained(bytes, ms) {
          // Writes that complete at once say nothing about the client (the kernel took them).
          if (bytes <= 0 || ms < 1) { if (bytes > 0) rate = undefined; return; }
          const r = bytes / ms;
          rate = rate === undefined ? r : rate * 0.5 + r * 0.5;
        },
        close() {
          if (closed) return;
          closed = true;
          active--;
          weight -= inFlight;
          held -= last * inFlight;
          last = 0;
          if (active === 0 && busy && bo.onIdle) {
            idleTimer = setTimeout(() => {
              busy = false;
              bo.onIdle!();
            }, IDLE_AFTER_MS);
            idleTimer.unref();
          }
        },
      };
    },
    setCap(c) {
      check(c);
      cap = c;
    },
    stats: () => ({ capBytes: cap, active, heldBytes: held }),
  };
}
