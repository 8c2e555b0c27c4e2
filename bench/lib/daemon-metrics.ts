/** Reads the daemon's Prometheus /metrics: S3 calls by operation (to count what a request cost). */

/**
 * Sums `releasedav_s3_calls_total` by operation; null when /metrics cannot be read.
 * @throws never
 */
export async function s3CallsByOperation(dlUrl: string): Promise<Map<string, number> | null> {
  try {
    const res = await fetch(`${dlUrl}/metrics`);
    if (!res.ok) return null;
    const out = new Map<string, number>();
    for (const line of (await res.text()).split('\n')) {
      const m = /^releasedav_s3_calls_total\{([^}]*)\}\s+([\d.e+]+)/.exec(line);
      if (!m) continue;
      const op = /operation="([^"]+)"/.exec(m[1]!)?.[1] ?? '?';
      out.set(op, (out.get(op) ?? 0) + Number(m[2]));
    }
    return out;
  } catch { return null; }
}

/** after − before per operation, as "GetObject 10000, ListObjectsV2 10010" (largest first). */
export function callDelta(before: Map<string, number> | null, after: Map<string, number> | null): { total: number; text: string } | null {
  if (!before || !after) return null;
  const d = [...after].map(([op, n]) => [op, n - (before.get(op) ?? 0)] as const).filter(([, n]) => n > 0).sort((a, b) => b[1] - a[1]);
  return { total: d.reduce((a, [, n]) => a + n, 0), text: d.map(([op, n]) => `${op} ${n}`).join(', ') || 'none' };
}
