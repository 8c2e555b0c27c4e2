/**
 * The Windows save core, timed: LOCK (exclusive, depth 0) → PUT with `If: (<token>)` → UNLOCK,
 * sequential cycles on one file, each cycle's wall time and each step's, from a Node HTTP client.
 */
import { Agent, request } from 'node:http';
import { quantile } from './stats.ts';

const LOCK_BODY = '<?xml version="1.0" encoding="utf-8"?><D:lockinfo xmlns:D="DAV:"><D:lockscope><D:exclusive/></D:lockscope>' +
  '<D:locktype><D:write/></D:locktype><D:owner>bench</D:owner></D:lockinfo>';

interface Answer { status: number; headers: Record<string, string | string[] | undefined> }

function send(agent: Agent, url: URL, method: string, headers: Record<string, string>, body: Buffer | string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, agent, headers: { ...headers, 'Content-Length': String(Buffer.byteLength(body)) } }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Percentiles of one series, ms. */
export interface Spread { p50: number; p99: number }

/** What {@link lockCycles} measured. */
export interface CycleResult { cycles: number; cycle: Spread; lock: Spread; put: Spread; unlock: Spread }

/**
 * Runs `warmup` untimed then `cycles` timed LOCK/PUT/UNLOCK cycles on `fileUrl` (its folder must
 * exist). `keepAlive: false` opens a connection per request, so with several workers the three
 * requests of a cycle land on different workers (the primary hands connections round robin).
 * @throws Error when a step answers an unexpected status (LOCK 200/201, PUT 201/204, UNLOCK 204).
 */
export async function lockCycles(fileUrl: string, user: string, pass: string, o: { cycles: number; warmup: number; keepAlive: boolean; bodyBytes?: number }): Promise<CycleResult> {
  const url = new URL(fileUrl);
  const agent = new Agent({ keepAlive: o.keepAlive, maxSockets: 1 });
  const auth = `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;
  const body = Buffer.alloc(o.bodyBytes ?? 1024, 'w');
  const t = { cycle: [] as number[], lock: [] as number[], put: [] as number[], unlock: [] as number[] };
  try {
    for (let i = 0; i < o.warmup + o.cycles; i++) {
      const t0 = performance.now();
      const lock = await send(agent, url, 'LOCK', { Authorization: auth, Depth: '0', Timeout: 'Second-60', 'Content-Type': 'application/xml' }, LOCK_BODY);
      const token = String(lock.headers['lock-token'] ?? '');
      if ((lock.status !== 200 && lock.status !== 201) || !token) throw new Error(`LOCK ${fileUrl} answered ${lock.status} (token "${token}")`);
      const t1 = performance.now();
      const put = await send(agent, url, 'PUT', { Authorization: auth, If: `(${token})`, 'Content-Type': 'application/octet-stream' }, body);
      if (put.status !== 201 && put.status !== 204) throw new Error(`PUT ${fileUrl} with the lock token answered ${put.status}`);
      const t2 = performance.now();
      const unlock = await send(agent, url, 'UNLOCK', { Authorization: auth, 'Lock-Token': token }, '');
      if (unlock.status !== 204) throw new Error(`UNLOCK ${fileUrl} answered ${unlock.status}`);
      const t3 = performance.now();
      if (i < o.warmup) continue;
      t.cycle.push(t3 - t0); t.lock.push(t1 - t0); t.put.push(t2 - t1); t.unlock.push(t3 - t2);
    }
  } finally { agent.destroy(); }
  const spread = (xs: number[]): Spread => ({ p50: quantile(xs, 0.5), p99: quantile(xs, 0.99) });
  return { cycles: o.cycles, cycle: spread(t.cycle), lock: spread(t.lock), put: spread(t.put), unlock: spread(t.unlock) };
}
