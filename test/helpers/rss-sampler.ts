/**
 * Memory of another process from /proc: VmRSS sampled on a timer while something runs, and the
 * kernel's own peak (VmHWM), which `resetPeakRss` sets back to the current RSS so each phase of a
 * test gets its own exact peak.
 */
import { readFileSync, writeFileSync } from 'node:fs';

/** VmRSS and VmHWM of `pid`, KiB. @throws Error when the process is gone */
export function readRss(pid: number): { rssKiB: number; hwmKiB: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { rssKiB: field('VmRSS'), hwmKiB: field('VmHWM') };
}

/**
 * Sets the peak RSS (VmHWM) of `pid` back to its current RSS (`echo 5 > /proc/pid/clear_refs`, Linux ≥ 4.0).
 * @returns false when the kernel refused (the peak then covers the whole life of the process). @throws never
 */
export function resetPeakRss(pid: number): boolean {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

/** What a sampling run saw. */
export interface RssSamples {
  /** Number of samples taken. */
  count: number;
  /** Largest VmRSS sampled, KiB. */
  peakKiB: number;
  /** VmRSS at the first sample, KiB. */
  firstKiB: number;
  /** Longest gap between two samples, ms (a busy event loop delays the timer). */
  maxGapMs: number;
}

/** A running sampler. */
export interface RssSampler {
  /** Stops sampling (one last sample first) and returns what was seen. @throws never */
  stop(): RssSamples;
}

/**
 * Samples VmRSS of `pid` every `everyMs` until stopped. A sample that fails (process gone) ends sampling.
 * @throws Error when the first sample fails
 */
export function sampleRss(pid: number, everyMs = 100): RssSampler {
  const first = readRss(pid).rssKiB;
  const s: RssSamples = { count: 1, peakKiB: first, firstKiB: first, maxGapMs: 0 };
  let last = performance.now();
  let running = true;
  const take = () => {
    if (!running) return;
    const now = performance.now();
    s.maxGapMs = Math.max(s.maxGapMs, now - last);
    last = now;
    try {
      s.peakKiB = Math.max(s.peakKiB, readRss(pid).rssKiB);
      s.count++;
    } catch {
      running = false;
      clearInterval(timer);
    }
  };
  const timer = setInterval(take, everyMs);
  return {
    stop() {
      take();
      running = false;
      clearInterval(timer);
      return { ...s };
    },
  };
}
