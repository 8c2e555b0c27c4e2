/**
 * Giving transfer memory back after a burst of downloads. Buffers of finished transfers are dead
 * objects outside the V8 heap; V8 frees them only when it next collects garbage, and an idle
 * daemon allocates nothing, so it would not: after a thousand concurrent downloads RSS stayed
 * hundreds of MiB above idle for minutes. The transfer budget reports the end of a busy period
 * (src/vfs/transfer-budget.ts `onIdle`) and this runs one full collection then: ~10–50 ms once per
 * burst, on an otherwise idle process.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { Logger } from '../log.ts';

/**
 * A function that runs one full garbage collection (V8's `gc`, exposed to a throwaway context only,
 * never as a global of the daemon), or a no-op if this V8 refuses.
 * @throws never
 */
export function collectGarbage(log: Logger): () => void {
  let gc: (() => void) | undefined;
  try {
    setFlagsFromString('--expose-gc');
    gc = runInNewContext('gc') as () => void;
  } catch (e) {
    log.debug({ err: e }, 'cannot run garbage collections on demand');
  }
  return () => {
    if (!gc) return;
    const t = performance.now();
    gc();
    log.debug({ ms: Math.round(performance.now() - t) }, 'transfers idle: collected their buffers');
  };
}
