/**
 * The runtime-state holder: one {@link RuntimeState} at a time, swapped whole on SIGHUP.
 * Front ends call `get()` once per request and keep that snapshot for the request's life,
 * so a reload never changes the mounts under a transfer in flight.
 */
import type { RuntimeState, StateProvider } from './vfs/mount.ts';

export interface StateHolder {
  /** The current state; a {@link StateProvider} (pass `holder.get` to the front ends). */
  readonly get: StateProvider;
  /** Replaces the state atomically and returns the previous one. @throws never */
  swap(next: RuntimeState): RuntimeState;
  /** Number of successful swaps since start (for logs and tests). */
  readonly generation: number;
}

/** Creates a holder around the first state. @throws never */
export function createStateHolder(initial: RuntimeState): StateHolder {
  let current = initial;
  let generation = 0;
  return {
    get: () => current,
    swap(next) {
      const previous = current;
      current = next;
      generation += 1;
      return previous;
    },
    get generation() { return generation; },
  };
}
