/**
 * Reads a page-wise async iterable ahead of its consumer, so a listing's next page is already
 * being fetched while the current entries are rendered and written (the S3 backend asks for the
 * next page only once the current one is consumed). Memory stays bounded: the reading pauses once
 * `maxAhead` items wait (plus at most the one page that crossed the mark).
 */

/** A started read-ahead: iterate it once; `stop()` if the consumer gives up early. */
export interface ReadAhead<T> extends AsyncIterable<readonly T[]> {
  /** Stops reading (returns the source iterator). @throws never */
  stop(): void;
}

/**
 * Starts pulling pages from `source` at once; iterating yields the source's pages, in order, as
 * they arrive. An error of the source is thrown by the iteration after the pages before it.
 * @throws never (source errors surface through the iteration)
 */
export function readAhead<T>(source: AsyncIterable<readonly T[]>, maxAhead: number): ReadAhead<T> {
  const it = source[Symbol.asyncIterator]();
  let queue: (readonly T[])[] = [];
  /** Items in `queue`. */
  let waiting = 0;
  let finished = false;
  let stopped = false;
  let failure: { error: unknown } | undefined;
  let wakeConsumer: (() => void) | undefined;
  let wakeProducer: (() => void) | undefined;
  const wake = () => { wakeConsumer?.(); wakeConsumer = undefined; };

  void (async () => {
    try {
      while (!stopped) {
        if (waiting >= maxAhead) {
          await new Promise<void>((r) => { wakeProducer = r; });
          continue;
        }
        const r = await it.next();
        if (r.done) break;
        queue.push(r.value);
        waiting += r.value.length;
        wake();
      }
      if (stopped) await it.return?.();
    } catch (error) {
      if (!stopped) failure = { error };
    }
    finished = true;
    wake();
  })();

  return {
    stop() {
      stopped = true;
      wakeProducer?.();
      wakeProducer = undefined;
    },
    async *[Symbol.asyncIterator]() {
      try {
        for (;;) {
          if (queue.length) {
            const pages = queue;
            queue = [];
            waiting = 0;
            wakeProducer?.();
            wakeProducer = undefined;
            for (const page of pages) yield page;
          } else if (finished) {
            if (failure) throw failure.error;
            return;
          } else {
            await new Promise<void>((r) => { wakeConsumer = r; });
          }
        }
      } finally {
        this.stop();
      }
    },
  };
}
