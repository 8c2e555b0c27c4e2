/**
 * Background SHA-256/384/512 for files put into the storage by other means than the daemon (no sidecar).
 * Each file is hashed once per size+etag, a few at a time, never on a visitor's request.
 * With a `lease` (several instances on one Redis) only the lease holder hashes: elsewhere
 * `enqueue` is a no-op, and a holder that loses the lease drops its queue (the next holder finds
 * the same files when it builds its catalog on taking over, see catalog.ts).
 */
import type { Logger } from '../log.ts';
import type { Mount, StateProvider } from '../vfs/mount.ts';
import type { Entry } from '../vfs/types.ts';
import type { Digests } from '../vfs/sha256-offload.ts';
import { errText } from './build-release.ts';

/** Hashes one file and records the results in its sidecar; returns the lowercase hex digests. */
export type HashFile = (mount: Mount, entry: Entry, signal: AbortSignal) => Promise<Digests>;

/** Options of {@link createHasher}. */
export interface HasherOptions {
  getState: StateProvider;
  hashFile: HashFile;
  log: Logger;
  /** Files hashed at the same time (default 2). */
  concurrency?: number;
  /** Called after a file was hashed, so the catalog shows the digest. */
  onHashed?(slug: string, path: string, digests: Digests): void;
  /** Hash only while held (one hasher per deployment); absent = always. */
  lease?: { readonly held: boolean };
}

/** A queue of files to hash. */
export interface Hasher {
  /** Queues a file unless it is queued, running or already done at this size+etag. @throws never */
  enqueue(slug: string, entry: Entry): void;
  /** Resolves when nothing is queued or running (tests). */
  idle(): Promise<void>;
  /** Stops: aborts running hashes, drops the queue. */
  close(): Promise<void>;
}

/** Creates the hasher. @throws never */
export function createHasher(o: HasherOptions): Hasher {
  const limit = Math.max(1, o.concurrency ?? 2);
  const queue: { slug: string; entry: Entry; key: string }[] = [];
  /** Keys queued, running, done or failed (failed files are retried only when they change). */
  const seen = new Set<string>();
  const ctl = new AbortController();
  let running = 0;
  let idleWaiters: (() => void)[] = [];

  const held = () => !o.lease || o.lease.held;
  const pump = () => {
    if (!held()) {
      // Lost the lease: another instance hashes now. Forget the queue so a later takeover re-queues.
      for (const j of queue) seen.delete(j.key);
      queue.length = 0;
    }
    while (running < limit && queue.length > 0 && !ctl.signal.aborted) {
      const job = queue.shift()!;
      running++;
      void run(job).finally(() => {
        running--;
        pump();
        if (running === 0 && queue.length === 0) {
          const w = idleWaiters;
          idleWaiters = [];
          w.forEach((f) => f());
        }
      });
    }
  };

  const run = async (job: { slug: string; entry: Entry }) => {
    const mount = o.getState().mounts.get(job.slug);
    if (!mount) return;
    try {
      const sha = await o.hashFile(mount, job.entry, ctl.signal);
      o.log.info({ category: job.slug, path: job.entry.path }, 'hasher: recorded SHA-256/384/512');
      o.onHashed?.(job.slug, job.entry.path, sha);
    } catch (err) {
      if (!ctl.signal.aborted) o.log.warn({ category: job.slug, path: job.entry.path, err: errText(err) }, 'hasher: cannot hash');
    }
  };

  return {
    enqueue(slug, entry) {
      if (ctl.signal.aborted || !held()) return;
      const key = `${slug}\0${entry.path}\0${entry.size}\0${entry.etag ?? entry.mtime.getTime()}`;
      if (seen.has(key)) return;
      if (seen.size > 100_000) seen.clear();
      seen.add(key);
      queue.push({ slug, entry, key });
      pump();
    },
    idle() {
      if (running === 0 && queue.length === 0) return Promise.resolve();
      return new Promise((res) => idleWaiters.push(res));
    },
    async close() {
      ctl.abort();
      queue.length = 0;
      const w = idleWaiters;
      idleWaiters = [];
      w.forEach((f) => f());
    },
  };
}
