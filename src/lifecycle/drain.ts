/**
 * Graceful stop of an http.Server: stop accepting, let requests in flight finish up to a
 * deadline, then destroy what is left. Destroying a socket aborts its request stream, which
 * makes the backends abort multipart uploads / remove temp files (nothing half-written).
 */
import type { Server } from 'node:http';
import type { Socket } from 'node:net';

/** Counts requests in flight on a server; attach before it listens. */
export interface RequestTracker {
  /** Requests whose response has not finished or closed yet. */
  readonly active: number;
  /**
   * Stops accepting, closes idle keep-alive connections as they become idle, and resolves once
   * every connection is gone or `graceMs` passed (then remaining sockets are destroyed).
   * @returns how many requests were still running when the grace period ended (0 = clean drain).
   * @throws never
   */
  drain(graceMs: number): Promise<{ aborted: number }>;
}

/** Starts counting requests on `server`. @throws never */
export function trackRequests(server: Server): RequestTracker {
  let active = 0;
  const sockets = new Set<Socket>();
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  });
  server.on('request', (req, res) => {
    active += 1;
    let counted = true;
    const end = () => {
      if (!counted) return;
      counted = false;
      active -= 1;
    };
    res.once('finish', end);
    res.once('close', end);
  });

  return {
    get active() { return active; },
    async drain(graceMs) {
      const closed = new Promise<void>((resolve) => {
        if (!server.listening) return resolve();
        server.close(() => resolve());
      });
      // Keep-alive connections become idle as their responses finish: close them as they do.
      const closeIdle = () => server.closeIdleConnections();
      closeIdle();
      const poll = setInterval(closeIdle, 50);
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<'timeout'>((resolve) => { timer = setTimeout(() => resolve('timeout'), graceMs); });
      const outcome = await Promise.race([closed.then(() => 'closed' as const), deadline]);
      clearInterval(poll);
      clearTimeout(timer);
      if (outcome === 'closed') return { aborted: 0 };
      const aborted = active;
      for (const s of sockets) s.destroy();
      await closed;
      return { aborted };
    },
  };
}

/** Longest wait for cut transfers to clean up (abort multipart uploads, remove temp files). */
export const CLEANUP_LIMIT_MS = 15_000;

/**
 * After sockets were cut, waits until the front ends report no transfer in flight (their
 * handlers decrement `activeTransfers` only once the backend has aborted or completed), so the
 * process never exits in the middle of an AbortMultipartUpload or a temp-file removal.
 * @returns true if every transfer settled within `limitMs`. @throws never
 */
export async function waitForTransfersToSettle(
  activeTransfers: { get(): Promise<{ values: { value: number }[] }> },
  limitMs = CLEANUP_LIMIT_MS,
): Promise<boolean> {
  const deadline = Date.now() + limitMs;
  for (;;) {
    const { values } = await activeTransfers.get();
    if (values.every((v) => v.value <= 0)) return true;
    if (Date.now() >= deadline) return false;
    await new Promise((r) => setTimeout(r, 25));
  }
}
