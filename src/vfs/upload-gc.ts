/**
 * Releases the read buffers of upload bodies promptly. Node's HTTP server reads a request body into
 * a fresh 64 KiB buffer per socket read; once copied on (to the file, the S3 socket, the hasher)
 * each is garbage, but V8 frees such external memory only at a collection, and with nothing else
 * allocating it waits until ~64 MiB of it piled up. Asking for a young-generation collection
 * (a scavenge, ~50 µs here) every EVERY_BYTES of uploaded data keeps that pile at a few MiB, so a
 * streaming daemon's memory stays flat without capping V8's young generation for everything else.
 *
 * The collection is reached through V8's `gc` function, exposed at run time (`--expose-gc` set by
 * v8.setFlagsFromString and picked up by a new vm context); where that is unavailable the hint is
 * a no-op and memory is simply collected later.
 */
import v8 from 'node:v8';
import vm from 'node:vm';

/** Uploaded bytes (all uploads together) between two scavenges. */
const EVERY_BYTES = 8 * 1024 * 1024;

type GcFunction = (options?: { type?: 'minor' | 'major'; execution?: 'sync' | 'async' }) => void;
let gc: GcFunction | null | undefined;
let sinceLast = 0;
let done = 0;

function minorCollection(): void {
  if (gc === undefined) {
    try {
      v8.setFlagsFromString('--expose-gc');
      const fn: unknown = vm.runInNewContext('typeof gc === "function" ? gc : null');
      gc = typeof fn === 'function' ? (fn as GcFunction) : null;
    } catch {
      gc = null;
    }
  }
  if (!gc) return;
  gc({ type: 'minor' });
  done++;
}

/** Scavenges run so far on behalf of uploads (0 where V8's gc is unavailable). @throws never */
export function uploadScavenges(): number {
  return done;
}

/** Counts `bytes` of upload body just passed on; every EVERY_BYTES asks for a scavenge. @throws never */
export function noteUploadedBytes(bytes: number): void {
  sinceLast += bytes;
  if (sinceLast < EVERY_BYTES) return;
  sinceLast = 0;
  minorCollection();
}
