/**
 * SHA-256, SHA-384 and SHA-512 of an upload computed in one pass over the bytes on a worker
 * thread, so hashing runs on the second core beside the socket reads and file writes instead of
 * in series with them. (SHA-256 is what pages and SHA256SUMS show; SHA-512 in base64 is what
 * electron-updater checks; Joomla 4+ checks any of the three.)
 *
 * The bytes are copied into 1 MiB batches whose memory is transferred to the worker. An upload
 * that ends before its first batch fills never touches the worker: it is hashed in place. Memory is
 * bounded: when a hasher has MAX_PENDING_BATCHES batches in flight, `update` waits (Atomics.wait,
 * microseconds to a few ms) until the worker caught up — the same time hashing in place would take.
 * One worker serves every upload of the process; it is started on first need and stopped after
 * IDLE_MS without work, so an idle daemon carries no extra isolate.
 */
import { createHash } from 'node:crypto';
import { Worker } from 'node:worker_threads';

const BATCH_BYTES = 1024 * 1024;
/** Batches one upload may have queued at the worker (bounds memory at ~4 MiB per upload). */
const MAX_PENDING_BATCHES = 4;
/** Longest single wait for the worker before checking again. */
const WAIT_SLICE_MS = 50;
/** A worker that made no progress for this long is given up on (the digest then fails). */
const STALL_MS = 10_000;
const IDLE_MS = 30_000;

/** The digests of a release item, computed in one pass (other files: the first alone, see {@link DigestChoice}). */
export const DIGEST_ALGORITHMS = ['sha256', 'sha384', 'sha512'] as const;

/** Lowercase hex digests of one file (SHA-384/512 only when they were asked for). */
export interface Digests { sha256: string; sha384?: string; sha512?: string }

/**
 * Which digests to compute: `all` (SHA-256/384/512: what a release item publishes) or `sha256`
 * alone. SHA-384 and SHA-512 cost ~1.3 s of CPU per GiB each here against SHA-256's 0.6 s (SHA
 * extensions), so hashing all three bounds one upload at ~330 MB/s.
 */
export type DigestChoice = 'all' | 'sha256';

const algorithmsOf = (choice: DigestChoice) => (choice === 'all' ? DIGEST_ALGORITHMS : DIGEST_ALGORITHMS.slice(0, 1));

/** Fresh hashes for {@link Digests}. @throws never */
export function createDigestSet(choice: DigestChoice = 'all'): { update(b: Uint8Array): void; hex(): Digests } {
  const hs = algorithmsOf(choice).map((a) => createHash(a));
  return {
    update: (b) => { for (const h of hs) h.update(b); },
    hex: () => hexOf(hs.map((h) => h.digest('hex'))),
  };
}

/** The digests in {@link DIGEST_ALGORITHMS} order (as many as were computed) as {@link Digests}. */
function hexOf([sha256, sha384, sha512]: string[]): Digests {
  return { sha256: sha256!, ...(sha384 ? { sha384 } : {}), ...(sha512 ? { sha512 } : {}) };
}

/** Worker source: the asked Hashes per upload id; counts finished batches down in the upload's counter. */
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const ALGS = ${JSON.stringify(DIGEST_ALGORITHMS)};
const hashes = new Map();
parentPort.on('message', (m) => {
  if (m.op === 'start') { hashes.set(m.id, { hash: ALGS.slice(0, m.count).map((a) => createHash(a)), pending: new Int32Array(m.pending) }); return; }
  const h = hashes.get(m.id);
  if (!h) return;
  if (m.op === 'update') {
    const bytes = new Uint8Array(m.bytes, 0, m.length);
    for (const x of h.hash) x.update(bytes);
    Atomics.sub(h.pending, 0, 1);
    Atomics.notify(h.pending, 0);
    parentPort.postMessage({ free: m.bytes }, [m.bytes]); // back to the pool: no garbage on either side
  } else if (m.op === 'digest') {
    hashes.delete(m.id);
    parentPort.postMessage({ id: m.id, hex: h.hash.map((x) => x.digest('hex')) });
  } else if (m.op === 'discard') {
    hashes.delete(m.id);
  }
});
`;

/** Incremental SHA-256/384/512 whose work may run off the main thread. */
export interface StreamHasher {
  /** Adds bytes (copied; the caller may reuse `chunk`). May wait briefly for the worker. @throws never */
  update(chunk: Buffer): void;
  /**
   * Finishes and resolves with the lowercase hex digests; the hasher is spent afterwards.
   * @throws Error when the worker thread failed (the digest is unknown)
   */
  digest(): Promise<Digests>;
  /** Drops the hash (the upload failed). @throws never */
  discard(): void;
}

interface WorkerHandle {
  worker: Worker;
  waiting: Map<number, { resolve: (hex: Digests) => void; reject: (e: Error) => void }>;
  active: number;
  idle?: NodeJS.Timeout;
  dead?: Error;
}

let shared: WorkerHandle | undefined;
/** Batches the worker handed back, reused before allocating new ones. */
const freeBatches: Buffer[] = [];
const POOL_BATCHES = 8;
const newBatch = (): Buffer => freeBatches.pop() ?? Buffer.allocUnsafeSlow(BATCH_BYTES);
let nextId = 1;

function failAll(h: WorkerHandle, err: Error): void {
  if (shared === h) shared = undefined;
  h.dead ??= err;
  for (const w of h.waiting.values()) w.reject(err);
  h.waiting.clear();
}

function acquireWorker(): WorkerHandle {
  if (shared) {
    clearTimeout(shared.idle);
    shared.active++;
    return shared;
  }
  const worker = new Worker(WORKER_SOURCE, { eval: true, execArgv: [], env: {}, stdout: false, stderr: false });
  const h: WorkerHandle = { worker, waiting: new Map(), active: 1 };
  worker.on('message', (m: { id: number; hex: string[]; free?: ArrayBuffer }) => {
    if (m.free) {
      if (freeBatches.length < POOL_BATCHES) freeBatches.push(Buffer.from(m.free));
      return;
    }
    const w = h.waiting.get(m.id);
    h.waiting.delete(m.id);
    w?.resolve(hexOf(m.hex));
  });
  worker.on('error', (err) => failAll(h, err));
  worker.on('exit', (code) => failAll(h, new Error(`the hashing worker exited (code ${code})`)));
  worker.unref(); // after the listeners: adding a 'message' listener refs the port again
  shared = h;
  return h;
}

function releaseWorker(h: WorkerHandle): void {
  h.active--;
  if (h.active > 0 || shared !== h) return;
  h.idle = setTimeout(() => {
    if (h.active === 0 && shared === h) {
      shared = undefined;
      void h.worker.terminate();
    }
  }, IDLE_MS);
  h.idle.unref();
}

/**
 * Creates a hasher for one upload, computing the digests of `choice`.
 * @throws never
 */
export function createStreamHasher(choice: DigestChoice = 'all'): StreamHasher {
  let batch: Buffer = newBatch();
  let filled = 0;
  let remote: { h: WorkerHandle; id: number; pending: Int32Array } | undefined;
  let done = false;
  let stalled: Error | undefined;

  const send = () => {
    if (!remote) {
      const h = acquireWorker();
      const sab = new SharedArrayBuffer(4);
      remote = { h, id: nextId++, pending: new Int32Array(sab) };
      h.worker.postMessage({ op: 'start', id: remote.id, pending: sab, count: algorithmsOf(choice).length });
    }
    const { pending } = remote;
    let lastProgress = Date.now();
    for (let n = Atomics.load(pending, 0); n >= MAX_PENDING_BATCHES; ) {
      if (remote.h.dead || Date.now() - lastProgress > STALL_MS) {
        stalled = remote.h.dead ?? new Error('the hashing worker stopped making progress');
        filled = 0;
        return;
      }
      Atomics.wait(pending, 0, n, WAIT_SLICE_MS);
      const now = Atomics.load(pending, 0);
      if (now < n) lastProgress = Date.now();
      n = now;
    }
    Atomics.add(pending, 0, 1);
    const bytes = batch.buffer as ArrayBuffer;
    remote.h.worker.postMessage({ op: 'update', id: remote.id, bytes, length: filled }, [bytes]);
    batch = newBatch();
    filled = 0;
  };

  return {
    update(chunk) {
      if (done || stalled) return;
      let off = 0;
      while (off < chunk.length) {
        const n = chunk.copy(batch, filled, off, Math.min(chunk.length, off + BATCH_BYTES - filled));
        filled += n;
        off += n;
        if (filled === BATCH_BYTES) send();
      }
    },
    async digest() {
      if (done) throw new Error('the hasher was already finished');
      done = true;
      if (!remote) {
        const set = createDigestSet(choice);
        set.update(batch.subarray(0, filled));
        const hex = set.hex();
        if (freeBatches.length < POOL_BATCHES) freeBatches.push(batch);
        return hex;
      }
      const r = remote;
      if (stalled || r.h.dead) {
        releaseWorker(r.h);
        throw stalled ?? r.h.dead!;
      }
      if (filled > 0) {
        const bytes = batch.buffer as ArrayBuffer;
        r.h.worker.postMessage({ op: 'update', id: r.id, bytes, length: filled }, [bytes]);
      }
      r.h.worker.ref(); // a pending digest keeps the process alive; an idle worker does not
      try {
        return await new Promise<Digests>((resolve, reject) => {
          r.h.waiting.set(r.id, { resolve, reject });
          r.h.worker.postMessage({ op: 'digest', id: r.id });
        });
      } finally {
        if (r.h.waiting.size === 0) r.h.worker.unref();
        releaseWorker(r.h);
      }
    },
    discard() {
      if (done) return;
      done = true;
      if (freeBatches.length < POOL_BATCHES) freeBatches.push(batch);
      if (remote) {
        remote.h.worker.postMessage({ op: 'discard', id: remote.id });
        releaseWorker(remote.h);
      }
    },
  };
}
