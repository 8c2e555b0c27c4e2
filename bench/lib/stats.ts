/** Small numeric helpers for the bench: medians and formatting. */

/** Median of the numbers (mean of the middle two for an even count). @throws Error on an empty list */
export function median(xs: number[]): number {
  if (xs.length === 0) throw new Error('median of nothing');
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Formats a number with a sensible count of digits for a table. */
export function fmt(n: number | null | undefined, digits?: number): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return 'n/a';
  const d = digits ?? (Number.isInteger(n) || Math.abs(n) >= 100 ? 0 : Math.abs(n) >= 10 ? 1 : 2);
  return n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });
}

/** Bytes per second → MB/s (10^6 B/s). */
export const mbps = (bytesPerSec: number): number => bytesPerSec / 1e6;

/** Bytes → MiB. */
export const mib = (bytes: number): number => bytes / 1048576;

/** The q-quantile (0..1) of the numbers, nearest rank. @throws Error on an empty list */
export function quantile(xs: number[], q: number): number {
  if (xs.length === 0) throw new Error('quantile of nothing');
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))]!;
}
